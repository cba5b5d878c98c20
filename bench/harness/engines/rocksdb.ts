// RocksDB through the `rocksdb` package (Level's binding: the abstract-leveldown callback API,
// no types shipped, so the few calls used are typed here), with the binding's default options
// (snappy, 4 MiB write buffer, 8 MiB block cache). It has no synchronous get: point reads are
// awaited one at a time.

import { createRequire } from 'node:module';
import { packageVersion, type Durability, type Engine, type OpenSettings, type ScanResult } from './engine.js';
import { waitUntilQuiet } from './quiet.js';

type Callback = (err: Error | null | undefined) => void;
type ValueCallback = (err: Error | null | undefined, value?: Buffer) => void;
type EntryCallback = (err: Error | null | undefined, key?: Buffer, value?: Buffer) => void;
type RocksOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

interface RocksIterator {
  next(callback: EntryCallback): void;
  end(callback: Callback): void;
}

interface RocksIteratorOptions {
  gte?: Buffer;
  limit?: number;
  reverse?: boolean;
  /** Bytes the binding reads ahead per native call. */
  highWaterMark?: number;
}

interface RocksDb {
  open(options: { createIfMissing: boolean }, callback: Callback): void;
  close(callback: Callback): void;
  put(key: Buffer, value: Buffer, options: { sync: boolean }, callback: Callback): void;
  get(key: Buffer, options: { asBuffer: boolean }, callback: ValueCallback): void;
  batch(ops: RocksOp[], options: { sync: boolean }, callback: Callback): void;
  iterator(options: RocksIteratorOptions): RocksIterator;
  getProperty(name: string): string;
}

const require = createRequire(import.meta.url);
/** Bytes a seek's iterator reads ahead: a seek reads a handful of entries, not the binding's 16 KiB. */
const SEEK_READ_AHEAD_BYTES = 1024;

function settle<T>(resolve: (value: T) => void, reject: (err: Error) => void, value: T): Callback {
  return (err) => (err ? reject(err) : resolve(value));
}

export class RocksDbEngine implements Engine {
  readonly name = 'rocksdb' as const;
  readonly label = 'RocksDB';
  readonly provider = `rocksdb ${packageVersion(require, 'rocksdb')}`;
  readonly readApi = 'get (async)';
  private db: RocksDb | undefined;
  private writeOptions = { sync: false };

  constructor(private readonly quietMs: number) {}

  durability(settings: OpenSettings): Durability {
    return settings.durable
      ? { setting: 'sync: true', meaning: 'fsync of the WAL before the write resolves (RocksDB groups concurrent writers)' }
      : { setting: 'sync: false', meaning: 'WAL written to the OS, not fsynced: survives a process kill, not a power loss' };
  }

  async open(dir: string, settings: OpenSettings): Promise<void> {
    const make = require('rocksdb') as (location: string) => RocksDb;
    const db = make(dir);
    await new Promise<void>((resolve, reject) => db.open({ createIfMissing: true }, settle(resolve, reject, undefined)));
    this.db = db;
    this.writeOptions = { sync: settings.durable };
  }

  putBatch(keys: readonly Buffer[], values: readonly Buffer[]): Promise<void> {
    const ops = new Array<RocksOp>(keys.length);
    for (let i = 0; i < keys.length; i++) ops[i] = { type: 'put', key: keys[i]!, value: values[i]! };
    return this.batch(ops);
  }

  deleteBatch(keys: readonly Buffer[]): Promise<void> {
    const ops = new Array<RocksOp>(keys.length);
    for (let i = 0; i < keys.length; i++) ops[i] = { type: 'del', key: keys[i]! };
    return this.batch(ops);
  }

  put(key: Buffer, value: Buffer): Promise<void> {
    const db = this.handle();
    return new Promise<void>((resolve, reject) => db.put(key, value, this.writeOptions, settle(resolve, reject, undefined)));
  }

  get(key: Buffer): Promise<Buffer | undefined> {
    const db = this.handle();
    return new Promise<Buffer | undefined>((resolve, reject) =>
      db.get(key, { asBuffer: true }, (err, value) => {
        if (!err) resolve(value);
        else if (/NotFound/.test(err.message)) resolve(undefined);
        else reject(err);
      }),
    );
  }

  seek(key: Buffer, count: number): Promise<number> {
    return this.drain(this.handle().iterator({ gte: key, limit: count, highWaterMark: SEEK_READ_AHEAD_BYTES })).then((r) => r.entries);
  }

  scan(reverse: boolean): Promise<ScanResult> {
    return this.drain(this.handle().iterator({ reverse }));
  }

  settle(): Promise<void> {
    const db = this.handle();
    const props = ['rocksdb.num-running-compactions', 'rocksdb.num-running-flushes', 'rocksdb.compaction-pending', 'rocksdb.mem-table-flush-pending'];
    return waitUntilQuiet(() => props.map((p) => db.getProperty(p)).join(',') + db.getProperty('rocksdb.levelstats'), this.quietMs);
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (db !== undefined) await new Promise<void>((resolve, reject) => db.close(settle(resolve, reject, undefined)));
  }

  describe(): unknown {
    return { levelstats: this.handle().getProperty('rocksdb.levelstats') };
  }

  private batch(ops: RocksOp[]): Promise<void> {
    const db = this.handle();
    return new Promise<void>((resolve, reject) => db.batch(ops, this.writeOptions, settle(resolve, reject, undefined)));
  }

  /** Reads the iterator to its end through callbacks (one promise per drain, not per entry), then ends it. */
  private drain(it: RocksIterator): Promise<ScanResult> {
    return new Promise<ScanResult>((resolve, reject) => {
      const result: ScanResult = { entries: 0, bytes: 0 };
      const finish = (err: Error | null | undefined): void => it.end((endErr) => (err ? reject(err) : endErr ? reject(endErr) : resolve(result)));
      const step: EntryCallback = (err, key, value) => {
        if (err) return finish(err);
        if (key === undefined) return finish(undefined);
        result.entries++;
        result.bytes += key.length + (value?.length ?? 0);
        it.next(step);
      };
      it.next(step);
    });
  }

  private handle(): RocksDb {
    if (this.db === undefined) throw new Error('RocksDB is not open');
    return this.db;
  }
}
