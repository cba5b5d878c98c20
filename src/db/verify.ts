// db.verify() and `sett verify`: read every checksum in a database directory and say what is
// wrong, where, without changing a byte. Each table, value-log file and WAL is read by a verify
// job on the background executor (a worker thread by default: a directory can hold gigabytes),
// the small MANIFEST and DISCARD files on the calling thread.
//
// Two ways in. verifyDirectory() plans from the directory alone (a stopped database, or a live
// one it must not lock): the MANIFEST names the tables. A live DB plans from its own state and
// holds what it verifies (tables referenced, value-log files behind a read epoch) so background
// work cannot delete a file between the plan and the read; WALs of memtables flushed meanwhile
// may vanish, and are skipped as such.

import { CorruptionError, SettError, IoError, type SettErrorCode } from '../base/index.js';
import type { Executor } from '../compaction/index.js';
import { KEY_REGISTRY_FILE, checkKeyRegistry, type DataKey } from '../crypto/index.js';
import { LOCK_NAME, readAll, type FileSystem } from '../fs/index.js';
import { MANIFEST_FILE, Manifest } from '../manifest/index.js';
import { DISCARD_FILE, decodeDiscard } from '../vlog/index.js';
import { fileName, joinPath, parseFileName } from './file-names.js';

export type VerifiedKind = 'manifest' | 'table' | 'vlog' | 'wal' | 'discard' | 'keyregistry';

export interface VerifiedFile {
  file: string;
  kind: VerifiedKind;
  bytes: number;
  /** Blocks of a table, entries of a value-log file, records of a WAL or MANIFEST, files in DISCARD, keys in KEYREGISTRY. */
  units: number;
  /** A crash's torn tail after the valid end (newest WAL, newest value-log file, MANIFEST): not an error. */
  tornBytes: number;
  /** The table's level, when the MANIFEST names it. */
  level?: number;
  /** What is wrong with the file; absent when every checksum matched. */
  problem?: VerifyProblem;
}

export interface VerifyProblem {
  file: string;
  code: SettErrorCode | 'MISSING';
  message: string;
  offset?: number;
}

export interface VerifyReport {
  /** No problem found: every file the database needs is present and every checksum matches. */
  ok: boolean;
  files: VerifiedFile[];
  /** Every problem, one per damaged or missing file. */
  problems: VerifyProblem[];
  /** Files in the directory that the database does not use (open deletes leftover tables). */
  extra: string[];
  bytesRead: number;
  /** Live entries read through the read path (every value pointer followed and its CRC checked). */
  entries: number;
}

export interface VerifyProgress {
  file: string;
  doneBytes: number;
  totalBytes: number;
}

export interface VerifyOptions {
  /** Called after each file is read. */
  onProgress?: (progress: VerifyProgress) => void;
}

/** What to read, in order. */
export interface VerifyPlan {
  tables: { id: number; level?: number }[];
  /** Ascending; the last one is the newest. */
  vlogIds: number[];
  /** Ascending. */
  walIds: number[];
  /** Names of files not part of the database. */
  extra: string[];
  /**
   * The database is live: WALs (flushed) and value-log files (collected by GC) may disappear
   * between the plan and the read; those are skipped, not reported missing.
   */
  live: boolean;
  /**
   * Data keys of an encrypted database (a live one has them). Without them encrypted files are
   * checked by their CRCs only (which cover the stored bytes; a table's data blocks need the key).
   */
  keys?: DataKey[];
}

const JOBS_IN_FLIGHT = 2;

/** Verifies the files of `plan`; the MANIFEST and DISCARD always. */
export async function verifyPlan(fs: FileSystem, dir: string, executor: Executor, plan: VerifyPlan, options: VerifyOptions = {}): Promise<VerifyReport> {
  const files: VerifiedFile[] = [];
  const sizes = new Map<string, number>();
  const sizeOf = (name: string): number => {
    let n = sizes.get(name);
    if (n === undefined) {
      try {
        n = fs.size(joinPath(dir, name));
      } catch {
        n = 0;
      }
      sizes.set(name, n);
    }
    return n;
  };
  const keyField = plan.keys === undefined ? {} : { keys: plan.keys };
  type Task = { name: string; kind: VerifiedKind; run: () => Promise<Omit<VerifiedFile, 'file' | 'kind'>>; level?: number; mayVanish?: boolean };
  const tasks: Task[] = [];
  tasks.push({ name: MANIFEST_FILE, kind: 'manifest', run: async () => verifyManifest(fs, dir) });
  if (fs.exists(joinPath(dir, DISCARD_FILE))) tasks.push({ name: DISCARD_FILE, kind: 'discard', run: async () => verifyDiscard(fs, dir) });
  if (fs.exists(joinPath(dir, KEY_REGISTRY_FILE))) {
    tasks.push({ name: KEY_REGISTRY_FILE, kind: 'keyregistry', run: async () => verifyKeyRegistry(fs, dir) });
  }
  for (const t of plan.tables) {
    const name = fileName('table', t.id);
    const path = joinPath(dir, name);
    const task: Task = {
      name,
      kind: 'table',
      run: async () => {
        const r = await executor.run({ kind: 'verify', file: 'table', path, fileId: t.id, newest: false, ...keyField });
        return { bytes: r.bytes, units: r.units, tornBytes: 0 };
      },
    };
    if (t.level !== undefined) task.level = t.level;
    tasks.push(task);
  }
  plan.vlogIds.forEach((id, i) => {
    const name = fileName('vlog', id);
    const path = joinPath(dir, name);
    const newest = i === plan.vlogIds.length - 1;
    tasks.push({
      name,
      kind: 'vlog',
      mayVanish: plan.live,
      run: async () => await executor.run({ kind: 'verify', file: 'vlog', path, fileId: id, newest, ...keyField }),
    });
  });
  plan.walIds.forEach((id, i) => {
    const name = fileName('wal', id);
    const path = joinPath(dir, name);
    const newest = i === plan.walIds.length - 1;
    tasks.push({
      name,
      kind: 'wal',
      mayVanish: plan.live,
      run: async () => await executor.run({ kind: 'verify', file: 'wal', path, fileId: id, newest, ...keyField }),
    });
  });

  const totalBytes = tasks.reduce((sum, t) => sum + sizeOf(t.name), 0);
  let doneBytes = 0;
  let next = 0;
  const results: (VerifiedFile | undefined)[] = new Array(tasks.length);
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      const task = tasks[i]!;
      const path = joinPath(dir, task.name);
      let entry: VerifiedFile | undefined;
      try {
        entry = { file: task.name, kind: task.kind, ...(await task.run()) };
      } catch (err) {
        if (task.mayVanish === true && !fs.exists(path)) {
          entry = undefined; // flushed or collected while we read it
        } else {
          entry = { file: task.name, kind: task.kind, bytes: sizeOf(task.name), units: 0, tornBytes: 0, problem: problemOf(task.name, path, fs, err) };
        }
      }
      if (entry !== undefined && task.level !== undefined) entry.level = task.level;
      results[i] = entry;
      doneBytes += sizeOf(task.name);
      options.onProgress?.({ file: task.name, doneBytes, totalBytes });
    }
  };
  await Promise.all(Array.from({ length: Math.min(JOBS_IN_FLIGHT, tasks.length) }, worker));
  for (const r of results) if (r !== undefined) files.push(r);
  const problems = files.flatMap((f) => (f.problem === undefined ? [] : [f.problem]));
  return {
    ok: problems.length === 0,
    files,
    problems,
    extra: plan.extra,
    bytesRead: files.reduce((sum, f) => sum + (f.problem === undefined ? f.bytes : 0), 0),
    entries: 0,
  };
}

/** A slice of synchronous reading may run this long before yielding to the event loop. */
const SLICE_MS = 2;

/**
 * The second half of a verify: every live entry read the way get() reads it, so that what the
 * per-file checksums cannot see (a value pointer into a missing or cut value-log file) is found
 * too. Reads in slices of SLICE_MS, yielding between them. Adds what it finds to `report`.
 */
export async function readEveryEntry(entries: Iterable<unknown>, report: VerifyReport): Promise<void> {
  let n = 0;
  let sliceStart = performance.now();
  try {
    for (const _ of entries) {
      n++;
      if ((n & 255) === 0 && performance.now() - sliceStart > SLICE_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
  } catch (err) {
    addProblem(report, toProblem(err, 'read of live entries'));
  }
  report.entries = n;
}

export function addProblem(report: VerifyReport, problem: VerifyProblem): void {
  report.ok = false;
  if (!report.problems.some((p) => p.file === problem.file && p.offset === problem.offset && p.code === problem.code)) report.problems.push(problem);
}

export function toProblem(err: unknown, what: string): VerifyProblem {
  const e = err instanceof SettError ? err : IoError.from(err, what);
  const problem: VerifyProblem = { file: e.file ?? what, code: e.code, message: e.message };
  if (e.offset !== undefined) problem.offset = e.offset;
  return problem;
}

/** Sorts a directory listing into a plan; `named` (table id → level) comes from the MANIFEST. */
export function planFromNames(names: readonly string[], named: Map<number, number> | undefined): VerifyPlan {
  const plan: VerifyPlan = { tables: [], vlogIds: [], walIds: [], extra: [], live: false };
  for (const name of names) {
    const parsed = parseFileName(name);
    if (parsed === undefined) {
      if (!KNOWN_FILES.has(name)) plan.extra.push(name);
      continue;
    }
    if (parsed.kind === 'table') {
      if (named === undefined) plan.tables.push({ id: parsed.id });
      else if (named.has(parsed.id)) plan.tables.push({ id: parsed.id, level: named.get(parsed.id)! });
      else plan.extra.push(name);
    } else if (parsed.kind === 'vlog') {
      plan.vlogIds.push(parsed.id);
    } else {
      plan.walIds.push(parsed.id);
    }
  }
  plan.tables.sort((a, b) => (a.level ?? 0) - (b.level ?? 0) || a.id - b.id);
  plan.vlogIds.sort((a, b) => a - b);
  plan.walIds.sort((a, b) => a - b);
  return plan;
}

// MANIFEST-REWRITE and DISCARD-TMP, left by a crash between writing and renaming, count as extra.
const KNOWN_FILES = new Set([MANIFEST_FILE, DISCARD_FILE, LOCK_NAME, KEY_REGISTRY_FILE]);

async function verifyManifest(fs: FileSystem, dir: string): Promise<Omit<VerifiedFile, 'file' | 'kind'>> {
  const { manifest, tornBytes } = await Manifest.open(fs, dir, { readOnly: true });
  const stats = manifest.stats();
  manifest.close();
  return { bytes: stats.fileBytes + tornBytes, units: stats.records, tornBytes };
}

function verifyDiscard(fs: FileSystem, dir: string): Omit<VerifiedFile, 'file' | 'kind'> {
  // A damaged DISCARD costs only GC's estimates (open starts them afresh), but it is still damage.
  const bytes = readAll(fs, joinPath(dir, DISCARD_FILE));
  const decoded = decodeDiscard(bytes);
  if (typeof decoded === 'string') throw new CorruptionError(DISCARD_FILE, 0, decoded);
  return { bytes: bytes.length, units: decoded.size, tornBytes: 0 };
}

/** Its checksums and structure; the key check needs the master key (open makes it). */
function verifyKeyRegistry(fs: FileSystem, dir: string): Omit<VerifiedFile, 'file' | 'kind'> {
  const bytes = readAll(fs, joinPath(dir, KEY_REGISTRY_FILE));
  return { bytes: bytes.length, units: checkKeyRegistry(bytes).length, tornBytes: 0 };
}

function problemOf(name: string, path: string, fs: FileSystem, err: unknown): VerifyProblem {
  if (!fs.exists(path)) return { file: name, code: 'MISSING', message: `${name} is missing` };
  const problem = toProblem(err, `verify ${name}`);
  if (problem.file !== name && !(err instanceof SettError && err.file !== undefined)) problem.file = name;
  return problem;
}
