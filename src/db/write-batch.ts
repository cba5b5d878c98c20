// A bulk loader (Badger's WriteBatch): writes of any number go out in chunks, each an atomic
// commit, while the caller keeps adding; flush() resolves when everything is written. Not
// atomic as a whole: a crash or an error can leave a prefix of the chunks.
//
// A chunk that fails (at submit or at commit) fails the batch: flush() and every later call
// throw its error. Its entries are gone, so resolving flush() would report a loss as success.
// An entry that could never be written (TXN_TOO_BIG on its own) is refused at put() and leaves
// the batch usable, like any bad argument.

import { InvalidArgumentError, type Entry } from '../base/index.js';
import type { PutOptions } from './db.js';
import { entryOverheadBytes, type EntryMaker } from './entries.js';

export interface WriteBatchHost {
  readonly make: EntryMaker;
  /**
   * Bytes of entries per chunk (key + value + entryOverheadBytes each). A chunk of at most this
   * weight always fits a memtable; an entry heavier than it goes alone.
   */
  readonly chunkBytes: number;
  /** Commits one chunk; may also throw at once (CLOSED, READ_ONLY, the fail-stop error). */
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
    if (this.error === undefined) {
      this.flushed = true;
      this.send();
    }
    await Promise.all(this.inFlight);
    if (this.error !== undefined) throw this.error;
  }

  private add(entry: Entry): void {
    if (this.error !== undefined) throw this.error;
    if (this.flushed) throw new InvalidArgumentError('the write batch has already been flushed');
    const weight = entry.key.length + entry.value.length + entryOverheadBytes;
    // Heavier than a chunk: it goes alone, so it must fit a memtable alone (TXN_TOO_BIG here,
    // before it joins the batch, rather than failing the chunk it would be sent in).
    if (weight > this.host.chunkBytes) this.host.make.requestBytes([entry]);
    // Joining would take the chunk past its weight: what is there goes first. Chunks then stay
    // within chunkBytes (or hold one entry), and so fit a memtable.
    if (this.chunk.length > 0 && this.chunkBytes + weight > this.host.chunkBytes) this.send();
    // Copy: the caller may reuse its buffers right away.
    // new Uint8Array(view) is one memcpy; Uint8Array.from walks the source's iterator (3x slower).
    entry.key = new Uint8Array(entry.key);
    entry.value = new Uint8Array(entry.value);
    this.chunk.push(entry);
    this.chunkBytes += weight;
    if (this.chunkBytes >= this.host.chunkBytes) this.send();
  }

  /** Submits the chunk; a failure (now or at commit) becomes the batch's error. */
  private send(): void {
    if (this.chunk.length === 0) return;
    const entries = this.chunk;
    this.chunk = [];
    this.chunkBytes = 0;
    let submitted: Promise<void>;
    try {
      submitted = this.host.submit(entries);
    } catch (err) {
      if (this.error === undefined) this.error = err;
      throw err;
    }
    const p: Promise<void> = submitted.then(
      () => void this.inFlight.delete(p),
      (err: unknown) => {
        this.inFlight.delete(p);
        if (this.error === undefined) this.error = err;
      },
    );
    this.inFlight.add(p);
  }
}
