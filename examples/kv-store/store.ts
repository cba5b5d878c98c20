// BadgerStore (seed 001) on sett: Get/Put/Delete/Scan/Close over one database directory.

import { ClosedError, InvalidArgumentError, open, type DB } from 'sett';
import { defaultConfig, openOptionsFor, type KVStoreConfig } from './config.js';
import { EmptyKeyError } from './errors.js';

export interface GetResult {
  /** The stored bytes; undefined when the key is absent. */
  value: Buffer | undefined;
  found: boolean;
}

// A lone surrogate has no UTF-8 form: Buffer.from would turn it into U+FFFD, and two different
// keys would then name the same entry. String.prototype.isWellFormed (Node 20+, not yet in the
// ES2022 lib typings) is about 4x cheaper than a /\p{Surrogate}/u test on every call.
type WellFormed = string & { isWellFormed(): boolean };

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new InvalidArgumentError(`key must be a string, got ${typeof key}`);
  if (key.length === 0) throw new EmptyKeyError();
  if (!(key as WellFormed).isWellFormed()) throw new InvalidArgumentError('key must be well-formed UTF-16 (it holds a lone surrogate)');
}

export class KVStore {
  private closed = false;

  private constructor(private readonly db: DB) {}

  /** New(config): opens (creating if needed) the store `config` describes. */
  static async open(config: KVStoreConfig): Promise<KVStore> {
    const { path, options } = openOptionsFor(config);
    return new KVStore(await open(path, options));
  }

  /** NewWithPath(path): the seed's default configuration at `path`. */
  static async openPath(path: string): Promise<KVStore> {
    return KVStore.open(defaultConfig(path));
  }

  /** A missing key is `{ found: false }`, not an error. */
  async get(key: string): Promise<GetResult> {
    this.checkOpen();
    checkKey(key);
    // getSync inside the async method: one promise per call, as db.get() costs, not two.
    const value = this.db.getSync(key);
    return { value, found: value !== undefined };
  }

  async put(key: string, value: Uint8Array | string): Promise<void> {
    this.checkOpen();
    checkKey(key);
    await this.db.put(key, value);
  }

  /** Deleting a key that is not there succeeds. */
  async delete(key: string): Promise<void> {
    this.checkOpen();
    checkKey(key);
    await this.db.delete(key);
  }

  /**
   * Every key starting with `prefix` (all keys for ''), in key order: bytewise over the keys' UTF-8,
   * which is code-point order. A plain string-prefix test, so "user:" never matches "userinfo".
   */
  async scan(prefix: string): Promise<Map<string, Buffer>> {
    this.checkOpen();
    if (typeof prefix !== 'string') throw new InvalidArgumentError(`prefix must be a string, got ${typeof prefix}`);
    const out = new Map<string, Buffer>();
    const it = this.db.iterator(prefix.length === 0 ? {} : { prefix });
    try {
      for (const [k, v] of it) out.set(k!.toString('utf8'), v!);
    } finally {
      it.close();
    }
    return out;
  }

  /** The sett database underneath, for what the seed's Store interface lacks (backup, stats, GC). */
  get engine(): DB {
    this.checkOpen();
    return this.db;
  }

  /** Closes the database; a second close does nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedError('store');
  }
}
