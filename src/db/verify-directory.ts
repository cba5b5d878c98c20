// Verifying a database from its files alone (`sett verify`, or a database that will not open):
// no lock is taken and nothing is changed, so it works on a stopped database and beside a live
// one (racing only with that one's deletions). The MANIFEST names the tables; a read-only open
// then reads every live entry. How files are read: verify.ts.

import { InlineExecutor, WorkerExecutor, type Executor } from '../compaction/index.js';
import { nodeFS, type FileSystem } from '../fs/index.js';
import { Manifest } from '../manifest/index.js';
import { fileName } from './file-names.js';
import { open } from './open.js';
import { addProblem, planFromNames, readEveryEntry, toProblem, verifyPlan, type VerifyOptions, type VerifyReport } from './verify.js';

export interface VerifyDirectoryOptions extends VerifyOptions {
  fs?: FileSystem;
  /** Where the per-file jobs run: worker threads (default on the real file system) or inline. */
  executor?: 'worker' | 'inline';
}

const WORKERS = 2;

export async function verifyDirectory(dir: string, options: VerifyDirectoryOptions = {}): Promise<VerifyReport> {
  const fs = options.fs ?? nodeFS;
  const inline = options.executor === 'inline' || fs !== nodeFS;
  const executor: Executor = inline ? new InlineExecutor(fs) : new WorkerExecutor(WORKERS);
  let report: VerifyReport;
  try {
    const names = fs.list(dir);
    let named: Map<number, number> | undefined;
    try {
      const { manifest, state } = await Manifest.open(fs, dir, { readOnly: true });
      manifest.close();
      named = new Map([...state.tables.values()].map((t) => [t.tableId, t.level]));
    } catch {
      named = undefined; // the MANIFEST's own check reports it; then every table file present is read
    }
    report = await verifyPlan(fs, dir, executor, planFromNames(names, named), options);
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
  try {
    const db = await open(dir, { fs, readOnly: true, executor: 'inline' });
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
