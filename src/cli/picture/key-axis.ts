// The horizontal axis of the picture: user keys → a position in [0, 1], the same for every level,
// for binary and text keys alike (keys are bytes; text is just bytes that happen to print).
//
// A plain big-endian fraction of the leading bytes would be the honest "key space", but real key
// sets share long prefixes (`user:0001` … `user:0999` differ in byte 8) and mix namespaces (`n:…`,
// `user:…`, `0x00ff…`), so the fraction squeezes most tables into a pixel. Instead the boundary
// keys of all tables (every smallest and largest) are spread evenly in key order, and a key between
// two boundaries is placed by the big-endian fraction of its bytes after the prefix the two share.
// The mapping is monotonic, so overlaps between tables, in a level or across levels, are drawn
// exactly as they are; only the distance between non-overlapping ranges is not to scale.

import { compareUserKeys } from '../../base/index.js';

/** Bytes after the shared prefix that place a key between two boundaries (48 bits: exact in a double). */
const FRACTION_BYTES = 6;

export interface KeyAxis {
  /** Distinct boundary keys in order; empty when no table's key range is known. */
  readonly boundaries: readonly Uint8Array[];
  /** Position of a user key in [0, 1]; keys outside the boundaries are clamped to the ends. */
  position(userKey: Uint8Array): number;
}

export function keyAxis(keys: Iterable<Uint8Array>): KeyAxis {
  const sorted = [...keys].sort(compareUserKeys);
  const boundaries: Uint8Array[] = [];
  for (const k of sorted) if (boundaries.length === 0 || compareUserKeys(boundaries.at(-1)!, k) !== 0) boundaries.push(k);
  return { boundaries, position: (k) => positionOf(boundaries, k) };
}

function positionOf(boundaries: readonly Uint8Array[], key: Uint8Array): number {
  const n = boundaries.length;
  if (n <= 1) return 0.5; // one key (or none): the middle, so a point range is still visible
  if (compareUserKeys(key, boundaries[0]!) <= 0) return 0;
  if (compareUserKeys(key, boundaries[n - 1]!) >= 0) return 1;
  // The last boundary <= key (binary search): boundaries[lo] <= key < boundaries[lo + 1].
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (compareUserKeys(boundaries[mid]!, key) <= 0) lo = mid;
    else hi = mid;
  }
  return (lo + between(boundaries[lo]!, boundaries[lo + 1]!, key)) / (n - 1);
}

/** Where `key` lies between `a` < `b`, in [0, 1): by the bytes after the prefix a and b share. */
function between(a: Uint8Array, b: Uint8Array, key: Uint8Array): number {
  const shared = sharedPrefix(a, b);
  const fa = fraction(a, shared);
  const fb = fraction(b, shared);
  if (fb <= fa) return 0; // a and b differ only after FRACTION_BYTES: too close to tell apart
  return Math.min(Math.max((fraction(key, shared) - fa) / (fb - fa), 0), 1);
}

function sharedPrefix(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** Bytes key[from .. from + FRACTION_BYTES) as a big-endian fraction in [0, 1); missing bytes count as 0. */
export function fraction(key: Uint8Array, from: number): number {
  let f = 0;
  let scale = 1 / 256;
  for (let i = 0; i < FRACTION_BYTES; i++, scale /= 256) f += (key[from + i] ?? 0) * scale;
  return f;
}
