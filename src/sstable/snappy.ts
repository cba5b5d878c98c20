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
import { SnappyCompressor } from 'snappyjs/snappy_compressor.js';
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
 * Below this many bytes a literal or a copy is moved with a byte loop: copyWithin() and set()
 * cost a builtin call (~18 ns for copyWithin, ~25 ns for set with its source view) whatever the
 * length, a byte loop ~1.2 ns a byte. On 4 KiB db_bench-like blocks 8, 16, 32 and 48 measured
 * the same within noise; 64 and up was 50% slower (docs/design.md §Compression codecs).
 */
const SHORT_RUN_BYTES = 16;

/** Compresses `data` into the raw Snappy format. Returns a new, exactly sized, plain Uint8Array. */
export function snappyCompress(data: Uint8Array): Uint8Array {
  // snappyjs returns a view over its worst-case-sized scratch for a Buffer, a copy of exactly the
  // output for a plain Uint8Array: hand it the latter so a stored block keeps no slack alive.
  const plain = Buffer.isBuffer(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data;
  return snappyjsCompress(plain);
}

/** Scratch of snappyCompressTransient; a block needing more than this gets an array of its own. */
let compressScratch = new Uint8Array(0);
const COMPRESS_SCRATCH_MAX_BYTES = 1 << 20;

/**
 * snappyCompress into an array reused by the next call: the result is a view valid only until
 * then. For a table builder, which copies each block into its output at once: a flush or a
 * compaction compresses thousands of blocks, and snappyCompress made two arrays per block (the
 * worst-case output and the exact copy), garbage a worker's heap kept until its next GC — its
 * malloc arena grew to 64 MiB and stayed, after the worker was gone, in the process's RSS.
 */
export function snappyCompressTransient(data: Uint8Array): Uint8Array {
  const compressor = new SnappyCompressor(data);
  const most = compressor.maxCompressedLength();
  if (most > COMPRESS_SCRATCH_MAX_BYTES) return snappyCompress(data);
  if (compressScratch.length < most) compressScratch = new Uint8Array(Math.min(COMPRESS_SCRATCH_MAX_BYTES, Math.max(most, 2 * compressScratch.length, 8 << 10)));
  const n = compressor.compressToBuffer(compressScratch);
  return new Uint8Array(compressScratch.buffer, 0, n);
}

/**
 * The uncompressed length a raw Snappy block declares, and where its elements start. Throws
 * CorruptionError on an empty input or a length varint that is cut off or longer than a u32.
 */
export function snappyDeclaredLength(src: Uint8Array): { length: number; bodyOffset: number } {
  const length = lengthAt(src, 0, src.length);
  return { length, bodyOffset: varintEnd(src, 0) };
}

/** The length varint of the block in src[start..end); errors as snappyDeclaredLength's, offsets relative to `start`. */
function lengthAt(src: Uint8Array, start: number, end: number): number {
  if (start >= end) throw new CorruptionError(SOURCE, 0, 'empty input (a snappy block holds at least its length varint)');
  let length = 0;
  for (let i = 0; i < LENGTH_VARINT_MAX_BYTES; i++) {
    if (start + i >= end) throw new CorruptionError(SOURCE, i, 'length varint cut off');
    const b = src[start + i]!;
    length += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) {
      if (length > LENGTH_MAX) throw new CorruptionError(SOURCE, 0, `length varint ${length} exceeds 2^32 - 1`);
      return length;
    }
  }
  throw new CorruptionError(SOURCE, 0, `length varint longer than ${LENGTH_VARINT_MAX_BYTES} bytes`);
}

/** Position after the length varint at `start` (one lengthAt accepted). */
function varintEnd(src: Uint8Array, start: number): number {
  let i = start;
  while (src[i]! >= 0x80) i++;
  return i + 1;
}

/**
 * Decodes one raw Snappy block into a new array of exactly its declared length. With
 * `expectedLength`, a block declaring any other length fails before anything is allocated.
 * Every failure is a CorruptionError naming the offset in `src`.
 */
export function snappyUncompress(src: Uint8Array, expectedLength?: number): Uint8Array {
  const length = checkedLength(src, 0, src.length, expectedLength);
  // A fresh array per block, not a reused one: the decoded block outlives this call (the block
  // cache and the iterators keep it), and the GC reclaims it like any other array.
  const out = new Uint8Array(length);
  decodeElements(src, varintEnd(src, 0), src.length, 0, out, length);
  return out;
}

/**
 * Decodes the raw Snappy block in `buf[start..end)` into `buf[0..length)`, so the declared length
 * must be at most `start` (the output never reaches the input; checked, CORRUPTION if not), then
 * returns a new, exactly sized copy of the output (or a view of `into` holding it, when `into`
 * is given and large enough). For a reader that reads a stored block into
 * a reused scratch array behind room for its output: literals then move with copyWithin()
 * instead of set() over a fresh view of the input, and the stored bytes need no array of their
 * own. Errors as for snappyUncompress, offsets relative to `start`; `buf[0..length)` is
 * overwritten either way.
 */
export function snappyUncompressFromScratch(buf: Uint8Array, start: number, end: number, expectedLength?: number, into?: Uint8Array): Uint8Array {
  const length = checkedLength(buf, start, end, expectedLength);
  if (length > start) {
    throw new CorruptionError(SOURCE, 0, `declares ${length} uncompressed bytes, more than the ${start} bytes of scratch before it`);
  }
  decodeElements(buf, varintEnd(buf, start), end, start, buf, length);
  // `into` (a caller's reused array, large enough): the output goes there, returned as a view.
  const out = into !== undefined && into.length >= length ? new Uint8Array(into.buffer, into.byteOffset, length) : new Uint8Array(length);
  // new Uint8Array(buffer, ...) rather than subarray(): no species lookup.
  out.set(new Uint8Array(buf.buffer, buf.byteOffset, length));
  return out;
}

/** The declared length of the block in src[start..end), checked against `expectedLength` and against what the body could make. */
function checkedLength(src: Uint8Array, start: number, end: number, expectedLength: number | undefined): number {
  const length = lengthAt(src, start, end);
  if (expectedLength !== undefined && length !== expectedLength) {
    throw new CorruptionError(SOURCE, 0, `declares ${length} uncompressed bytes, expected ${expectedLength}`);
  }
  const bodyBytes = end - varintEnd(src, start);
  if (length * 3 > bodyBytes * MAX_OUTPUT_BYTES_PER_3_INPUT_BYTES) {
    throw new CorruptionError(SOURCE, 0, `declares ${length} uncompressed bytes, more than ${bodyBytes} bytes of elements can make`);
  }
  return length;
}

/**
 * Decodes the elements of src[pos..end) into out[0..outEnd); fails unless they fill it exactly.
 * `src` and `out` may be the same array (the output then lies wholly before `pos`). `base` is
 * subtracted from positions in error messages. One bounds check per element, none per byte: the
 * checks before each move keep every index inside both arrays.
 */
function decodeElements(src: Uint8Array, pos: number, end: number, base: number, out: Uint8Array, outEnd: number): void {
  const shared = src === out;
  const srcBuffer = src.buffer;
  const srcByteOffset = src.byteOffset;
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
        if (lengthBytes > end - pos) throw new CorruptionError(SOURCE, tagAt - base, 'literal length cut off');
        // Multiplications, not shifts: a 4-byte length must not turn negative.
        n = src[pos]!;
        if (lengthBytes > 1) n += src[pos + 1]! * 0x100;
        if (lengthBytes > 2) n += src[pos + 2]! * 0x10000;
        if (lengthBytes > 3) n += src[pos + 3]! * 0x1000000;
        n += 1;
        pos += lengthBytes;
      }
      if (n > end - pos) throw new CorruptionError(SOURCE, tagAt - base, `literal of ${n} bytes runs past the input`);
      if (n > outEnd - op) throw new CorruptionError(SOURCE, tagAt - base, `literal of ${n} bytes runs past the declared length ${outEnd}`);
      if (n <= SHORT_RUN_BYTES) {
        for (let i = 0; i < n; i++) out[op + i] = src[pos + i]!;
      } else if (shared) {
        out.copyWithin(op, pos, pos + n);
      } else {
        // A view made with the constructor costs about half of subarray() (no species lookup).
        out.set(new Uint8Array(srcBuffer, srcByteOffset + pos, n), op);
      }
      pos += n;
      op += n;
      continue;
    }
    let offset: number;
    if (kind === 1) {
      if (pos >= end) throw new CorruptionError(SOURCE, tagAt - base, 'copy offset cut off');
      n = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | src[pos]!;
      pos += 1;
    } else if (kind === 2) {
      if (2 > end - pos) throw new CorruptionError(SOURCE, tagAt - base, 'copy offset cut off');
      n = (tag >>> 2) + 1;
      offset = src[pos]! | (src[pos + 1]! << 8);
      pos += 2;
    } else {
      if (4 > end - pos) throw new CorruptionError(SOURCE, tagAt - base, 'copy offset cut off');
      n = (tag >>> 2) + 1;
      offset = src[pos]! + src[pos + 1]! * 0x100 + src[pos + 2]! * 0x10000 + src[pos + 3]! * 0x1000000;
      pos += 4;
    }
    if (offset === 0 || offset > op) throw new CorruptionError(SOURCE, tagAt - base, `copy offset ${offset} with ${op} bytes decoded`);
    if (n > outEnd - op) throw new CorruptionError(SOURCE, tagAt - base, `copy of ${n} bytes runs past the declared length ${outEnd}`);
    const from = op - offset;
    if (offset >= n && n > SHORT_RUN_BYTES) {
      out.copyWithin(op, from, from + n);
    } else {
      // Byte by byte on purpose when offset < n: each byte may be one this copy just wrote.
      for (let i = 0; i < n; i++) out[op + i] = out[from + i]!;
    }
    op += n;
  }
  if (op !== outEnd) throw new CorruptionError(SOURCE, end - base, `elements make ${op} bytes, the block declares ${outEnd}`);
}
