// The two engines db-bench compares, behind one small interface. Each workload's loop lives in
// the adapter, written with that engine's own idiom (sett's sync iterator, classic-level's
// `for await`), so the harness adds no per-operation indirection to either side.

import { performance } from 'node:perf_hooks';
import { ClassicLevel } from 'classic-level';
import { open, type BatchOperation, type DB, type DBStats } from '../../src/db/index.js';

export type EngineName = 'sett' | 'LevelDB';

export interface ScanResult {
  entries: number;
  bytes: number;
}

export interface Engine {
  readonly name: EngineName;
  open(dir: string): Promise<void>;
  /**
   * Writes keys[i] → values[i] for i in order, in batches of `batchSize` awaited one at a time;
   * with `yieldBetween`, a setImmediate turn after each batch (as a server handling other work would).
   */
  fillBatches(keys: readonly Buffer[], values: readonly Buffer[], order: ArrayLike<number>, batchSize: number, yieldBetween?: boolean): Promise<void>;
  /** Single puts, `inFlight` at a time (a wave of promises awaited together, then the next wave). */
  fillConcurrent(keys: readonly Buffer[], values: readonly Buffer[], order: ArrayLike<number>, inFlight: number): Promise<void>;
  /** Synchronous gets of keys[order[i]] (the harness calls it per chunk); returns how many were found. */
  readSync(keys: readonly Buffer[], order: ArrayLike<number>): number;
  /** Awaited gets, one after another; returns how many were found. */
  readAsync(keys: readonly Buffer[], order: ArrayLike<number>): Promise<number>;
  /** A full scan; returns the entries and key + value bytes seen (touching both, as a reader would). */
  scan(reverse: boolean): Promise<ScanResult>;
  /** Lets background work settle where the engine offers a way to wait for it. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export class SettEngine implements Engine {
  readonly name = 'sett' as const;
  private db: DB | undefined;

  async open(dir: string): Promise<void> {
    this.db = await open(dir, {});
  }

  stats(): DBStats {
    return this.handle().stats();
  }

  async fillBatches(keys: readonly Buffer[], values: readonly Buffer[], order: ArrayLike<number>, batchSize: number, yieldBetween = false): Promise<void> {
    const db = this.handle();
    for (let start = 0; start < order.length; start += batchSize) {
      const end = Math.min(order.length, start + batchSize);
      const ops: BatchOperation[] = new Array<BatchOperation>(end - start);
      for (let i = start; i < end; i++) {
        const k = order[i]!;
        ops[i - start] = { type: 'put', key: keys[k]!, value: values[k]! };
      }
      await db.batch(ops);
      if (yieldBetween) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async fillConcurrent(keys: readonly Buffer[], values: readonly Buffer[], order: ArrayLike<number>, inFlight: number): Promise<void> {
    const db = this.handle();
    const wave = new Array<Promise<void>>(inFlight);
    for (let start = 0; start < order.length; start += inFlight) {
      const end = Math.min(order.length, start + inFlight);
      wave.length = end - start;
      for (let i = start; i < end; i++) {
        const k = order[i]!;
        wave[i - start] = db.put(keys[k]!, values[k]!);
      }
      await Promise.all(wave);
    }
  }

  readSync(keys: readonly Buffer[], order: ArrayLike<number>): number {
    const db = this.handle();
    let found = 0;
    for (let i = 0; i < order.length; i++) if (db.getSync(keys[order[i]!]!) !== undefined) found++;
    return found;
  }

  async readAsync(keys: readonly Buffer[], order: ArrayLike<number>): Promise<number> {
    const db = this.handle();
    let found = 0;
    for (let i = 0; i < order.length; i++) if ((await db.get(keys[order[i]!]!)) !== undefined) found++;
    return found;
  }

  async scan(reverse: boolean): Promise<ScanResult> {
    let entries = 0;
    let bytes = 0;
    for (const [k, v] of this.handle().iterator({ reverse })) {
      entries++;
      bytes += k!.length + v!.length;
    }
    return { entries, bytes };
  }

  async settle(): Promise<void> {
    await this.handle().waitForBackgroundWork();
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    await db?.close();
  }

  /** The open database, for workloads this interface does not cover (flatten, value-log GC). */
  handle(): DB {
    if (this.db === undefined) throw new Error('sett engine is not open');
    return this.db;
  }
}

const SETTLE_POLL_MS = 100;
const SETTLE_QUIET_MS = 1000;
const SETTLE_MAX_MS = 60_000;

type Level = ClassicLevel<Buffer, Buffer>;
type LevelBatch = { type: 'put'; key: Buffer; value: Buffer };

export class LevelEngine implements Engine {
  readonly name = 'LevelDB' as const;
  private db: Level | undefined;

  async open(dir: string): Promise<void> {
    // classic-level's defaults: snappy compression, 4 MiB write buffer, 8 MiB block cache, writes not synced.
    const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    this.db = db;
  }

  /** LevelDB's own per-level summary (`leveldb.stats`). */
  property(name: string): string {
    return this.handle().getProperty(name);
  }

  async fillBatches(keys: readonly Buffer[], values: readonly Buffer[], order: ArrayLike<number>, batchSize: number, yieldBetween = false): Promise<void> {
    const db = this.handle();
    for (let start = 0; start < order.length; start += batchSize) {
      const end = Math.min(order.length, start + batchSize);
      const ops: LevelBatch[] = new Array<LevelBatch>(end - start);
      for (let i = start; i < end; i++) {
        const k = order[i]!;
        ops[i - start] = { type: 'put', key: keys[k]!, value: values[k]! };
      }
      await db.batch(ops);
      if (yieldBetween) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async fillConcurrent(keys: readonly Buffer[], values: readonly Buffer[], order: ArrayLike<number>, inFlight: number): Promise<void> {
    const db = this.handle();
    const wave = new Array<Promise<void>>(inFlight);
    for (let start = 0; start < order.length; start += inFlight) {
      const end = Math.min(order.length, start + inFlight);
      wave.length = end - start;
      for (let i = start; i < end; i++) {
        const k = order[i]!;
        wave[i - start] = db.put(keys[k]!, values[k]!);
      }
      await Promise.all(wave);
    }
  }

  readSync(keys: readonly Buffer[], order: ArrayLike<number>): number {
    const db = this.handle();
    let found = 0;
    for (let i = 0; i < order.length; i++) if (db.getSync(keys[order[i]!]!) !== undefined) found++;
    return found;
  }

  async readAsync(keys: readonly Buffer[], order: ArrayLike<number>): Promise<number> {
    const db = this.handle();
    let found = 0;
    for (let i = 0; i < order.length; i++) if ((await db.get(keys[order[i]!]!)) !== undefined) found++;
    return found;
  }

  async scan(reverse: boolean): Promise<ScanResult> {
    let entries = 0;
    let bytes = 0;
    for await (const [k, v] of this.handle().iterator({ reverse })) {
      entries++;
      bytes += k.length + v.length;
    }
    return { entries, bytes };
  }

  /**
   * LevelDB has no "wait for compactions" call, so this polls `leveldb.stats` (which counts the
   * bytes each level's compactions wrote) until it stops changing for SETTLE_QUIET_MS.
   */
  async settle(): Promise<void> {
    const db = this.handle();
    let last = db.getProperty('leveldb.stats');
    let quietSince = performance.now();
    const start = quietSince;
    while (performance.now() - quietSince < SETTLE_QUIET_MS && performance.now() - start < SETTLE_MAX_MS) {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
      const now = db.getProperty('leveldb.stats');
      if (now !== last) {
        last = now;
        quietSince = performance.now();
      }
    }
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    await db?.close();
  }

  /** The open database, for workloads this interface does not cover (compactRange). */
  handle(): Level {
    if (this.db === undefined) throw new Error('LevelDB engine is not open');
    return this.db;
  }
}
