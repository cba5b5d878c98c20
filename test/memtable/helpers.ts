// Shared helpers for the memtable tests: a sorted-array model of a skiplist and readers of a list.

import { compareInternalKeys, encodeInternalKey, VERSION_BYTES } from '../../src/base/index.js';
import type { InternalIterator } from '../../src/base/index.js';
import type { SkipList } from '../../src/memtable/index.js';

export interface ModelEntry {
  key: Uint8Array;
  version: number;
  value: Uint8Array;
}

const encoder = new TextEncoder();

export function bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}

/** Reads the iterator's current entry as a model entry (copies). */
export function current(it: InternalIterator): ModelEntry {
  const k = it.key();
  const user = k.slice(0, k.length - VERSION_BYTES);
  const version = new DataView(k.buffer, k.byteOffset + k.length - VERSION_BYTES, VERSION_BYTES).getBigUint64(0);
  return { key: user, version: Number(version), value: it.value().slice() };
}

export function entriesOf(list: SkipList): ModelEntry[] {
  const out: ModelEntry[] = [];
  const it = list.iterator();
  for (it.seekToFirst(); it.valid(); it.next()) out.push(current(it));
  return out;
}

/** The sorted array a skiplist should equal: internal-key order, one value per (key, version). */
export class SortedModel {
  readonly entries: ModelEntry[] = [];

  put(key: Uint8Array, version: number, value: Uint8Array): void {
    const ik = encodeInternalKey(key, version);
    const i = this.lowerBound(ik);
    const e = this.entries[i];
    if (e !== undefined && compareInternalKeys(encodeInternalKey(e.key, e.version), ik) === 0) e.value = value;
    else this.entries.splice(i, 0, { key, version, value });
  }

  /** Index of the first entry >= ik (entries.length if none). */
  lowerBound(ik: Uint8Array): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const e = this.entries[mid]!;
      if (compareInternalKeys(encodeInternalKey(e.key, e.version), ik) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the last entry <= ik (-1 if none). */
  lastAtOrBefore(ik: Uint8Array): number {
    let i = this.lowerBound(ik);
    const e = this.entries[i];
    if (e !== undefined && compareInternalKeys(encodeInternalKey(e.key, e.version), ik) === 0) return i;
    return i - 1;
  }

  get(key: Uint8Array, readVersion: number): ModelEntry | undefined {
    const e = this.entries[this.lowerBound(encodeInternalKey(key, readVersion))];
    return e !== undefined && Buffer.compare(e.key, key) === 0 ? e : undefined;
  }
}
