// The two engines the focused benches (compaction-bench, vlog-bench) compare, with the loops
// those benches run. The engines themselves are the harness's adapters (bench/harness/engines):
// how each opens, batches, reads and scans is written once, there.

import type { DBStats, DB } from '../../src/db/index.js';
import type { ClassicLevel } from 'classic-level';
import { LevelDbEngine } from '../harness/engines/leveldb.js';
import { SettEngine as SettAdapter } from '../harness/engines/sett.js';
import type { Engine as Adapter } from '../harness/engines/engine.js';

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
  /** Synchronous gets of keys[order[i]] (the caller calls it per chunk); returns how many were found. */
  readSync(keys: readonly Buffer[], order: ArrayLike<number>): number;
  /** Awaited gets, one after another; returns how many were found. */
  readAsync(keys: readonly Buffer[], order: ArrayLike<number>): Promise<number>;
  /** A full scan; returns the entries and key + value bytes seen. */
  scan(reverse: boolean): Promise<ScanResult>;
  /** Lets background work settle where the engine offers a way to wait for it. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

interface PointReads {
  getSync(key: Buffer): Buffer | undefined;
  get(key: Buffer): Promise<Buffer | undefined>;
}

/** LevelDB counts as settled after this long without background activity. */
const LEVELDB_QUIET_MS = 1000;

/** The loops, over an adapter's batch and point-read calls. */
abstract class LoopEngine<A extends Adapter> implements Engine {
  abstract readonly name: EngineName;

  constructor(protected readonly adapter: A) {}

  open(dir: string): Promise<void> {
    return this.adapter.open(dir, { durable: false });
  }

  async fillBatches(keys: readonly Buffer[], values: readonly Buffer[], order: ArrayLike<number>, batchSize: number, yieldBetween = false): Promise<void> {
    const k: Buffer[] = [];
    const v: Buffer[] = [];
    for (let start = 0; start < order.length; start += batchSize) {
      const end = Math.min(order.length, start + batchSize);
      k.length = v.length = end - start;
      for (let i = start; i < end; i++) {
        k[i - start] = keys[order[i]!]!;
        v[i - start] = values[order[i]!]!;
      }
      await this.adapter.putBatch(k, v);
      if (yieldBetween) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async fillConcurrent(keys: readonly Buffer[], values: readonly Buffer[], order: ArrayLike<number>, inFlight: number): Promise<void> {
    const wave = new Array<Promise<void>>(inFlight);
    for (let start = 0; start < order.length; start += inFlight) {
      const end = Math.min(order.length, start + inFlight);
      wave.length = end - start;
      for (let i = start; i < end; i++) wave[i - start] = this.adapter.put(keys[order[i]!]!, values[order[i]!]!);
      await Promise.all(wave);
    }
  }

  /** Both engines offer getSync and an async get under the same names. */
  abstract handle(): PointReads;

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
    return this.adapter.scan(reverse);
  }

  settle(): Promise<void> {
    return this.adapter.settle();
  }

  close(): Promise<void> {
    return this.adapter.close();
  }
}

export class SettEngine extends LoopEngine<SettAdapter> {
  readonly name = 'sett' as const;

  constructor() {
    super(new SettAdapter());
  }

  stats(): DBStats {
    return this.handle().stats();
  }

  /** The open database, for workloads this interface does not cover (flatten, value-log GC). */
  handle(): DB {
    return this.adapter.handle();
  }
}

export class LevelEngine extends LoopEngine<LevelDbEngine> {
  readonly name = 'LevelDB' as const;

  constructor() {
    super(new LevelDbEngine(LEVELDB_QUIET_MS));
  }

  /** LevelDB's own per-level summary (`leveldb.stats`). */
  property(name: string): string {
    return this.handle().getProperty(name);
  }

  /** The open database, for workloads this interface does not cover (compactRange). */
  handle(): ClassicLevel<Buffer, Buffer> {
    return this.adapter.handle();
  }
}
