// The torture child: opens the database on the real file system (worker-thread compaction) and
// writes until the parent kills it with SIGKILL. Several lanes keep writes in flight at once, so
// group commit batches them: single puts (small, and large ones that go to the value log),
// deletes, batches (all keys tagged with the batch's generation) and a counter. Every write is
// logged before the engine sees it (ISSUE) and after its promise resolves (ACK); see ack-log.ts.
//
// While it runs, it also checks what it can see itself: a key with no write in flight reads back
// (getSync) exactly as last acknowledged, and the counter never reads below the last acknowledged
// count. A broken promise is printed as a VIOLATION line and the child exits with code 3.
//
// Usage (by main.ts): node dist/bench/torture/child.js '<ChildConfig as JSON>'

import { Rng } from '../../src/base/index.js';
import { open, type BatchOperation, type DB } from '../../src/index.js';
import { AckLogWriter, type IssueRecord, type LoggedOp } from './ack-log.js';
import { CHILD_EXIT_OPEN_FAILED, OPENING_LINE, READY_LINE, STATS_PREFIX, TORTURE_DB_OPTIONS, VALUE_THRESHOLD_BYTES, VIOLATION_PREFIX, parseChildConfig, type ChildConfig, type ChildStats } from './config.js';
import { COUNTER_KEY, VALUE_HEADER_BYTES, batchKey, firstDifference, makeValue, parseValueHeader, singleKey } from './values.js';

const STATS_EVERY_MS = 200;
const LIVE_CHECK_EVERY_MS = 20;
const LIVE_CHECKS_PER_ROUND = 16;
const MAX_BATCH_KEYS = 12;
const GC_DISCARD_RATIO = 0.3;

interface Acked {
  gen: number;
  op: LoggedOp;
}

class Writer {
  /** The write stream: a pure function of the seed (only where the kill lands varies). */
  private readonly rng: Rng;
  /** Which keys the live check reads: its own stream, so checking does not shift the writes. */
  private readonly checkRng: Rng;
  private gen: number;
  private counter: number;
  private counterAcked = 0;
  private readonly inFlight = new Map<string, number>();
  private readonly lastAcked = new Map<string, Acked>();
  /** Keys of lastAcked, for picking one at random. */
  private readonly ackedKeys: string[] = [];
  acked = 0;
  liveChecks = 0;

  constructor(
    private readonly db: DB,
    private readonly log: AckLogWriter,
    private readonly config: ChildConfig,
  ) {
    this.rng = new Rng(config.seed);
    this.checkRng = new Rng(config.seed ^ 0x5bd1e995);
    this.gen = config.startGen;
    this.counter = config.startCounter;
  }

  private size(large: boolean): number {
    const rng = this.rng;
    if (large) return VALUE_THRESHOLD_BYTES + 1 + rng.int(rng.bool(0.85) ? 3 * 1024 : 15 * 1024);
    return VALUE_HEADER_BYTES + rng.int(280);
  }

  /** The next write, with its generation taken. */
  private next(): IssueRecord {
    const rng = this.rng;
    const gen = this.gen++;
    const r = rng.next();
    if (r < 0.4) return { type: 'issue', what: 'single', gen, ops: [{ key: singleKey(rng.int(this.config.singleKeys)), del: false, size: this.size(false), aux: 0 }] };
    if (r < 0.55) return { type: 'issue', what: 'single', gen, ops: [{ key: singleKey(rng.int(this.config.singleKeys)), del: false, size: this.size(true), aux: 0 }] };
    if (r < 0.65) return { type: 'issue', what: 'single', gen, ops: [{ key: singleKey(rng.int(this.config.singleKeys)), del: true, size: 0, aux: 0 }] };
    if (r < 0.88) {
      const n = 2 + rng.int(MAX_BATCH_KEYS - 1);
      const keys = new Set<string>();
      while (keys.size < n) keys.add(batchKey(rng.int(this.config.batchKeys)));
      const ops: LoggedOp[] = [...keys].map((key, i) => {
        // At least one put, so a batch always leaves a tag to see whether it landed.
        const del = i > 0 && rng.bool(0.12);
        return { key, del, size: del ? 0 : this.size(rng.bool(0.2)), aux: 0 };
      });
      return { type: 'issue', what: 'batch', gen, ops };
    }
    return { type: 'issue', what: 'counter', gen, ops: [{ key: COUNTER_KEY, del: false, size: VALUE_HEADER_BYTES + rng.int(40), aux: this.counter++ }] };
  }

  /** Hands the write to the engine; the engine queues it before this returns (generation order). */
  private perform(record: IssueRecord): Promise<void> {
    const { gen, ops } = record;
    if (record.what === 'batch') {
      const batch: BatchOperation[] = ops.map((op) => (op.del ? { type: 'del', key: op.key } : { type: 'put', key: op.key, value: makeValue(op.key, gen, op.size, op.aux) }));
      return this.db.batch(batch);
    }
    const op = ops[0]!;
    return op.del ? this.db.delete(op.key) : this.db.put(op.key, makeValue(op.key, gen, op.size, op.aux));
  }

  async lane(): Promise<never> {
    for (;;) {
      const record = this.next();
      this.log.append(record);
      for (const op of record.ops) this.inFlight.set(op.key, (this.inFlight.get(op.key) ?? 0) + 1);
      await this.perform(record);
      this.log.append({ type: 'ack', gen: record.gen });
      this.acked++;
      for (const op of record.ops) {
        this.inFlight.set(op.key, this.inFlight.get(op.key)! - 1);
        const before = this.lastAcked.get(op.key);
        if (before === undefined) this.ackedKeys.push(op.key);
        if (before === undefined || before.gen < record.gen) this.lastAcked.set(op.key, { gen: record.gen, op });
        if (op.key === COUNTER_KEY) this.counterAcked = Math.max(this.counterAcked, op.aux);
      }
    }
  }

  /** Read-your-acknowledged-writes on keys with nothing in flight; undefined if all is well. */
  liveCheck(): string | undefined {
    for (let i = 0; i < LIVE_CHECKS_PER_ROUND && this.ackedKeys.length > 0; i++) {
      const key = this.ackedKeys[this.checkRng.int(this.ackedKeys.length)]!;
      if ((this.inFlight.get(key) ?? 0) !== 0) continue;
      const { gen, op } = this.lastAcked.get(key)!;
      const got = this.db.getSync(key);
      this.liveChecks++;
      if (op.del) {
        if (got !== undefined) return `live read: ${key} was deleted at gen ${gen} (acknowledged, nothing in flight) but reads ${got.length} bytes`;
        continue;
      }
      if (got === undefined) return `live read: ${key} put at gen ${gen} (acknowledged, nothing in flight) reads as absent`;
      const at = firstDifference(makeValue(key, gen, op.size, op.aux), got);
      if (at >= 0) return `live read: ${key} put at gen ${gen} (acknowledged, nothing in flight) reads different bytes from offset ${at}`;
    }
    const counter = this.db.getSync(COUNTER_KEY);
    if (counter !== undefined || this.counterAcked > 0) {
      const header = counter === undefined ? 'absent' : parseValueHeader(counter);
      const shown = typeof header === 'string' ? -1 : header.aux;
      if (shown < this.counterAcked) return `live read: counter reads ${typeof header === 'string' ? header : shown} after ${this.counterAcked} was acknowledged`;
    }
    return undefined;
  }

  stats(): ChildStats {
    const c = this.db.stats().counters;
    return {
      acked: this.acked,
      flushes: c.flushes,
      compactions: c.compactions,
      vlogGCRewrites: c.vlogGCRewrites,
      vlogFilesDeleted: c.vlogFilesDeleted,
      vlogBytesWritten: c.vlogBytesWritten,
      walSyncs: c.walSyncs,
      maxGroupSize: c.maxGroupSize,
      liveChecks: this.liveChecks,
    };
  }
}

// Exit codes: 2 a write, GC or read threw; 3 a live read broke a promise (VIOLATION line);
// 4 orphaned (stdin closed); CHILD_EXIT_OPEN_FAILED (5) open() threw.
function fail(what: string, err: unknown, code = 2): never {
  process.stderr.write(`torture child: ${what}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (arg === undefined) throw new Error('usage: child.js <config JSON>');
  const config = parseChildConfig(arg);
  // Orphaned (the parent died): stop instead of writing forever.
  process.stdin.on('end', () => process.exit(4));
  process.stdin.resume();

  const log = new AckLogWriter(config.log);
  process.stdout.write(`${OPENING_LINE}\n`);
  const db = await open(config.dir, { ...TORTURE_DB_OPTIONS, syncWrites: config.syncWrites }).catch((err: unknown) => fail('open() threw', err, CHILD_EXIT_OPEN_FAILED));
  const writer = new Writer(db, log, config);
  process.stdout.write(`${READY_LINE}\n`);

  for (let i = 0; i < config.lanes; i++) writer.lane().catch((err: unknown) => fail('a write failed', err));

  let gcRunning = false;
  setInterval(() => {
    if (gcRunning) return;
    gcRunning = true;
    db.runValueLogGC(GC_DISCARD_RATIO)
      .catch((err: unknown) => fail('runValueLogGC failed', err))
      .finally(() => (gcRunning = false));
  }, config.gcIntervalMs);
  setInterval(() => process.stdout.write(`${STATS_PREFIX}${JSON.stringify(writer.stats())}\n`), STATS_EVERY_MS);
  setInterval(() => {
    let problem: string | undefined;
    try {
      problem = writer.liveCheck();
    } catch (err) {
      fail('a live read threw', err);
    }
    if (problem !== undefined) {
      process.stdout.write(`${VIOLATION_PREFIX}${problem}\n`);
      process.exit(3);
    }
  }, LIVE_CHECK_EVERY_MS);
}

main().catch((err: unknown) => fail('start-up failed', err));
