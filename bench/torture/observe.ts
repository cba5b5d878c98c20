// The parent's look at the database after a kill: open it (it must open without an error), read
// every key three ways (forward iteration with values, get() of every key, reverse key-only
// iteration), check that the three agree, and take stats(). The verifier then judges the values.
// Before closing, it runs value-log GC until nothing qualifies: the children write far faster
// than their own background GC collects, and many cycles would otherwise fill the disk. Whatever
// that GC does is checked by the next cycle's verification.

import { isSettError, open, type DB, type DBStats } from '../../src/index.js';
import { TORTURE_DB_OPTIONS } from './config.js';
import { firstDifference } from './values.js';
import type { Violation } from './verify.js';

/**
 * A lock left by a child killed between creating LOCK and writing its owner record is reclaimed
 * only once it is 5 s old (src/fs/dir-lock.ts); wait that out rather than fail.
 */
const LOCKED_RETRY_MS = 250;
const LOCKED_GIVE_UP_MS = 15_000;
const GC_DISCARD_RATIO = 0.5;
const GC_MAX_RUNS = 50;

export interface Observation {
  values: Map<string, Buffer>;
  violations: Violation[];
  stats: DBStats;
  /** Milliseconds the successful open() took (recovery), and how long it waited for a stale lock before. */
  openMs: number;
  lockWaitMs: number;
  /** Value-log files the parent's GC rewrote. */
  gcRewrites: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function openWaitingForLock(dir: string, nowMs: () => number): Promise<{ db: DB; lockWaitMs: number }> {
  const start = nowMs();
  for (;;) {
    const attempt = nowMs();
    try {
      return { db: await open(dir, { ...TORTURE_DB_OPTIONS }), lockWaitMs: attempt - start };
    } catch (err) {
      if (!(isSettError(err) && err.code === 'LOCKED') || nowMs() - start > LOCKED_GIVE_UP_MS) throw err;
      await sleep(LOCKED_RETRY_MS);
    }
  }
}

function readAll(db: DB, keys: Iterable<string>): { values: Map<string, Buffer>; violations: Violation[] } {
  const violations: Violation[] = [];
  const values = new Map<string, Buffer>();
  let previous: string | undefined;
  for (const [k, v] of db.iterator()) {
    const key = k!.toString('latin1');
    if (previous !== undefined && !(previous < key)) violations.push({ kind: 'read-mismatch', key, message: `iterator yields ${key} after ${previous}` });
    previous = key;
    values.set(key, v!);
  }
  const reverse: string[] = [];
  for (const [k] of db.iterator({ reverse: true, values: false })) reverse.push(k!.toString('latin1'));
  reverse.reverse();
  const forward = [...values.keys()];
  if (reverse.length !== forward.length || reverse.some((k, i) => k !== forward[i])) {
    const i = reverse.findIndex((k, j) => k !== forward[j]);
    violations.push({ kind: 'read-mismatch', message: `reverse iteration has ${reverse.length} keys, forward ${forward.length}; first difference at ${i}: ${reverse[i]} vs ${forward[i]}` });
  }
  const asked = new Set<string>([...keys, ...values.keys()]);
  for (const key of asked) {
    const got = db.getSync(key);
    const iterated = values.get(key);
    if (got === undefined && iterated === undefined) continue;
    if (got === undefined || iterated === undefined) {
      violations.push({ kind: 'read-mismatch', key, message: `${key}: get() ${got === undefined ? 'finds nothing' : `finds ${got.length} bytes`}, the iterator ${iterated === undefined ? 'nothing' : `${iterated.length} bytes`}` });
      continue;
    }
    const at = firstDifference(got, iterated);
    if (at >= 0) violations.push({ kind: 'read-mismatch', key, message: `${key}: get() and the iterator differ at offset ${at}` });
  }
  return { values, violations };
}

/** Opens, reads and closes the database; any error is returned as an open-failed violation. */
export async function observe(dir: string, modelKeys: Iterable<string>, nowMs: () => number): Promise<Observation | Violation> {
  const start = nowMs();
  let opened: { db: DB; lockWaitMs: number };
  try {
    opened = await openWaitingForLock(dir, nowMs);
  } catch (err) {
    return { kind: 'open-failed', message: `open() after the kill threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` };
  }
  const { db, lockWaitMs } = opened;
  const openMs = nowMs() - start - lockWaitMs;
  try {
    const { values, violations } = readAll(db, modelKeys);
    const stats = db.stats();
    let gcRewrites = 0;
    while (gcRewrites < GC_MAX_RUNS && (await db.runValueLogGC(GC_DISCARD_RATIO))) gcRewrites++;
    await db.close();
    return { values, violations, stats, openMs, lockWaitMs, gcRewrites };
  } catch (err) {
    await db.close().catch(() => undefined);
    return { kind: 'open-failed', message: `reading the reopened database threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` };
  }
}
