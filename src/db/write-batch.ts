// A bulk loader (Badger's WriteBatch): writes of any number go out in chunks, each an atomic
// commit, while the caller keeps adding; flush() resolves when everything is written. Not
// atomic as a whole: a crash or an error can leave a prefix of the chunks.

import { InvalidArgumentError, type Entry } from '../base/index.js';
import type { PutOptions } from './db.js';
import type { EntryMaker } from './entries.js';

export interface WriteBatchHost {
  readonly make: EntryMaker;
  /** Bytes of entries per chunk. */
  readonly chunkBytes: number;
  submit(entries: Entry[]): Promise<void>;
}

export class WriteBatch {
  private chunk: Entry[] = [];
  private chunkBytes = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private error: unknown;
  private flushed = false;

  constructor(private readonly host: WriteBatchHost) {}

  put(key: Uint8Array | string, value: Uint8Array | string, options: PutOptions = {}): void {
    this.add(this.host.make.put(key, value, options.ttl, options.userMeta));
  }

  delete(key: Uint8Array | string): void {
    this.add(this.host.make.delete(key));
  }

  /** A put with an absolute expiry (ms since the epoch, 0 = never) instead of a ttl: restoring a backup. */
  putExpiringAt(key: Uint8Array | string, value: Uint8Array | string, expiresAt: number, userMeta = 0): void {
    const entry = this.host.make.put(key, value, undefined, userMeta);
    entry.expiresAt = expiresAt;
    this.add(entry);
  }

  /** Badger's names for put and delete. */
  set(key: Uint8Array | string, value: Uint8Array | string, options: PutOptions = {}): void {
    this.put(key, value, options);
  }

  del(key: Uint8Array | string): void {
    this.delete(key);
  }

  /** Writes what is left and resolves when every chunk is committed; rejects with the first error. */
  async flush(): Promise<void> {
    this.flushed = true;
    this.send();
    await Promise.all(this.inFlight);
    if (this.error !== undefined) throw this.error;
  }

  private add(entry: Entry): void {
    if (this.error !== undefined) throw this.error;
    if (this.flushed) throw new InvalidArgumentError('the write batch has already been flushed');
    // Copy: the caller may reuse its buffers right away.
    entry.key = Uint8Array.from(entry.key);
    entry.value = Uint8Array.from(entry.value);
    this.chunk.push(entry);
    this.chunkBytes += entry.key.length + entry.value.length + 64;
    if (this.chunkBytes >= this.host.chunkBytes) this.send();
  }

  private send(): void {
    if (this.chunk.length === 0) return;
    const entries = this.chunk;
    this.chunk = [];
    this.chunkBytes = 0;
    const p: Promise<void> = this.host.submit(entries).then(
      () => void this.inFlight.delete(p),
      (err: unknown) => {
        this.inFlight.delete(p);
        if (this.error === undefined) this.error = err;
      },
    );
    this.inFlight.add(p);
  }
}
