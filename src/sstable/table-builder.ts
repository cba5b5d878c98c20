// Builds an SSTable in memory and writes it in large sequential writes (docs/format.md §SST.layout;
// the file layout is drawn in format.ts).
//
//   header | data block + trailer ... | index + trailer | filter + trailer | properties + trailer | footer

import {
  META_VALUE_POINTER,
  VERSION_BYTES,
  ValuePointer,
  assert,
  decodeValueStruct,
  formatInternalKey,
  putVarint,
  readVersion,
  type InternalKey,
  copyBytes,
} from '../base/index.js';
import { FileCipher, type DataKey } from '../crypto/index.js';
import { BlockBuilder } from './block-builder.js';
import { BloomFilter, hashKey } from './bloom.js';
import { COMPRESSION_CODE, compressBlockTransient, type CompressionName } from './compression.js';
import {
  BLOCK_TRAILER_BYTES,
  ENCRYPTED_HEADER_BYTES,
  FOOTER_BYTES,
  HEADER_BYTES,
  TABLE_FORMAT_VERSION_ENCRYPTED,
  writeEncryptedHeader,
  MIN_COMPRESSION_SAVING_DIVISOR,
  RESTART_INTERVAL,
  TABLE_FORMAT_VERSION,
  encodeFooter,
  writeBlockTrailer,
  writeHeader,
  type BlockHandle,
} from './format.js';
import { compareInternalRanges } from './key-compare.js';
import { encodeProperties, type TableProperties } from './properties.js';
import { WarmBlockCollector, type WarmBlocks } from './warm-blocks.js';

export interface TableBuilderOptions {
  /** Target uncompressed size of a data block; a block is cut once it reaches this. */
  blockSize: number;
  /** Bloom filter false-positive rate in (0, 1); 0 builds no filter. */
  bloomFalsePositive: number;
  compression: CompressionName;
  zstdLevel: number;
  /** Recorded in the properties (TableProperties.maxWalId); 0 when not given. */
  maxWalId?: number;
  /**
   * Encrypts every block with this data key and a fresh random IV: a version-2 table
   * (docs/format.md §Encryption). Plain data, so that it crosses to a worker with the job.
   */
  encryption?: DataKey;
  /**
   * Keep copies of the data blocks, uncompressed, in chunks allocated up to this many bytes, for
   * the reader's block cache (warm-blocks.ts; option prepopulateBlockCache). 0 or absent: none.
   */
  warmBytes?: number;
  /** Size of the chunks warmBytes is kept in (warm-blocks.ts); absent: one chunk of WARM_CHUNK_MIN_BYTES or warmBytes, the larger. Tests use small ones. */
  warmChunkBytes?: number;
}

export const DEFAULT_TABLE_BUILDER_OPTIONS: TableBuilderOptions = {
  blockSize: 4096,
  bloomFalsePositive: 0.01,
  compression: 'snappy',
  zstdLevel: 1,
};

/** Writes of a finished table go out in pieces of this size (or the whole file when smaller). */
export const TABLE_WRITE_CHUNK_BYTES = 4 << 20;
/**
 * The output buffer of a released builder, for the next builder of this thread (module state:
 * one per worker). Each builder grew its own from 64 KiB by doubling, about 8 MiB of garbage per
 * table; a compaction writes many 2 MiB tables, and a worker's heap kept that garbage until its
 * next GC, growing the worker's malloc arena (which outlives the worker in the process's RSS).
 * Only builders whose caller says it is done with their bytes (release(), TableWriter) give
 * theirs back.
 */
let spareOut: Uint8Array | undefined;
/** The key hashes of the last finished builder of this thread, for the next (the same garbage, by doubling). */
let spareHashes: Uint32Array | undefined;
/** A buffer larger than this (a table with huge blocks) is not kept. */
const SPARE_OUT_MAX_BYTES = 2 * TABLE_WRITE_CHUNK_BYTES;

/** Bits per key a bloom filter costs at 1% false positives, for estimatedSize(). */
const BLOOM_ESTIMATE_BYTES_PER_KEY = 1.25;

export class TableBuilder {
  /** The file's bytes from `base` to `pos`; what lies before `base` went out through drain(). */
  private out: Uint8Array;
  /** The file position of out[0]. */
  private base = 0;
  /** The file position of the next byte. */
  private pos: number;
  private readonly cipher: FileCipher | undefined;
  private readonly formatVersion: number;
  private readonly headerBytes: number;
  private readonly dataBlock: BlockBuilder;
  private readonly indexBlock = new BlockBuilder(RESTART_INTERVAL, 1024);
  private readonly handleScratch = new Uint8Array(20);
  private lastKey: Uint8Array = new Uint8Array(64);
  private lastKeyLength = 0;
  private hashes: Uint32Array = takeSpareHashes();
  private hashCount = 0;
  private entries = 0;
  private maxVersion = 0;
  private smallest: InternalKey | undefined;
  private readonly vlogBytes = new Map<number, number>();
  private result: TableProperties | undefined;
  private released = false;
  private readonly warm: WarmBlockCollector | undefined;

  constructor(readonly options: TableBuilderOptions) {
    assert(Number.isInteger(options.blockSize) && options.blockSize >= 16, () => `blockSize ${options.blockSize} must be an integer >= 16`);
    assert(
      options.bloomFalsePositive >= 0 && options.bloomFalsePositive < 1,
      () => `bloomFalsePositive ${options.bloomFalsePositive} must be in [0, 1)`,
    );
    assert(options.compression in COMPRESSION_CODE, () => `unknown compression ${String(options.compression)}`);
    this.dataBlock = new BlockBuilder(RESTART_INTERVAL, options.blockSize + options.blockSize / 4);
    const initial = Math.max(64 << 10, options.blockSize * 4);
    const spare = spareOut;
    spareOut = undefined;
    // Zeroed as a new array would be: every byte of a table is written explicitly, but a stale
    // byte must never be able to reach a file.
    this.out = spare !== undefined && spare.length >= initial ? spare.fill(0) : new Uint8Array(initial);
    if (options.encryption === undefined) {
      this.cipher = undefined;
      this.formatVersion = TABLE_FORMAT_VERSION;
      this.headerBytes = HEADER_BYTES;
      writeHeader(this.out, 0);
    } else {
      assert(Number.isInteger(options.encryption.id) && options.encryption.id >= 1 && options.encryption.id <= 0xffff_ffff, 'a data key id is a u32 >= 1');
      this.cipher = FileCipher.forNewFile(options.encryption);
      this.formatVersion = TABLE_FORMAT_VERSION_ENCRYPTED;
      this.headerBytes = ENCRYPTED_HEADER_BYTES;
      writeEncryptedHeader(this.out, this.cipher.keyId, this.cipher.iv);
    }
    this.pos = this.headerBytes;
    const warmBytes = options.warmBytes ?? 0;
    this.warm = warmBytes > 0 ? new WarmBlockCollector(warmBytes, options.warmChunkBytes) : undefined;
  }

  /** The data blocks kept for the reader's cache (options.warmBytes), after finish(); undefined when none were asked for. */
  takeWarmBlocks(): WarmBlocks | undefined {
    assert(this.result !== undefined, 'TableBuilder.takeWarmBlocks before finish');
    return this.warm?.finish();
  }

  get count(): number {
    return this.entries;
  }

  isEmpty(): boolean {
    return this.entries === 0;
  }

  /** Approximate size of the finished file, for cutting tables at a target size. */
  estimatedSize(): number {
    return (
      this.pos +
      this.dataBlock.estimatedSize() +
      this.indexBlock.estimatedSize() +
      Math.ceil(this.hashCount * BLOOM_ESTIMATE_BYTES_PER_KEY) +
      4 * BLOCK_TRAILER_BYTES +
      FOOTER_BYTES
    );
  }

  /** Bytes built and not yet handed out by drain(). */
  get bufferedBytes(): number {
    return this.pos - this.base;
  }

  /**
   * Hands the bytes built so far to `write` (synchronously, as one view that is valid only during
   * the call) and keeps building after them, so a table of any size is written in bounded pieces
   * instead of being held whole in memory (a flush of a full memtable or an L0->L0 compaction
   * builds hundreds of MiB). finish() then returns only what was not drained.
   */
  drain(write: (bytes: Uint8Array) => void): void {
    assert(this.result === undefined && !this.released, 'TableBuilder.drain after finish or release');
    if (this.pos === this.base) return;
    write(this.out.subarray(0, this.pos - this.base));
    this.base = this.pos;
  }

  /** Adds an entry. Keys must be strictly increasing internal keys (checked always: it is cheap). */
  add(key: InternalKey, value: Uint8Array): void {
    assert(this.result === undefined && !this.released, 'TableBuilder.add after finish or release');
    assert(key.length >= VERSION_BYTES, () => `internal key of ${key.length} bytes is shorter than its version`);
    const userLength = key.length - VERSION_BYTES;
    let newUserKey = true;
    if (this.entries === 0) {
      this.smallest = copyBytes(key);
    } else {
      const c = compareInternalRanges(this.lastKey, 0, this.lastKeyLength, key, 0, key.length);
      assert(c < 0, () => `TableBuilder keys out of order: ${formatInternalKey(this.lastKey.slice(0, this.lastKeyLength))} then ${formatInternalKey(key)}`);
      newUserKey = !sameUserPrefix(this.lastKey, this.lastKeyLength - VERSION_BYTES, key, userLength);
    }
    if (newUserKey) this.addHash(hashKey(key.subarray(0, userLength)));
    const version = readVersion(key, userLength);
    if (version > this.maxVersion) this.maxVersion = version;
    if (value.length > 0 && (value[0]! & META_VALUE_POINTER) !== 0) this.countValuePointer(value);

    if (key.length > this.lastKey.length) this.lastKey = new Uint8Array(Math.max(key.length, this.lastKey.length * 2));
    this.lastKey.set(key);
    this.lastKeyLength = key.length;
    this.entries++;

    this.dataBlock.add(key, value);
    if (this.dataBlock.estimatedSize() >= this.options.blockSize) this.flushDataBlock();
  }

  /**
   * Finishes the table and returns the file's bytes not yet drained (the whole file when drain()
   * was never called). The builder cannot be used afterwards.
   */
  finish(): Uint8Array {
    assert(this.result === undefined && !this.released, 'TableBuilder.finish called twice or after release');
    assert(this.entries > 0, 'TableBuilder.finish on an empty table: check isEmpty() first');
    if (!this.dataBlock.isEmpty()) this.flushDataBlock();
    const dataEnd = this.pos;

    const index = this.writeBlock(this.indexBlock.finish(), 'none');
    let filterBytes = new Uint8Array(0);
    if (this.options.bloomFalsePositive > 0) {
      filterBytes = BloomFilter.forKeys(this.hashes.subarray(0, this.hashCount), this.options.bloomFalsePositive).encode();
    }
    const filter = this.writeBlock(filterBytes, 'none');
    const largest = copyBytes(this.lastKey, 0, this.lastKeyLength);
    const stored = {
      smallest: this.smallest!,
      largest,
      count: this.entries,
      maxVersion: this.maxVersion,
      compression: this.options.compression,
      vlogBytes: new Map(this.vlogBytes),
      maxWalId: this.options.maxWalId ?? 0,
    };
    const properties = this.writeBlock(encodeProperties(stored), 'none');
    this.ensure(FOOTER_BYTES);
    encodeFooter(this.out, this.pos - this.base, { index, filter, properties, formatVersion: this.formatVersion });
    this.pos += FOOTER_BYTES;

    this.result = {
      ...stored,
      dataBytes: dataEnd - this.headerBytes,
      indexBytes: index.size + BLOCK_TRAILER_BYTES,
      filterBytes: filter.size + BLOCK_TRAILER_BYTES,
      fileBytes: this.pos,
      formatVersion: this.formatVersion,
      keyId: this.cipher?.keyId ?? 0,
    };
    const file = this.out.subarray(0, this.pos - this.base);
    // The filter is built: the hashes are no longer needed, by this builder or by anyone.
    if (this.hashes.byteLength <= SPARE_OUT_MAX_BYTES && (spareHashes === undefined || spareHashes.length < this.hashes.length)) spareHashes = this.hashes;
    this.hashes = new Uint32Array(0);
    return file;
  }

  /**
   * The caller is done with every byte this builder handed out (drain's views, finish's result):
   * its output buffer goes to the next builder of this thread. The builder is unusable after.
   */
  release(): void {
    const out = this.out;
    this.out = new Uint8Array(0);
    this.released = true;
    if (out.length <= SPARE_OUT_MAX_BYTES && (spareOut === undefined || spareOut.length < out.length)) spareOut = out;
  }

  /** The properties of the finished table (after finish()). */
  get properties(): TableProperties {
    assert(this.result !== undefined, 'TableBuilder.properties before finish');
    return this.result;
  }

  private flushDataBlock(): void {
    const raw = this.dataBlock.finish();
    this.warm?.add(raw);
    const handle = this.writeBlock(raw, this.options.compression);
    // The index maps each block's last key to its handle: the first block whose last key is
    // >= a target is the only one that can hold the target.
    const h = this.handleScratch;
    const n = putVarint(h, putVarint(h, 0, handle.offset), handle.size);
    this.indexBlock.add(this.lastKey.subarray(0, this.lastKeyLength), h.subarray(0, n));
    this.dataBlock.reset();
  }

  /** Appends a block (compressed when that saves enough) and its trailer; returns its handle. */
  private writeBlock(raw: Uint8Array, compression: CompressionName): BlockHandle {
    let stored = raw;
    let code: number = COMPRESSION_CODE.none;
    if (compression !== 'none') {
      // A view of the compressor's scratch: copied into `out` below, before the next block.
      const compressed = compressBlockTransient(compression, raw, this.options.zstdLevel);
      if (compressed.length < raw.length - Math.floor(raw.length / MIN_COMPRESSION_SAVING_DIVISOR)) {
        stored = compressed;
        code = COMPRESSION_CODE[compression];
      }
    }
    this.ensure(stored.length + BLOCK_TRAILER_BYTES);
    const offset = this.pos;
    const at = offset - this.base;
    this.out.set(stored, at);
    // After compression (ciphertext does not compress), at the block's own file position.
    if (this.cipher !== undefined) this.cipher.transformInPlace(this.out, at, at + stored.length, offset);
    this.pos = this.base + writeBlockTrailer(this.out, at, stored.length, code, raw.length);
    return { offset, size: stored.length };
  }

  private countValuePointer(value: Uint8Array): void {
    const vp = ValuePointer.decode(decodeValueStruct(value, 'TableBuilder value').value);
    this.vlogBytes.set(vp.fileId, (this.vlogBytes.get(vp.fileId) ?? 0) + vp.length);
  }

  private addHash(hash: number): void {
    if (this.hashCount === this.hashes.length) {
      const grown = new Uint32Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[this.hashCount++] = hash;
  }

  /** @internal Times the output buffer grew: logarithmic in the table's size (a regression test checks). */
  outGrowths = 0;

  private ensure(extra: number): void {
    const need = this.pos - this.base + extra;
    if (need <= this.out.length) return;
    // Doubling, but not past what a writer that drains at TABLE_WRITE_CHUNK_BYTES needs (a chunk
    // and a block) while that is enough: doubling from 64 KiB would reach 8 MiB, kept per thread
    // (spareOut). A builder nobody drains (writeTable) doubles on past it: growing by the need
    // alone copied the whole table once per block.
    const drained = TABLE_WRITE_CHUNK_BYTES + (256 << 10);
    let cap = this.out.length * 2;
    if (cap > drained && need <= drained) cap = drained;
    while (cap < need) cap *= 2;
    this.outGrowths++;
    const grown = new Uint8Array(cap);
    grown.set(this.out.subarray(0, this.pos - this.base));
    this.out = grown;
  }
}

function takeSpareHashes(): Uint32Array {
  const spare = spareHashes;
  spareHashes = undefined;
  return spare ?? new Uint32Array(1024);
}

function sameUserPrefix(a: Uint8Array, aLength: number, b: Uint8Array, bLength: number): boolean {
  if (aLength !== bLength) return false;
  for (let i = 0; i < aLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
