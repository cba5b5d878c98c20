// Internal keys (docs/format.md §Internal key): user key followed by an 8-byte big-endian version.
//
//   +----------------------+-----------------------+
//   | user key (n bytes)   | version (u64 BE)      |
//   +----------------------+-----------------------+
//
// Order: user key ascending (bytewise), then version descending, so the newest version of a key
// comes first. The user-key part is compared on its own: comparing the concatenation bytewise
// would order "a"@v before "ab"@v only by accident of the version bytes.

import { assert } from './assert.js';

/** An encoded internal key. A distinct name so signatures say which kind of key they take. */
export type InternalKey = Uint8Array;

export const VERSION_BYTES = 8;
/** Versions are JS safe integers so that they stay plain numbers on the hot path. */
export const MAX_VERSION = Number.MAX_SAFE_INTEGER;
const TWO_32 = 0x1_0000_0000;

export function encodeInternalKey(userKey: Uint8Array, version: number): InternalKey {
  const out = new Uint8Array(userKey.length + VERSION_BYTES);
  out.set(userKey, 0);
  writeVersion(out, userKey.length, version);
  return out;
}

export function writeVersion(buf: Uint8Array, offset: number, version: number): void {
  assert(Number.isSafeInteger(version) && version >= 0, () => `version ${version} is not a non-negative safe integer`);
  const hi = Math.floor(version / TWO_32);
  const lo = version >>> 0;
  buf[offset] = hi >>> 24;
  buf[offset + 1] = (hi >>> 16) & 0xff;
  buf[offset + 2] = (hi >>> 8) & 0xff;
  buf[offset + 3] = hi & 0xff;
  buf[offset + 4] = lo >>> 24;
  buf[offset + 5] = (lo >>> 16) & 0xff;
  buf[offset + 6] = (lo >>> 8) & 0xff;
  buf[offset + 7] = lo & 0xff;
}

export function readVersion(buf: Uint8Array, offset: number): number {
  const hi = ((buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0;
  const lo = ((buf[offset + 4]! << 24) | (buf[offset + 5]! << 16) | (buf[offset + 6]! << 8) | buf[offset + 7]!) >>> 0;
  return hi * TWO_32 + lo;
}

export function userKeyOf(key: InternalKey): Uint8Array {
  return key.subarray(0, key.length - VERSION_BYTES);
}

export function versionOf(key: InternalKey): number {
  return readVersion(key, key.length - VERSION_BYTES);
}

/** Compares user keys bytewise. */
export function compareUserKeys(a: Uint8Array, b: Uint8Array): number {
  return compareRanges(a, 0, a.length, b, 0, b.length);
}

/** Internal-key order: user key ascending, then version descending. */
export function compareInternalKeys(a: InternalKey, b: InternalKey): number {
  const aUser = a.length - VERSION_BYTES;
  const bUser = b.length - VERSION_BYTES;
  const c = compareRanges(a, 0, aUser, b, 0, bUser);
  if (c !== 0) return c;
  const va = readVersion(a, aUser);
  const vb = readVersion(b, bUser);
  return va > vb ? -1 : va < vb ? 1 : 0;
}

/** memcmp of a[aStart, aEnd) and b[bStart, bEnd). */
export function compareRanges(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): number {
  const aLen = aEnd - aStart;
  const bLen = bEnd - bStart;
  const n = aLen < bLen ? aLen : bLen;
  for (let i = 0; i < n; i++) {
    const d = a[aStart + i]! - b[bStart + i]!;
    if (d !== 0) return d;
  }
  return aLen - bLen;
}

export function sameUserKey(a: InternalKey, b: InternalKey): boolean {
  return compareRanges(a, 0, a.length - VERSION_BYTES, b, 0, b.length - VERSION_BYTES) === 0;
}

export function formatInternalKey(key: InternalKey): string {
  const user = userKeyOf(key);
  const printable = user.every((c) => c >= 0x20 && c < 0x7f);
  const shown = printable ? JSON.stringify(new TextDecoder().decode(user)) : '0x' + Buffer.from(user).toString('hex');
  return `${shown}@${versionOf(key)}`;
}
