// sett through its public API, default options except `syncWrites` for the durable workloads.

import { open, type BatchOperation, type DB } from '../../../src/index.js';
import type { Durability, Engine, OpenSettings, ScanResult } from './engine.js';

export class SettEngine implements Engine {
  readonly name = 'sett' as const;
  readonly label = 'sett';
  readonly provider = 'sett (this checkout)';
  readonly readApi = 'getSync';
  private db: DB | undefined;

  durability(settings: OpenSettings): Durability {
    return settings.durable
      ? { setting: 'syncWrites: true', meaning: 'fdatasync of the WAL (and value log) per commit group before the promise resolves' }
      : { setting: 'syncWrites: false', meaning: 'WAL written to the OS, not fsynced: survives a process kill, not a power loss' };
  }

  async open(dir: string, settings: OpenSettings): Promise<void> {
    this.db = await open(dir, { syncWrites: settings.durable });
  }

  putBatch(keys: readonly Buffer[], values: readonly Buffer[]): Promise<void> {
    const ops = new Array<BatchOperation>(keys.length);
    for (let i = 0; i < keys.length; i++) ops[i] = { type: 'put', key: keys[i]!, value: values[i]! };
    return this.handle().batch(ops);
  }

  deleteBatch(keys: readonly Buffer[]): Promise<void> {
    const ops = new Array<BatchOperation>(keys.length);
    for (let i = 0; i < keys.length; i++) ops[i] = { type: 'del', key: keys[i]! };
    return this.handle().batch(ops);
  }

  put(key: Buffer, value: Buffer): Promise<void> {
    return this.handle().put(key, value);
  }

  get(key: Buffer): Buffer | undefined {
    return this.handle().getSync(key);
  }

  seek(key: Buffer, count: number): number {
    let n = 0;
    for (const [, v] of this.handle().iterator({ gte: key, limit: count })) if (v !== undefined) n++;
    return n;
  }

  scan(reverse: boolean): ScanResult {
    let entries = 0;
    let bytes = 0;
    for (const [k, v] of this.handle().iterator({ reverse })) {
      entries++;
      bytes += k!.length + v!.length;
    }
    return { entries, bytes };
  }

  settle(): Promise<void> {
    return this.handle().waitForBackgroundWork();
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    await db?.close();
  }

  describe(): unknown {
    const s = this.handle().stats();
    return { levels: s.levels.filter((l) => l.tables > 0), files: s.files, valueLog: s.valueLog, counters: s.counters, writeAmplification: s.writeAmplification };
  }

  /** The open database, for what the common interface does not cover (stats, flatten, value-log GC). */
  handle(): DB {
    if (this.db === undefined) throw new Error('sett is not open');
    return this.db;
  }
}
