import type { InternalKey } from './internal-key.js';

/**
 * The iterator every source of entries implements (memtables, table blocks, tables, merges),
 * in internal-key order. `key()` and `value()` may return views that are only valid until the
 * iterator moves; copy them to keep them.
 */
export interface InternalIterator {
  /** Positions at the first entry. */
  seekToFirst(): void;
  /** Positions at the last entry. */
  seekToLast(): void;
  /** Positions at the first entry whose internal key is >= `key`. */
  seek(key: InternalKey): void;
  /** Positions at the last entry whose internal key is <= `key`. */
  seekForPrev(key: InternalKey): void;
  next(): void;
  prev(): void;
  valid(): boolean;
  /** The encoded internal key of the current entry. */
  key(): InternalKey;
  /** The encoded value struct of the current entry. */
  value(): Uint8Array;
  /** Releases what the iterator holds (block references, file references). */
  close(): void;
}
