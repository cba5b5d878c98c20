// LevelDB through classic-level, its default options (snappy, 4 MiB write buffer, 8 MiB block
// cache). classic-level 3 has a synchronous getSync, so point reads compare like for like with
// sett's getSync; seeks and scans go through its async iterators.

import { createRequire } from 'node:module';
import { ClassicLevel } from 'classic-level';
import { packageVersion, type Durability, type Engine, type OpenSettings, type ScanResult } from './engine.js';
import { waitUntilQuiet } from './quiet.js';

type Level = ClassicLevel<Buffer, Buffer>;
type LevelOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

export class LevelDbEngine implements Engine {
  readonly name = 'leveldb' as const;
  readonly label = 'LevelDB';
  readonly provider = `classic-level ${packageVersion(createRequire(import.meta.url), 'classic-level')}`;
  readonly readApi = 'getSync';
  private db: Level | undefined;
  private writeOptions = { sync: false };

  constructor(private readonly quietMs: number) {}

  durability(settings: OpenSettings): Durability {
    return settings.durable
      ? { setting: 'sync: true', meaning: 'fsync of the WAL before the write resolves (LevelDB groups concurrent writers)' }
      : { setting: 'sync: false', meaning: 'WAL written to the OS, not fsynced: survives a process kill, not a power loss' };
  }

  async open(dir: string, settings: OpenSettings): Promise<void> {
    const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    this.db = db;
    this.writeOptions = { sync: settings.durable };
  }

  putBatch(keys: readonly Buffer[], values: readonly Buffer[]): Promise<void> {
    const ops = new Array<LevelOp>(keys.length);
    for (let i = 0; i < keys.length; i++) ops[i] = { type: 'put', key: keys[i]!, value: values[i]! };
    return this.handle().batch(ops, this.writeOptions);
  }

  deleteBatch(keys: readonly Buffer[]): Promise<void> {
    const ops = new Array<LevelOp>(keys.length);
    for (let i = 0; i < keys.length; i++) ops[i] = { type: 'del', key: keys[i]! };
    return this.handle().batch(ops, this.writeOptions);
  }

  put(key: Buffer, value: Buffer): Promise<void> {
    return this.handle().put(key, value, this.writeOptions);
  }

  get(key: Buffer): Buffer | undefined {
    return this.handle().getSync(key);
  }

  async seek(key: Buffer, count: number): Promise<number> {
    const entries = await this.handle().iterator({ gte: key, limit: count }).all();
    return entries.length;
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

  settle(): Promise<void> {
    const db = this.handle();
    return waitUntilQuiet(() => db.getProperty('leveldb.stats'), this.quietMs);
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    await db?.close();
  }

  describe(): unknown {
    return { stats: this.handle().getProperty('leveldb.stats') };
  }

  /** The open database, for what the common interface does not cover (async get, compactRange, properties). */
  handle(): Level {
    if (this.db === undefined) throw new Error('LevelDB is not open');
    return this.db;
  }
}
