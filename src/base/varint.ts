// Unsigned LEB128 varints (docs/format.md §Conventions), for values up to 2^53 - 1.

export function varintLength(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

/** Writes `value` at `offset`; returns the offset after it. */
export function putVarint(buf: Uint8Array, offset: number, value: number): number {
  while (value >= 0x80) {
    buf[offset++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  buf[offset++] = value;
  return offset;
}

/**
 * Reads a varint at `offset`. Returns the value and writes the next offset into `out[0]`,
 * or returns -1 when the bytes end before the varint does or it is longer than 8 bytes.
 */
export function getVarint(buf: Uint8Array, offset: number, end: number, out: Int32Array | number[]): number {
  let result = 0;
  let multiplier = 1;
  for (let i = 0; i < 8; i++) {
    if (offset >= end) return -1;
    const byte = buf[offset++]!;
    result += (byte & 0x7f) * multiplier;
    if (byte < 0x80) {
      out[0] = offset;
      return result;
    }
    multiplier *= 128;
  }
  return -1;
}
