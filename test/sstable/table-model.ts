// Shared by the table tests: random table contents, a sorted model to check reads against, and
// checkers that compare a Table's answers with the model entry by entry.

import { expect } from 'vitest';
import {
  META_DELETE,
  META_DISCARD_EARLIER_VERSIONS,
  META_VALUE_POINTER,
  MAX_VERSION,
  Rng,
  ValuePointer,
  compareInternalKeys,
  compareUserKeys,
  encodeInternalKey,
  encodeValueStruct,
  userKeyOf,
  versionOf,
  type InternalIterator,
  type InternalKey,
} from '../../src/base/index.js';
import type { Table } from '../../src/sstable/index.js';

export interface ModelEntry {
  key: InternalKey;
  value: Uint8Array;
}

/** Bytes that make keys share prefixes and probe the edges of unsigned comparison. */
const KEY_ALPHABET = [0x00, 0x01, 0x61, 0x62, 0x7f, 0x80, 0xfe, 0xff];
const EDGE_VERSIONS = [0, 1, 255, 256, 2 ** 32 - 1, 2 ** 32, MAX_VERSION];

export function randomUserKey(rng: Rng, maxLength = 6): Uint8Array {
  const length = rng.int(maxLength + 1);
  const key = new Uint8Array(length);
  for (let i = 0; i < length; i++) key[i] = KEY_ALPHABET[rng.int(KEY_ALPHABET.length)]!;
  return key;
}

export function randomVersion(rng: Rng): number {
  return rng.bool(0.1) ? EDGE_VERSIONS[rng.int(EDGE_VERSIONS.length)]! : 1 + rng.int(50);
}

/** A value struct as the engine stores it: plain, tombstone, value pointer, with or without expiry. */
export function randomValue(rng: Rng): Uint8Array {
  const kind = rng.int(10);
  const expiresAt = rng.bool(0.2) ? 1_700_000_000_000 + rng.int(1e6) : 0;
  const userMeta = rng.int(256);
  if (kind === 0) return encodeValueStruct({ meta: META_DELETE, userMeta, expiresAt, value: new Uint8Array(0) });
  if (kind <= 2) {
    const vp = new ValuePointer(1 + rng.int(4), rng.int(1 << 20), rng.int(100_000));
    return encodeValueStruct({ meta: META_VALUE_POINTER, userMeta, expiresAt, value: vp.encode() });
  }
  const length = rng.bool(0.1) ? 0 : rng.int(rng.bool(0.1) ? 300 : 40);
  // Half the values repeat a byte, so compression has something to save; the rest are noise.
  const value = rng.bool(0.5) ? new Uint8Array(length).fill(rng.int(256)) : rng.bytes(length);
  const meta = rng.bool(0.1) ? META_DISCARD_EARLIER_VERSIONS : 0;
  return encodeValueStruct({ meta, userMeta, expiresAt, value });
}

/** Sorted, unique internal keys with random values. */
export function randomEntries(rng: Rng, count: number, maxKeyLength = 6): ModelEntry[] {
  const byKey = new Map<string, ModelEntry>();
  for (let i = 0; i < count; i++) {
    const key = encodeInternalKey(randomUserKey(rng, maxKeyLength), randomVersion(rng));
    byKey.set(Buffer.from(key).toString('hex'), { key, value: randomValue(rng) });
  }
  return [...byKey.values()].sort((a, b) => compareInternalKeys(a.key, b.key));
}

/** The model's answer to Table.get: newest version <= readVersion of userKey. */
export function modelGet(entries: readonly ModelEntry[], userKey: Uint8Array, readVersion: number): ModelEntry | undefined {
  const i = lowerBound(entries, encodeInternalKey(userKey, readVersion));
  const e = entries[i];
  return e !== undefined && compareUserKeys(userKeyOf(e.key), userKey) === 0 ? e : undefined;
}

/** Index of the first entry >= key (entries.length if none). */
export function lowerBound(entries: readonly ModelEntry[], key: InternalKey): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareInternalKeys(entries[mid]!.key, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A seek target: an existing key, an existing user key at another version, or a random key. */
export function randomTarget(rng: Rng, entries: readonly ModelEntry[]): InternalKey {
  const pick = rng.int(3);
  if (pick === 0 && entries.length > 0) return entries[rng.int(entries.length)]!.key;
  if (pick === 1 && entries.length > 0) return encodeInternalKey(userKeyOf(entries[rng.int(entries.length)]!.key), randomVersion(rng));
  return encodeInternalKey(randomUserKey(rng), randomVersion(rng));
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/**
 * Drives `it` and a model cursor through the same random operations (seeks, seekForPrev,
 * next/prev with direction changes) and checks they agree after each one. Returns the operations
 * performed. `onValue` sees every entry the iterator yields (for corruption tests).
 */
export function checkIteratorAgainstModel(it: InternalIterator, entries: readonly ModelEntry[], rng: Rng, operations: number): void {
  let pos = -1; // model position; -1 or entries.length = invalid
  const trace: string[] = [];
  for (let op = 0; op < operations; op++) {
    const kind = rng.int(10);
    if (kind === 0) {
      it.seekToFirst();
      pos = entries.length > 0 ? 0 : -1;
      trace.push('seekToFirst');
    } else if (kind === 1) {
      it.seekToLast();
      pos = entries.length - 1;
      trace.push('seekToLast');
    } else if (kind === 2 || kind === 3) {
      const target = randomTarget(rng, entries);
      it.seek(target);
      pos = lowerBound(entries, target);
      trace.push(`seek ${hex(target)}`);
    } else if (kind === 4) {
      const target = randomTarget(rng, entries);
      it.seekForPrev(target);
      const lb = lowerBound(entries, target);
      pos = lb < entries.length && compareInternalKeys(entries[lb]!.key, target) === 0 ? lb : lb - 1;
      trace.push(`seekForPrev ${hex(target)}`);
    } else {
      const forward = kind < 8;
      const steps = 1 + rng.int(4);
      for (let s = 0; s < steps && pos >= 0 && pos < entries.length; s++) {
        if (forward) {
          it.next();
          pos++;
        } else {
          it.prev();
          pos--;
        }
      }
      trace.push(`${forward ? 'next' : 'prev'} x${steps}`);
    }
    const expectValid = pos >= 0 && pos < entries.length;
    if (it.valid() !== expectValid) {
      throw new Error(`iterator valid()=${it.valid()}, model says ${expectValid} after: ${trace.slice(-5).join('; ')}`);
    }
    if (expectValid) {
      const e = entries[pos]!;
      if (hex(it.key()) !== hex(e.key) || hex(it.value()) !== hex(e.value)) {
        throw new Error(`iterator at ${hex(it.key())}, model at ${hex(e.key)} after: ${trace.slice(-5).join('; ')}`);
      }
    }
  }
}

/** Full forward and backward scans equal the model. */
export function checkFullScans(it: InternalIterator, entries: readonly ModelEntry[]): void {
  const forward: string[] = [];
  for (it.seekToFirst(); it.valid(); it.next()) forward.push(hex(it.key()) + ':' + hex(it.value()));
  expect(forward).toEqual(entries.map((e) => hex(e.key) + ':' + hex(e.value)));
  const backward: string[] = [];
  for (it.seekToLast(); it.valid(); it.prev()) backward.push(hex(it.key()) + ':' + hex(it.value()));
  expect(backward).toEqual(entries.map((e) => hex(e.key) + ':' + hex(e.value)).reverse());
}

/** Every user key at random read versions (and absent keys) answers as the model does. */
export function checkGets(table: Table, entries: readonly ModelEntry[], rng: Rng, probes: number): void {
  for (let i = 0; i < probes; i++) {
    const userKey = rng.bool(0.8) && entries.length > 0 ? userKeyOf(entries[rng.int(entries.length)]!.key) : randomUserKey(rng, 7);
    const readVersion = rng.bool(0.2) ? MAX_VERSION : randomVersion(rng);
    const got = table.get(userKey, readVersion);
    const want = modelGet(entries, userKey, readVersion);
    if ((got === undefined) !== (want === undefined) || (got !== undefined && (hex(got.key) !== hex(want!.key) || hex(got.value) !== hex(want!.value)))) {
      throw new Error(
        `get(${hex(userKey)}, ${readVersion}) = ${got === undefined ? 'undefined' : hex(got.key)}, model ${want === undefined ? 'undefined' : hex(want.key)}`,
      );
    }
    if (got !== undefined) expect(versionOf(got.key)).toBeLessThanOrEqual(readVersion);
  }
}
