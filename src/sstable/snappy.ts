// src/sstable/snappy.ts — the raw Snappy block format (docs/format.md §SST.compression, code 1):
// our own decoder, and snappyjs (pure JS) for encoding.
//
//   +------------------------------------+---------+---------+-----+
//   | uncompressed length: varint, LEB128 | element | element | ... |
//   | (1..5 bytes, at most 2^32 - 1)      |         |         |     |
//   +------------------------------------+---------+---------+-----+
//
//   element = tag byte, kind in its low 2 bits:
//     00 literal  n = (tag >> 2) + 1 when tag >> 2 < 60; for 60..63 the next 1..4 bytes hold n - 1
//                 (little-endian); then n literal bytes
//     01 copy     n = 4 + ((tag >> 2) & 7), offset = (tag >> 5) << 8 | next byte      (11 bits)
//     10 copy     n = (tag >> 2) + 1,       offset = next 2 bytes, little-endian
//     11 copy     n = (tag >> 2) + 1,       offset = next 4 bytes, little-endian
//   A copy appends the n bytes that start `offset` bytes back in the output; offset < n is legal
//   and repeats the last `offset` bytes (a run: "a" then copy(offset 1, n 63) is 64 a's).
//
// Why not a native library: @napi-rs/snappy 1.0.2 leaks a memory mapping every few calls and
// aborts the process at vm.max_map_count (docs/design.md §Compression codecs). Why not snappyjs's
// decoder: on damaged input it returns wrong bytes instead of failing (a copy tag cut off at the
// end reads `undefined` as 0, an output shorter than declared comes back zero-padded, a 4-byte
// offset with its top bit set goes negative). This decoder fails on every inconsistency, never
// reads or writes outside its arrays, and never allocates more than the input could produce.

import { compress as snappyjsCompress } from 'snappyjs';
import { CorruptionError } from '../base/index.js';

/** What decode errors name as the file; callers that know the real file and offset rethrow. */
const SOURCE = 'snappy block';

/** The length varint is a u32: at most 5 LEB128 bytes. */
const LENGTH_VARINT_MAX_BYTES = 5;
const LENGTH_MAX = 0xffffffff;

/**
 * The most output one element can make per input byte: a 2-byte-offset copy (3 bytes) of 64.
 * Literals make at most one byte per byte, the other copies 11 per 2 and 64 per 5. So a body of
 * b bytes decodes to at most b * 64 / 3 bytes, and a larger declared length is corrupt: checked
 * before allocating, it bounds what a damaged varint can make us allocate.
 */
const MAX_OUTPUT_BYTES_PER_3_INPUT_BYTES = 64;

/**
 * Below this many bytes a literal or a copy is moved with a byte loop: subarray()/set() and
 * copyWithin() cost more to call than they save on short runs (bench: see docs/design.md).
 */
const SHORT_RUN_BYTES = 16;

/** Compresses `data` into the raw Snappy format. Returns a new, exactly sized, plain Uint8Array. */
export function snappyCompress(data: Uint8Array): Uint8Array {
  // snappyjs returns a view over its worst-case-sized scratch for a Buffer, a copy of exactly the
  // output for a plain Uint8Array: hand it the latter so a stored block keeps no slack alive.
  const plain = Buffer.isBuffer(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data;
  return snappyjsCompress(plain);
}

/**
 * The uncompressed length a raw Snappy block declares, and where its elements start. Throws
 * CorruptionError on an empty input or a length varint that is cut off or longer than a u32.
 */
export function snappyDeclaredLength(src: Uint8Array): { length: number; bodyOffset: number } {
  if (src.length === 0) throw new CorruptionError(SOURCE, 0, 'empty input (a snappy block holds at least its length varint)');
  let length = 0;
  for (let i = 0; i < LENGTH_VARINT_MAX_BYTES; i++) {
    if (i >= src.length) throw new CorruptionError(SOURCE, i, 'length varint cut off');
    const b = src[i]!;
    length += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) {
      if (length > LENGTH_MAX) throw new CorruptionError(SOURCE, 0, `length varint ${length} exceeds 2^32 - 1`);
      return { length, bodyOffset: i + 1 };
    }
  }
  throw new CorruptionError(SOURCE, 0, `length varint longer than ${LENGTH_VARINT_MAX_BYTES} bytes`);
}

/**
 * Decodes one raw Snappy block into a new array of exactly its declared length. With
 * `expectedLength`, a block declaring any other length fails before anything is allocated.
 * Every failure is a CorruptionError naming the offset in `src`.
 */
export function snappyUncompress(src: Uint8Array, expectedLength?: number): Uint8Array {
  const { length, bodyOffset } = snappyDeclaredLength(src);
  if (expectedLength !== undefined && length !== expectedLength) {
    throw new CorruptionError(SOURCE, 0, `declares ${length} uncompressed bytes, expected ${expectedLength}`);
  }
  const bodyBytes = src.length - bodyOffset;
  if (length * 3 > bodyBytes * MAX_OUTPUT_BYTES_PER_3_INPUT_BYTES) {
    throw new CorruptionError(SOURCE, 0, `declares ${length} uncompressed bytes, more than ${bodyBytes} bytes of elements can make`);
  }
  // A fresh array per block, not a reused one: the decoded block outlives this call (the block
  // cache and the iterators keep it), and the GC reclaims it like any other array.
  const out = new Uint8Array(length);
  decodeElements(src, bodyOffset, out);
  return out;
}

/** Decodes the elements of src[pos..] into all of `out`; fails unless they fill it exactly. */
function decodeElements(src: Uint8Array, pos: number, out: Uint8Array): void {
  const end = src.length;
  const outEnd = out.length;
  let op = 0;
  while (pos < end) {
    const tagAt = pos;
    const tag = src[pos++]!;
    const kind = tag & 3;
    let n: number;
    if (kind === 0) {
      n = (tag >>> 2) + 1;
      if (n > 60) {
        const lengthBytes = n - 60;
        if (lengthBytes > end - pos) throw new CorruptionError(SOURCE, tagAt, 'literal length cut off');
        // Multiplications, not shifts: a 4-byte length must not turn negative.
        n = src[pos]!;
        if (lengthBytes > 1) n += src[pos + 1]! * 0x100;
        if (lengthBytes > 2) n += src[pos + 2]! * 0x10000;
        if (lengthBytes > 3) n += src[pos + 3]! * 0x1000000;
        n += 1;
        pos += lengthBytes;
      }
      if (n > end - pos) throw new CorruptionError(SOURCE, tagAt, `literal of ${n} bytes runs past the input`);
      if (n > outEnd - op) throw new CorruptionError(SOURCE, tagAt, `literal of ${n} bytes runs past the declared length ${outEnd}`);
      if (n <= SHORT_RUN_BYTES) {
        for (let i = 0; i < n; i++) out[op + i] = src[pos + i]!;
      } else {
        out.set(src.subarray(pos, pos + n), op);
      }
      pos += n;
      op += n;
      continue;
    }
    let offset: number;
    if (kind === 1) {
      if (pos >= end) throw new CorruptionError(SOURCE, tagAt, 'copy offset cut off');
      n = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | src[pos]!;
      pos += 1;
    } else if (kind === 2) {
      if (2 > end - pos) throw new CorruptionError(SOURCE, tagAt, 'copy offset cut off');
      n = (tag >>> 2) + 1;
      offset = src[pos]! | (src[pos + 1]! << 8);
      pos += 2;
    } else {
      if (4 > end - pos) throw new CorruptionError(SOURCE, tagAt, 'copy offset cut off');
      n = (tag >>> 2) + 1;
      offset = src[pos]! + src[pos + 1]! * 0x100 + src[pos + 2]! * 0x10000 + src[pos + 3]! * 0x1000000;
      pos += 4;
    }
    if (offset === 0 || offset > op) throw new CorruptionError(SOURCE, tagAt, `copy offset ${offset} with ${op} bytes decoded`);
    if (n > outEnd - op) throw new CorruptionError(SOURCE, tagAt, `copy of ${n} bytes runs past the declared length ${outEnd}`);
    const from = op - offset;
    if (offset >= n && n > SHORT_RUN_BYTES) {
      out.copyWithin(op, from, from + n);
    } else {
      // Byte by byte on purpose when offset < n: each byte may be one this copy just wrote.
      for (let i = 0; i < n; i++) out[op + i] = out[from + i]!;
    }
    op += n;
  }
  if (op !== outEnd) throw new CorruptionError(SOURCE, end, `elements make ${op} bytes, the block declares ${outEnd}`);
}
