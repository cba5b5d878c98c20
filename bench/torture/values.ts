// Keys and values of the torture run. Every value is a pure function of (key, generation, size,
// aux), so the verifier can regenerate it and compare byte for byte while the ack log records only
// those four numbers (a 24 KiB value costs the log a dozen bytes).
//
// A value:
//
//   0        4                 12                20        24
//   +--------+-----------------+-----------------+---------+---------------------------+
//   | "TRT1" | generation u64  | aux u64         | size u32| body: size - 24 bytes     |
//   +--------+-----------------+-----------------+---------+---------------------------+
//
// Big-endian integers. `generation` is the global write number (one per put, delete, batch or
// counter bump; every key of a batch carries its batch's); `aux` is the counter's value for the
// counter key and 0 otherwise. The body is seeded by murmur3(key) and the generation: half random
// words, half a repeated word, so snappy has something to do.

import { fmix32, murmur3 } from '../../src/base/index.js';

export const VALUE_MAGIC = 0x54525431; // "TRT1"
export const VALUE_HEADER_BYTES = 24;

/** Keys written one at a time (puts and deletes). */
export const SINGLE_PREFIX = 's:';
/** Keys written by batches only, so a batch's keys are overwritten by batches (and deletes inside them). */
export const BATCH_PREFIX = 'b:';
/** The one key whose value counts up (aux = the count). */
export const COUNTER_KEY = 'counter';

export function singleKey(i: number): string {
  return SINGLE_PREFIX + String(i).padStart(6, '0');
}

export function batchKey(i: number): string {
  return BATCH_PREFIX + String(i).padStart(6, '0');
}

function writeU64(view: DataView, offset: number, n: number): void {
  view.setUint32(offset, Math.floor(n / 0x1_0000_0000));
  view.setUint32(offset + 4, n >>> 0);
}

function readU64(view: DataView, offset: number): number {
  return view.getUint32(offset) * 0x1_0000_0000 + view.getUint32(offset + 4);
}

/** The value of `key` written at generation `gen`, `size` bytes long (>= VALUE_HEADER_BYTES). */
export function makeValue(key: string, gen: number, size: number, aux: number): Buffer {
  if (!(Number.isSafeInteger(size) && size >= VALUE_HEADER_BYTES)) throw new RangeError(`value size ${size} < ${VALUE_HEADER_BYTES}`);
  const out = Buffer.allocUnsafe(size);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, VALUE_MAGIC);
  writeU64(view, 4, gen);
  writeU64(view, 12, aux);
  view.setUint32(20, size);
  let state = fmix32(murmur3(Buffer.from(key, 'latin1'), 0x7e57) ^ fmix32(gen >>> 0) ^ Math.floor(gen / 0x1_0000_0000));
  const repeated = state;
  let i = VALUE_HEADER_BYTES;
  for (let word = 0; i < size; word++) {
    let w: number;
    if ((word >>> 3) & 1) {
      w = repeated;
    } else {
      // mulberry32 step (as src/base Rng): a different stream per (key, gen).
      state = (state + 0x6d2b79f5) >>> 0;
      let t = Math.imul(state ^ (state >>> 15), state | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      w = (t ^ (t >>> 14)) >>> 0;
    }
    for (let b = 0; b < 4 && i < size; b++, i++) out[i] = (w >>> (24 - 8 * b)) & 0xff;
  }
  return out;
}

export interface ValueHeader {
  gen: number;
  aux: number;
  size: number;
}

/** The header of a value read back, or a reason it is not one of ours. */
export function parseValueHeader(value: Uint8Array): ValueHeader | string {
  if (value.length < VALUE_HEADER_BYTES) return `${value.length} bytes, shorter than the ${VALUE_HEADER_BYTES}-byte header`;
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const magic = view.getUint32(0);
  if (magic !== VALUE_MAGIC) return `magic 0x${magic.toString(16).padStart(8, '0')} != 0x${VALUE_MAGIC.toString(16)}`;
  const header = { gen: readU64(view, 4), aux: readU64(view, 12), size: view.getUint32(20) };
  if (header.size !== value.length) return `header says ${header.size} bytes, value has ${value.length}`;
  return header;
}

/** The first offset where `a` and `b` differ, or -1. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
