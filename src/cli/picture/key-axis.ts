// The horizontal axis of the picture: user keys → a position in [0, 1], the same for every level,
// for binary and text keys alike (keys are bytes; text is just bytes that happen to print).
//
// A plain big-endian fraction of the leading bytes would be the honest "key space", but real key
// sets share long prefixes (`user:0001` … `user:0999` differ in byte 8) and mix namespaces (`n:…`,
// `user:…`, `0x00ff…`), so the fraction squeezes most tables into a pixel. Instead the boundary
// keys of all tables (every smallest and largest) are laid out in key order, each stretch between
// two neighbours as wide as any other when some table spans it, and narrow (GAP_WEIGHT) when none
// does (two tables that meet, key000418999 | key000419000, are drawn side by side). A key inside a
// stretch is placed by the big-endian fraction of its bytes after the prefix the two ends share.
// The mapping is monotonic, so overlaps between tables, in a level or across levels, are drawn
// exactly as they are; only the widths of ranges are not to scale.

import { compareUserKeys } from '../../base/index.js';

/** Bytes after the shared prefix that place a key between two boundaries (48 bits: exact in a double). */
const FRACTION_BYTES = 6;
/** Width of a stretch between boundaries that no table spans, against 1 for one a table spans. */
const GAP_WEIGHT = 0.1;

export interface KeyAxis {
  /** Distinct boundary keys in order; empty when no table's key range is known. */
  readonly boundaries: readonly Uint8Array[];
  /** Position of a user key in [0, 1]; keys outside the boundaries are clamped to the ends. */
  position(userKey: Uint8Array): number;
}

/** A table's user-key range, inclusive at both ends. */
export interface KeyRange {
  smallest: Uint8Array;
  largest: Uint8Array;
}

export function keyAxis(ranges: Iterable<KeyRange>): KeyAxis {
  const list = [...ranges];
  const sorted = list.flatMap((r) => [r.smallest, r.largest]).sort(compareUserKeys);
  const boundaries: Uint8Array[] = [];
  for (const k of sorted) if (boundaries.length === 0 || compareUserKeys(boundaries.at(-1)!, k) !== 0) boundaries.push(k);
  const n = boundaries.length;
  // starts[i]: where boundary i sits, before scaling to [0, 1]; spans[i]: how many ranges cover stretch i.
  const spans = new Int32Array(Math.max(n, 1));
  for (const r of list) {
    const from = indexOf(boundaries, r.smallest);
    const to = indexOf(boundaries, r.largest);
    if (to > from) {
      spans[from]! += 1;
      spans[to]! -= 1;
    }
  }
  const starts = new Float64Array(Math.max(n, 1));
  let covering = 0;
  for (let i = 0; i + 1 < n; i++) {
    covering += spans[i]!;
    starts[i + 1] = starts[i]! + (covering > 0 ? 1 : GAP_WEIGHT);
  }
  const total = n > 1 ? starts[n - 1]! : 1;
  return { boundaries, position: (k) => positionOf(boundaries, starts, total, k) };
}

/** Index of `key` in the sorted, distinct `boundaries` (it is one of them). */
function indexOf(boundaries: readonly Uint8Array[], key: Uint8Array): number {
  let lo = 0;
  let hi = boundaries.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareUserKeys(boundaries[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function positionOf(boundaries: readonly Uint8Array[], starts: Float64Array, total: number, key: Uint8Array): number {
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
  const width = starts[lo + 1]! - starts[lo]!;
  return (starts[lo]! + width * between(boundaries[lo]!, boundaries[lo + 1]!, key)) / total;
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
