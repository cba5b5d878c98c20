// Level keys inside sett, and the three data formats of abstract-level's private API.
//
// Level allows the empty key; sett (like Badger) does not. So SettLevel keeps its entries in a
// key space of their own: the Level key k is stored as the sett key
//
//   +------+-----------------+
//   | 0x00 | k (0..n bytes)  |
//   +------+-----------------+
//
// Prepending one constant byte keeps byte order (k1 < k2 iff 0x00‖k1 < 0x00‖k2) and makes
// every key non-empty. Keys written through sett's own API without the byte are outside the
// Level key space: SettLevel neither sees nor clears them.

import { compareBytes } from '../base/index.js';

/** Part of the stored form of SettLevel keys: never change it (existing databases would go dark). */
export const LEVEL_KEY_SPACE = 0x00;

/** The sett prefix that every SettLevel key has. */
export const LEVEL_KEY_SPACE_PREFIX: Uint8Array = Uint8Array.of(LEVEL_KEY_SPACE);

/** The encodings abstract-level hands its private API ("formats"). */
export type DataFormat = 'utf8' | 'buffer' | 'view';

/** Encoded data as the private API receives it: a string for utf8, bytes for buffer and view. */
export type LevelData = string | Uint8Array;

/** The sett key of the Level key `key` (already encoded by abstract-level). */
export function toSettKey(key: LevelData): Buffer {
  if (typeof key === 'string') {
    const out = Buffer.allocUnsafe(1 + Buffer.byteLength(key, 'utf8'));
    out[0] = LEVEL_KEY_SPACE;
    out.write(key, 1, 'utf8');
    return out;
  }
  const out = Buffer.allocUnsafe(1 + key.length);
  out[0] = LEVEL_KEY_SPACE;
  out.set(key, 1);
  return out;
}

/** The Level key of a sett key from the Level key space, in `format`. */
export function fromSettKey(settKey: Buffer, format: DataFormat): LevelData {
  return toFormat(settKey.subarray(1), format);
}

/** Bytes read from sett, as `format` wants them: a string, a Buffer, or a plain Uint8Array. */
export function toFormat(bytes: Buffer, format: DataFormat): LevelData {
  if (format === 'utf8') return bytes.toString('utf8');
  if (format === 'buffer') return bytes;
  // 'view' promises a Uint8Array; a Buffer would be one, but not an identical-looking one.
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function compareSettKeys(a: Uint8Array, b: Uint8Array): number {
  return compareBytes(a, b);
}
