// src/sstable/compression.ts — block compression codecs (docs/format.md §SST.compression).
//
// A block's codec is stored as one code byte beside the block (the layout is the
// table builder's: see §SST.block). The compressed bytes are each codec's own
// standard format, so any stock library reads them:
//
//   code 0  none    the block bytes as they are
//   code 1  snappy  raw Snappy block format (not the framed/stream format):
//                   varint uncompressed length, then tagged literals/copies
//   code 2  zstd    one Zstandard frame (RFC 8878) with the content size in the
//                   header and no content checksum
//
// Neither raw Snappy nor a zstd frame without its checksum can notice flipped
// bits inside a literal: decompression then returns wrong bytes of the right
// length. The enclosing block CRC must therefore cover the stored (compressed)
// bytes, and be checked before decompressing, as LevelDB does.
//
// Libraries (SPEC §7): snappy through ./snappy.ts (snappyjs, pure JS, to compress; our own
// decoder to decompress: @napi-rs/snappy leaked a memory mapping every few calls, see
// docs/design.md §Compression codecs); zstd compression through @bokuweb/zstd-wasm (WebAssembly,
// needs `await init()` once), decompression through fzstd (pure JS, synchronous, no init) so
// readers never wait. Every codec here is measured leak-free over a million calls
// (test/sstable/compression-leak.test.ts).

import { compress as zstdCompress, init as zstdInit } from '@bokuweb/zstd-wasm';
import { decompress as zstdDecompress } from 'fzstd';
import { CorruptionError, InternalError, InvalidArgumentError } from '../base/index.js';
import { snappyCompress, snappyCompressTransient, snappyUncompress } from './snappy.js';

export type CompressionName = 'none' | 'snappy' | 'zstd';

/** Codec codes. Part of the on-disk format: never change, add a code. */
export const COMPRESSION_CODE = Object.freeze({ none: 0, snappy: 1, zstd: 2 } as const);

/** zstd levels accepted by compressBlock (zstd's regular levels; negative "fast" levels are not used). */
export const ZSTD_LEVEL_MIN = 1;
export const ZSTD_LEVEL_MAX = 22;

// A zstd frame is at least magic (4) + header (2) + one empty block header (3).
const ZSTD_MIN_FRAME_BYTES = 9;
const ZSTD_FRAME_MAGIC = 0xfd2fb528;

let zstdReady = false;
let zstdInitPromise: Promise<void> | undefined;

/**
 * Loads the zstd WebAssembly module. Idempotent: every caller shares one
 * promise. Needed only before compressBlock('zstd', ...); decompression never
 * needs it. A failed load is not memoised, so a later call retries.
 */
export function ensureCompressionReady(): Promise<void> {
  if (zstdInitPromise === undefined) {
    zstdInitPromise = zstdInit().then(
      () => {
        zstdReady = true;
      },
      (err: unknown) => {
        zstdInitPromise = undefined;
        throw err;
      },
    );
  }
  return zstdInitPromise;
}

/**
 * Compresses one block. 'none' returns `data` itself (no copy). Synchronous:
 * for 'zstd', ensureCompressionReady() must have resolved first.
 */
export function compressBlock(name: CompressionName, data: Uint8Array, zstdLevel: number): Uint8Array {
  switch (name) {
    case 'none':
      return data;
    case 'snappy':
      return snappyCompress(data);
    case 'zstd': {
      if (!zstdReady) {
        throw new InternalError('zstd compression used before ensureCompressionReady() resolved');
      }
      if (!Number.isInteger(zstdLevel) || zstdLevel < ZSTD_LEVEL_MIN || zstdLevel > ZSTD_LEVEL_MAX) {
        throw new InvalidArgumentError(`zstd level must be an integer in ${ZSTD_LEVEL_MIN}..${ZSTD_LEVEL_MAX}, got ${zstdLevel}`);
      }
      return zstdCompress(data, zstdLevel);
    }
    default:
      return unknownName(name);
  }
}

/**
 * compressBlock, except that a snappy result is a view of a scratch array that the next call
 * reuses: for a caller that copies the bytes before compressing again (TableBuilder).
 */
export function compressBlockTransient(name: CompressionName, data: Uint8Array, zstdLevel: number): Uint8Array {
  return name === 'snappy' ? snappyCompressTransient(data) : compressBlock(name, data, zstdLevel);
}

/**
 * Decompresses one block stored with codec `code`. When `uncompressedLength`
 * is given, a result of any other length is an error. Failures throw
 * CorruptionError('<codec> block', 0, ...); the table reader rethrows with the
 * real file and offset. 'none' returns `data` itself.
 */
export function decompressBlock(code: number, data: Uint8Array, uncompressedLength?: number): Uint8Array {
  let out: Uint8Array;
  switch (code) {
    case COMPRESSION_CODE.none:
      out = data;
      break;
    case COMPRESSION_CODE.snappy:
      // Its errors are CorruptionErrors already, naming the offset inside the block.
      out = snappyUncompress(data, uncompressedLength);
      break;
    case COMPRESSION_CODE.zstd:
      out = decompressZstd(data, uncompressedLength);
      break;
    default:
      throw new CorruptionError('compressed block', 0, `unknown compression code ${code}`);
  }
  if (uncompressedLength !== undefined && out.length !== uncompressedLength) {
    throw new CorruptionError(
      `${compressionName(code)} block`,
      0,
      `decompressed to ${out.length} bytes, expected ${uncompressedLength}`,
    );
  }
  return out;
}

/** The codec name of a stored code; an unknown code (from disk) is CORRUPTION. */
export function compressionName(code: number): CompressionName {
  switch (code) {
    case COMPRESSION_CODE.none:
      return 'none';
    case COMPRESSION_CODE.snappy:
      return 'snappy';
    case COMPRESSION_CODE.zstd:
      return 'zstd';
    default:
      throw new CorruptionError('compressed block', 0, `unknown compression code ${code}`);
  }
}

function decompressZstd(data: Uint8Array, uncompressedLength: number | undefined): Uint8Array {
  // fzstd returns an empty result for empty input and decodes every frame it finds; one block is
  // exactly one frame, so guard the empty case here.
  if (data.length < ZSTD_MIN_FRAME_BYTES) {
    throw new CorruptionError('zstd block', 0, `${data.length} bytes is shorter than any zstd frame (${ZSTD_MIN_FRAME_BYTES})`);
  }
  // fzstd allocates the frame's declared content size up front: check it against the expected
  // length first, so a corrupt header cannot make it allocate up to 2 GiB.
  if (uncompressedLength !== undefined) {
    const declared = zstdFrameContentSize(data);
    if (declared !== undefined && declared !== uncompressedLength) {
      throw new CorruptionError('zstd block', 0, `frame declares ${declared} bytes, expected ${uncompressedLength}`);
    }
  }
  try {
    return zstdDecompress(data);
  } catch (err) {
    throw new CorruptionError('zstd block', 0, `zstd decompression failed: ${messageOf(err)}`);
  }
}

/**
 * Frame_Content_Size from a zstd frame header (RFC 8878 §3.1.1.1), or undefined when the header
 * does not carry it. Throws CorruptionError when `data` does not start with a zstd frame.
 */
function zstdFrameContentSize(data: Uint8Array): number | undefined {
  const magic = (data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24)) >>> 0;
  if (magic !== ZSTD_FRAME_MAGIC) {
    throw new CorruptionError('zstd block', 0, `frame magic 0x${magic.toString(16)} != 0x${ZSTD_FRAME_MAGIC.toString(16)}`);
  }
  const descriptor = data[4]!;
  const singleSegment = (descriptor >> 5) & 1;
  const fcsFlag = descriptor >> 6;
  const dictIdBytes = [0, 1, 2, 4][descriptor & 3]!;
  const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
  if (fcsBytes === 0) return undefined;
  const at = 5 + (singleSegment === 1 ? 0 : 1) + dictIdBytes;
  if (at + fcsBytes > data.length) {
    throw new CorruptionError('zstd block', 0, `frame header needs ${at + fcsBytes} bytes, block has ${data.length}`);
  }
  let size = 0;
  for (let i = fcsBytes - 1; i >= 0; i--) size = size * 256 + data[at + i]!;
  return fcsBytes === 2 ? size + 256 : size;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function unknownName(name: never): never {
  throw new InvalidArgumentError(`unknown compression ${String(name)}; use 'none', 'snappy' or 'zstd'`);
}
