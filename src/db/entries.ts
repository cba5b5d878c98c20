// Building entries from the public API's arguments: validation (a bad argument is an
// INVALID_ARGUMENT and nothing is written) and the sizes the write path needs.

import {
  InvalidArgumentError,
  META_DELETE,
  TxnTooBigError,
  VALUE_POINTER_BYTES,
  toBytes,
  valueStructLength,
  type Entry,
} from '../base/index.js';
import { maxKeySizeBytes, type Options } from './options.js';

/** Bytes a value-log entry may take beyond its key and value (header, CRC, file header share). */
const vlogEntryOverheadBytes = 256;

/** Bytes of arena a write may use beyond its key and value (node, version, value header). */
export const entryOverheadBytes = 64;

export class EntryMaker {
  constructor(
    private readonly options: Readonly<Options>,
    /** Whether large values go to a value log (not for inMemory databases). */
    private readonly separateValues: boolean,
    private readonly nowMs: () => number,
  ) {}

  key(key: unknown): Uint8Array {
    const k = toBytes(key, 'key');
    if (k.length === 0) throw new InvalidArgumentError('key must not be empty');
    if (k.length > maxKeySizeBytes) throw new InvalidArgumentError(`key of ${k.length} bytes is too long (at most ${maxKeySizeBytes} bytes)`);
    return k;
  }

  put(key: unknown, value: unknown, ttl: unknown, userMeta: unknown): Entry {
    const k = this.key(key);
    const v = toBytes(value, 'value');
    const max = this.maxValueBytes(k.length);
    if (v.length > max) throw new InvalidArgumentError(`value of ${v.length} bytes is too large (at most ${max} bytes)`);
    let expiresAt = 0;
    if (ttl !== undefined) {
      if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) throw new InvalidArgumentError(`ttl must be a positive number of milliseconds, got ${String(ttl)}`);
      expiresAt = this.nowMs() + Math.ceil(ttl);
    }
    let um = 0;
    if (userMeta !== undefined) {
      if (typeof userMeta !== 'number' || !Number.isInteger(userMeta) || userMeta < 0 || userMeta > 255) {
        throw new InvalidArgumentError(`userMeta must be an integer from 0 to 255, got ${String(userMeta)}`);
      }
      um = userMeta;
    }
    return { key: k, version: 0, meta: 0, userMeta: um, expiresAt, value: v };
  }

  delete(key: unknown): Entry {
    return { key: this.key(key), version: 0, meta: META_DELETE, userMeta: 0, expiresAt: 0, value: new Uint8Array(0) };
  }

  /**
   * The bytes a request of `entries` weighs in a group; TXN_TOO_BIG if what it leaves in a
   * memtable (a pointer for a value headed for the value log) cannot fit in one.
   */
  requestBytes(entries: readonly Entry[]): number {
    let bytes = 0;
    let treeBytes = 0;
    for (const e of entries) {
      bytes += e.key.length + e.value.length + entryOverheadBytes;
      treeBytes += this.treeBytes(e);
    }
    if (treeBytes > this.maxRequestTreeBytes) {
      throw new TxnTooBigError(
        `a batch of ${entries.length} entries and ${treeBytes} bytes does not fit in one memtable (memTableSize ${this.options.memTableSize}); split it or use writeBatch()`,
      );
    }
    return bytes;
  }

  /**
   * The most memtable bytes one request may take (what TXN_TOO_BIG enforces): half a memtable,
   * so a request that passes fits an empty one with room to spare for the node heights it draws.
   */
  get maxRequestTreeBytes(): number {
    return this.options.memTableSize / 2;
  }

  /** The bytes `e` takes in a memtable: a pointer in place of a value headed for the value log. */
  treeBytes(e: Entry): number {
    const threshold = this.separateValues ? this.options.valueThreshold : Infinity;
    return e.key.length + entryOverheadBytes + (e.value.length > threshold ? VALUE_POINTER_BYTES + 3 : valueStructLength(e));
  }

  /**
   * Values over valueThreshold go to the value log (a file holds at least one entry); the others,
   * and all of an inMemory database's, stay in a memtable. A long key must not make a small value
   * too large (it used to, with small value-log files: the limit went negative).
   */
  private maxValueBytes(keyLength: number): number {
    if (!this.separateValues) return Math.floor(this.options.memTableSize / 2);
    return Math.max(this.options.valueThreshold, this.options.valueLogFileSize - keyLength - vlogEntryOverheadBytes);
  }
}

/**
 * The caller may reuse its buffers once a write call returns, but the write lands later (group
 * commit): copy every key and value into one buffer of the request's own, so a request costs one
 * allocation however many entries it has. Buffer.allocUnsafe: every byte is written here, and a
 * small request (under 4 KiB) takes a slice of Node's shared pool instead of a zeroed allocation
 * outside the V8 heap of its own, which with two subarray() calls was 15% of an awaited put.
 * Nothing transfers these buffers to another thread (that would detach the whole pool).
 */
export function ownBytes(entries: Entry[]): void {
  let total = 0;
  for (const e of entries) total += e.key.length + e.value.length;
  const buf = Buffer.allocUnsafe(total);
  const backing = buf.buffer;
  let at = buf.byteOffset;
  for (const e of entries) {
    // new Uint8Array(buffer, offset, length) costs about half of subarray (no species lookup).
    const key = new Uint8Array(backing, at, e.key.length);
    key.set(e.key);
    e.key = key;
    at += key.length;
    const value = new Uint8Array(backing, at, e.value.length);
    value.set(e.value);
    e.value = value;
    at += value.length;
  }
}
