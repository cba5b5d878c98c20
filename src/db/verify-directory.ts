// Verifying a database from its files alone (`sett verify`, or a database that will not open):
// no lock is taken and nothing is changed, so it works on a stopped database and beside a live
// one (racing only with that one's deletions). The MANIFEST names the tables; a read-only open
// then reads every live entry. How files are read: verify.ts.

import { InlineExecutor, WorkerExecutor, type Executor } from '../compaction/index.js';
import { dataKeySource, keyRegistryExists, readKeyRegistry, type DataKey } from '../crypto/index.js';
import { nodeFS, type FileSystem } from '../fs/index.js';
import { Manifest } from '../manifest/index.js';
import { fileName, parseFileName } from './file-names.js';
import { checkNotForeign } from './foreign-dir.js';
import { checkOrphans, open } from './open.js';
import { addProblem, planFromNames, readEveryEntry, toProblem, verifyPlan, type VerifyOptions, type VerifyReport } from './verify.js';

export interface VerifyDirectoryOptions extends VerifyOptions {
  fs?: FileSystem;
  /**
   * The master key of an encrypted database: every file is then decrypted and read whole. Without
   * it an encrypted database is checked by its CRCs only (they cover the stored, encrypted bytes;
   * a table's data blocks, whose handles are in its encrypted index, are skipped) and its entries
   * are not read.
   */
  encryptionKey?: Uint8Array;
  /** Where the per-file jobs run: worker threads (default on the real file system) or inline. */
  executor?: 'worker' | 'inline';
}

const WORKERS = 2;

export async function verifyDirectory(dir: string, options: VerifyDirectoryOptions = {}): Promise<VerifyReport> {
  const fs = options.fs ?? nodeFS;
  // Another engine's directory is refused, not reported as a sett database full of damage.
  checkNotForeign(fs, dir);
  const inline = options.executor === 'inline' || fs !== nodeFS;
  const executor: Executor = inline ? new InlineExecutor(fs) : new WorkerExecutor(WORKERS);
  let report: VerifyReport;
  try {
    const names = fs.list(dir);
    let keys: DataKey[] | undefined;
    let keyProblem: unknown;
    if (options.encryptionKey !== undefined && keyRegistryExists(fs, dir)) {
      try {
        keys = readKeyRegistry(fs, dir, options.encryptionKey).map((k) => ({ id: k.id, key: k.key }));
      } catch (err) {
        keyProblem = err; // damage is also the KEYREGISTRY task's finding; a wrong key only this
      }
    }
    let named: Map<number, number> | undefined;
    let lostRecords: unknown;
    try {
      const { manifest, state } = await Manifest.open(fs, dir, { readOnly: true });
      try {
        named = new Map([...state.tables.values()].map((t) => [t.tableId, t.level]));
        // Tables the MANIFEST does not name (the plan's extra ones), which open would delete: are
        // any records lost?
        const { extra, walIds } = planFromNames(names, named);
        const orphans = extra.flatMap((name) => {
          const parsed = parseFileName(name);
          return parsed?.kind === 'table' ? [{ id: parsed.id, name }] : [];
        });
        try {
          checkOrphans(fs, dir, manifest, orphans, new Set(walIds), keys === undefined ? undefined : dataKeySource(keys));
        } catch (err) {
          lostRecords = err;
        }
      } finally {
        manifest.close();
      }
    } catch {
      named = undefined; // the MANIFEST's own check reports it; then every table file present is read
    }
    const plan = planFromNames(names, named);
    if (keys !== undefined) plan.keys = keys;
    report = await verifyPlan(fs, dir, executor, plan, options);
    if (keyProblem !== undefined) addProblem(report, toProblem(keyProblem, 'KEYREGISTRY'));
    if (lostRecords !== undefined) addProblem(report, toProblem(lostRecords, 'MANIFEST'));
    if (named !== undefined) {
      const present = new Set(names);
      for (const [id, level] of named) {
        const name = fileName('table', id);
        if (present.has(name)) continue;
        const problem = { file: name, code: 'MISSING' as const, message: `table ${name} (L${level}) is named by the MANIFEST but missing` };
        report.files.push({ file: name, kind: 'table', bytes: 0, units: 0, tornBytes: 0, level, problem });
        addProblem(report, problem);
      }
    }
  } finally {
    await executor.close();
  }
  // Entries of an encrypted database are read only with its key.
  if (options.encryptionKey === undefined && keyRegistryExists(fs, dir)) return report;
  try {
    const db = await open(dir, { fs, readOnly: true, executor: 'inline', ...(options.encryptionKey === undefined ? {} : { encryptionKey: options.encryptionKey }) });
    try {
      await readEveryEntry(db.iterator({ keys: true, values: true }), report);
    } finally {
      await db.close();
    }
  } catch (err) {
    addProblem(report, toProblem(err, 'open'));
  }
  return report;
}
