// Internal-key comparison on byte ranges, so a search compares a target against the bytes of a
// block in place instead of slicing a key out of it (the in-block binary search allocates nothing).

import { VERSION_BYTES, compareRanges } from '../base/index.js';

/**
 * Internal-key order (user key ascending, then version descending) of a[aStart, aEnd) and
 * b[bStart, bEnd), each an encoded internal key. The versions are big-endian, so their bytes
 * compare as the numbers do; the version comparison is simply negated.
 */
export function compareInternalRanges(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): number {
  const c = compareRanges(a, aStart, aEnd - VERSION_BYTES, b, bStart, bEnd - VERSION_BYTES);
  if (c !== 0) return c;
  return compareRanges(b, bEnd - VERSION_BYTES, bEnd, a, aEnd - VERSION_BYTES, aEnd);
}
