import CRC32 from 'crc-32';

/** CRC-32 (IEEE 802.3, the zlib polynomial) of `bytes`, as an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array, seed = 0): number {
  return CRC32.buf(bytes, seed) >>> 0;
}

/** CRC-32 of bytes[start, end) without copying. */
export function crc32Range(bytes: Uint8Array, start: number, end: number): number {
  return CRC32.buf(bytes.subarray(start, end), 0) >>> 0;
}

export function hex32(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}
