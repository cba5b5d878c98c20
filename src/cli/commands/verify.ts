// `sett verify DIR [--json] [--no-progress]`: reads every checksum of every file, then every live
// entry (verifyDirectory: no lock, nothing changed; works beside a live process and on a stopped
// database). Exit 0 when all is well, 1 when anything is damaged or missing.
//
// An encrypted database is checked without its key too: every CRC covers the stored (encrypted)
// bytes, so damage is found; only the entries (and tables' data blocks, whose handles are in the
// encrypted index) are left unread, and the output says so. With --key-file everything is read.

import { verifyDirectory, type VerifyProblem, type VerifyReport } from '../../db/index.js';
import { databaseNames, heldByLiveProcess } from '../database.js';
import { ReadOnlyFS } from '../fs-views.js';
import { EXIT, type ExitCode } from '../errors.js';
import { Out, bad, good, heading, renderTable, showSize, warn } from '../format.js';
import { KEY_FILE_ENV, checkKey, type MasterKey } from '../keys.js';
import { progressBar } from '../progress.js';

export interface VerifyCommandOptions {
  json: boolean;
  progress: boolean;
  key: MasterKey | undefined;
}

/** Passes over a live database: a problem counts only if every pass finds it. */
const LIVE_PASSES = 3;

const problemKey = (p: VerifyProblem): string => `${p.file}\0${p.code}\0${p.offset ?? ''}`;

/** `later`, keeping only the problems `earlier` found too. */
function confirmed(earlier: VerifyReport, later: VerifyReport): VerifyReport {
  const seen = new Set(earlier.problems.map(problemKey));
  const problems = later.problems.filter((p) => seen.has(problemKey(p)));
  const files = later.files.map((f) => {
    if (f.problem === undefined || seen.has(problemKey(f.problem))) return f;
    const { problem: _dropped, ...rest } = f;
    return rest;
  });
  return { ...later, files, problems, ok: problems.length === 0 };
}

export async function verifyCommand(dir: string, options: VerifyCommandOptions): Promise<ExitCode> {
  const names = databaseNames(dir);
  // A wrong key (or a key for a plain database) is refused before any file is read.
  const dataKeys = checkKey(dir, names, options.key, { keyOptional: true });
  const encrypted = names.includes('KEYREGISTRY');
  const sealed = encrypted && dataKeys === undefined;
  const bar = progressBar({ enabled: options.progress && !options.json, bytes: true, title: 'verify' });
  const pass = async (): Promise<VerifyReport> => {
    let started = false;
    try {
      // Through a ReadOnlyFS: verifyDirectory's read-only open must not write into the directory
      // (see database.ts). It also runs the per-file checks inline rather than on workers.
      return await verifyDirectory(dir, {
        fs: new ReadOnlyFS(),
        ...(options.key === undefined ? {} : { encryptionKey: options.key.bytes }),
        onProgress: (p) => {
          if (!started) {
            bar.start(p.totalBytes);
            started = true;
          }
          bar.update(p.doneBytes, p.file);
        },
      });
    } finally {
      bar.stop();
    }
  };
  let report = await pass();
  // Beside a live writer, files it flushes, compacts or collects can vanish between the plan and
  // the read; real damage is found again by the next pass, a race is not.
  for (let n = 1; n < LIVE_PASSES && !report.ok && heldByLiveProcess(dir); n++) report = confirmed(report, await pass());
  const out = new Out();
  const encryption = { encrypted, keyGiven: options.key !== undefined, entriesRead: !sealed };
  if (options.json) out.json({ ...report, encryption });
  else printReport(out, dir, report, sealed);
  out.flush();
  return report.ok ? EXIT.ok : EXIT.failed;
}

export const SEALED_NOTE = `Encrypted database, no key given: checked every checksum (they cover the encrypted bytes), but the entries and the tables' data blocks were not read. Pass --key-file FILE (or set ${KEY_FILE_ENV}) to read them too.`;

function printReport(out: Out, dir: string, report: VerifyReport, sealed: boolean): void {
  out.line(`${heading('Verify')} ${dir}`);
  out.line(
    renderTable(
      ['file', 'kind', 'level', 'size', 'units', 'torn tail', 'status'],
      report.files.map((f) => [
        f.file,
        f.kind,
        f.level === undefined ? '' : `L${f.level}`,
        showSize(f.bytes),
        f.units,
        f.tornBytes === 0 ? '' : warn(`${f.tornBytes} B`),
        f.problem === undefined ? good('ok') : bad(f.problem.code),
      ]),
      ['left', 'left', 'left', 'right', 'right', 'right', 'left'],
    ),
  );
  if (report.extra.length > 0) out.line(warn(`Files the database does not use: ${report.extra.join(', ')}`));
  const torn = report.files.filter((f) => f.tornBytes > 0);
  if (torn.length > 0) out.line(warn(`Torn tails (a crash's last, incomplete write; not damage): ${torn.map((f) => `${f.file} ${f.tornBytes} B`).join(', ')}`));
  if (sealed) {
    out.line(`Read ${showSize(report.bytesRead)} in ${report.files.length} files (checksums only).`);
    out.line(warn(SEALED_NOTE));
  } else out.line(`Read ${showSize(report.bytesRead)} in ${report.files.length} files, and ${report.entries} live entries through the read path.`);
  if (report.ok) {
    out.line(good('OK: every checksum matched.'));
    return;
  }
  out.line(bad(`${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}:`));
  for (const p of report.problems) {
    // Engine messages already carry their code, file and offset ("CORRUPTION: 000012.sst at offset 10: ...").
    const withCode = p.message.startsWith(`${p.code}:`) ? p.message : `${p.code}: ${p.message}`;
    out.line(bad(`  ${withCode.includes(p.file) ? withCode : `${p.file}: ${withCode}`}`));
  }
}
