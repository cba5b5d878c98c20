// LMDB through lmdb-js, binary keys and values, its default options otherwise. Its writes are
// asynchronous transactions (writes issued in one event-loop turn commit together); reads are
// synchronous. By default (overlappingSync) a write resolves once committed and the fsync of that
// commit follows in the background; the durable workloads turn overlappingSync off, so a write
// resolves only after its commit is on disk.

import { createRequire } from 'node:module';
import { open, type Database } from 'lmdb';
import { packageVersion, type Durability, type Engine, type OpenSettings, type ScanResult } from './engine.js';

type Db = Database<Buffer, Buffer>;

export class LmdbEngine implements Engine {
  readonly name = 'lmdb' as const;
  readonly label = 'LMDB';
  readonly provider = `lmdb ${packageVersion(createRequire(import.meta.url), 'lmdb')}`;
  readonly readApi = 'get (sync)';
  private db: Db | undefined;

  durability(settings: OpenSettings): Durability {
    return settings.durable
      ? { setting: 'overlappingSync: false', meaning: 'the commit is fsynced before the write resolves' }
      : { setting: 'overlappingSync: true', meaning: 'lmdb-js default: a write resolves when its transaction commits, the fsync follows in the background' };
  }

  async open(dir: string, settings: OpenSettings): Promise<void> {
    this.db = open<Buffer, Buffer>({ path: dir, keyEncoding: 'binary', encoding: 'binary', ...(settings.durable ? { overlappingSync: false } : {}) });
  }

  async putBatch(keys: readonly Buffer[], values: readonly Buffer[]): Promise<void> {
    const db = this.handle();
    await db.batch(() => {
      for (let i = 0; i < keys.length; i++) void db.put(keys[i]!, values[i]!);
    });
  }

  async deleteBatch(keys: readonly Buffer[]): Promise<void> {
    const db = this.handle();
    await db.batch(() => {
      for (let i = 0; i < keys.length; i++) void db.remove(keys[i]!);
    });
  }

  async put(key: Buffer, value: Buffer): Promise<void> {
    await this.handle().put(key, value);
  }

  get(key: Buffer): Buffer | undefined {
    return this.handle().get(key);
  }

  seek(key: Buffer, count: number): number {
    let n = 0;
    for (const { value } of this.handle().getRange({ start: key, limit: count })) if (value !== undefined) n++;
    return n;
  }

  scan(reverse: boolean): ScanResult {
    let entries = 0;
    let bytes = 0;
    for (const { key, value } of this.handle().getRange({ reverse })) {
      entries++;
      bytes += key.length + value.length;
    }
    return { entries, bytes };
  }

  async settle(): Promise<void> {
    await this.handle().flushed;
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    await db?.close();
  }

  describe(): unknown {
    return this.handle().getStats();
  }

  private handle(): Db {
    if (this.db === undefined) throw new Error('LMDB is not open');
    return this.db;
  }
}
