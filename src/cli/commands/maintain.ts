// The write commands that maintain a database in place; each takes the directory lock (exit 3
// when another process holds it):
//   sett gc DIR [--ratio R]   value-log GC until no file qualifies (runValueLogGC until false)
//   sett flatten DIR          compact every table into one level
// (sett rotate-key is in rotate-key.ts.)

import type { DB, DBStats } from '../../db/index.js';
import { openForWriting } from '../database.js';
import { EXIT, type ExitCode } from '../errors.js';
import type { MasterKey } from '../keys.js';
import { Out, renderTable, showSize } from '../format.js';
import { progressBar } from '../progress.js';

export interface MaintainOptions {
  json: boolean;
  progress: boolean;
  key: MasterKey | undefined;
}

/** GC never runs more than this many rewrites in one command (each rewrites at most one file). */
const GC_RUNS_MAX = 10_000;

export async function gcCommand(dir: string, ratio: number, options: MaintainOptions): Promise<ExitCode> {
  const db = await openForWriting(dir, { create: false, key: options.key });
  const bar = progressBar({ enabled: options.progress && !options.json, bytes: false, title: 'gc' });
  let runs = 0;
  let before: DBStats['valueLog'];
  let after: DBStats['valueLog'];
  try {
    before = db.stats().valueLog;
    bar.start(before.files, 'value-log files');
    while (runs < GC_RUNS_MAX && (await db.runValueLogGC(ratio))) {
      runs++;
      bar.update(runs);
    }
    await db.waitForBackgroundWork();
    after = db.stats().valueLog;
  } finally {
    bar.stop();
    await db.close();
  }
  const out = new Out();
  if (options.json) out.json({ dir, ratio, rewrites: runs, before, after });
  else {
    out.line(runs === 0 ? `No value-log file had at least ${(ratio * 100).toFixed(0)}% discardable bytes: nothing rewritten.` : `Rewrote ${runs} value-log file${runs === 1 ? '' : 's'}.`);
    out.line(`Value log: ${before.files} files, ${showSize(before.bytes)} → ${after.files} files, ${showSize(after.bytes)}${after.pendingDeletions > 0 ? ` (${after.pendingDeletions} deletions pending)` : ''}.`);
  }
  out.flush();
  return EXIT.ok;
}

function levelRows(stats: DBStats): (string | number)[][] {
  return stats.levels.filter((l) => l.tables > 0).map((l) => [`L${l.level}`, l.tables, showSize(l.bytes), l.entries]);
}

export async function flattenCommand(dir: string, options: MaintainOptions): Promise<ExitCode> {
  const db: DB = await openForWriting(dir, { create: false, key: options.key });
  const bar = progressBar({ enabled: options.progress && !options.json, bytes: true, title: 'flatten' });
  let before: DBStats;
  let after: DBStats;
  try {
    before = db.stats();
    const startWritten = before.counters.compactionBytesWritten + before.counters.flushBytes;
    bar.start(before.files.tableBytes + before.memtables.activeBytes, 'compacting');
    const timer = setInterval(() => {
      const c = db.stats().counters;
      bar.update(c.compactionBytesWritten + c.flushBytes - startWritten);
    }, 100);
    try {
      await db.flatten();
    } finally {
      clearInterval(timer);
    }
    after = db.stats();
  } finally {
    bar.stop();
    await db.close();
  }
  const out = new Out();
  if (options.json) out.json({ dir, before: before.levels.filter((l) => l.tables > 0), after: after.levels.filter((l) => l.tables > 0) });
  else {
    out.line('Before:');
    out.line(renderTable(['level', 'tables', 'size', 'entries'], levelRows(before), ['left', 'right', 'right', 'right']));
    out.line('After:');
    out.line(renderTable(['level', 'tables', 'size', 'entries'], levelRows(after), ['left', 'right', 'right', 'right']));
  }
  out.flush();
  return EXIT.ok;
}
