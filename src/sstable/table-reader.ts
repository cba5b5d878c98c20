// Opens an SSTable and serves point reads and iterators (docs/format.md §SST.layout; the file
// layout is drawn in format.ts).
//
//   header | data blocks | index | filter | properties | footer
//
// Open reads the header, the footer and the three meta blocks (verifying every checksum) and keeps
// the index, filter and properties in memory. Data blocks are read with positional reads, checked,
// decompressed and decoded, and shared through the block cache. Nothing here is tied to the main
// thread, so a worker can open tables through its own FileSystem.

import {
  ClosedError,
  CorruptionError,
  InternalError,
  IoError,
  MAX_VERSION,
  VERSION_BYTES,
  assert,
  compareRanges,
  crc32Range,
  hex32,
  type InternalKey,
  encodeInternalKey,
  readVersion as readVersionAt,
} from '../base/index.js';
import { FileCipher, type DataKeySource } from '../crypto/index.js';
import type { FileHandle, FileSystem } from '../fs/index.js';
import { Block, BlockIterator } from './block.js';
import { newBlockSlots, type BlockCache, type BlockSlots, type CacheEntry } from './block-cache.js';
import { WARM_PAGE_BYTES, type WarmBlocks } from './warm-blocks.js';
import { BlockIndex } from './block-index.js';
import { BloomFilter, hashKey } from './bloom.js';
import { COMPRESSION_CODE, decompressBlock } from './compression.js';
import { snappyUncompressFromScratch } from './snappy.js';
import {
  BLOCK_TRAILER_BYTES,
  ENCRYPTED_HEADER_BYTES,
  FOOTER_BYTES,
  HEADER_BYTES,
  TABLE_KEY_ID_OFFSET,
  baseName,
  decodeFooter,
  getU32,
  putU64,
} from './format.js';
import { decodeProperties, compressionOfCode, type TableProperties } from './properties.js';
import { TableIterator } from './table-iterator.js';

export interface TableOpenOptions {
  /** Shared cache of decoded data blocks, keyed by (fileId, block offset). */
  cache?: BlockCache<Block>;
  /** Verify the CRC of every data block read (default true). Meta blocks are always verified. */
  verifyChecksums?: boolean;
  /** Data keys, for an encrypted (version 2) table; without them such a table is WRONG_KEY. */
  keys?: DataKeySource;
  /**
   * For a reader that walks the table once, block by block, and never keeps a value past the next
   * step (a compaction input): each iterator decodes the blocks it misses in the cache into one
   * array of its own, reused for every block, instead of a new array per block (the garbage of a
   * compaction worker was most of what it held). A value from such an iterator is valid until the
   * iterator moves to another block; its blocks are never cached. Point reads are unaffected.
   */
  reuseBlockBuffers?: boolean;
}

/** An array an iterator reuses for the contents of every block it decodes (reuseBlockBuffers). */
export interface BlockBuffer {
  bytes: Uint8Array;
}

/**
 * Checks and unpacks one stored block: `stored` holds the block's stored bytes followed by its
 * trailer. Returns the uncompressed contents (a view into `stored` when it was not compressed).
 */
export function unpackBlock(stored: Uint8Array, file: string, offset: number, verifyChecksum: boolean, cipher?: FileCipher): Uint8Array {
  return unpackStored(stored, 0, stored.length, file, offset, verifyChecksum, cipher, false);
}

/**
 * unpackBlock for the stored block (and trailer) in buf[start..end). With `inScratch`, `buf` is
 * reused after this call: the result is always an array of its own (a copy when the block was
 * not compressed), and a snappy block that fits decodes into buf[0..start).
 */
function unpackStored(
  buf: Uint8Array,
  start: number,
  end: number,
  file: string,
  offset: number,
  verifyChecksum: boolean,
  cipher: FileCipher | undefined,
  inScratch: boolean,
  into?: BlockBuffer,
): Uint8Array {
  assert(end - start >= BLOCK_TRAILER_BYTES, 'unpackBlock: shorter than a trailer');
  const trailer = end - BLOCK_TRAILER_BYTES;
  const size = trailer - start;
  const code = buf[trailer]!;
  const rawLength = getU32(buf, trailer + 1);
  if (verifyChecksum) {
    const expected = getU32(buf, trailer + 5);
    const found = crc32Range(buf, start, trailer + 5);
    if (expected !== found) {
      throw new CorruptionError(file, offset, `block checksum mismatch: expected ${hex32(expected)}, found ${hex32(found)}`);
    }
  }
  // The CRC covers the stored (encrypted) bytes; decrypt after it, in place (`buf` is this read's own buffer or the reader's scratch).
  if (cipher !== undefined) cipher.transformInPlace(buf, start, trailer, offset);
  if (code === COMPRESSION_CODE.none) {
    if (rawLength !== size) throw new CorruptionError(file, offset, `uncompressed block of ${size} bytes declares ${rawLength}`);
    if (!inScratch) return buf.subarray(start, trailer);
    if (into === undefined) return buf.slice(start, trailer);
    const out = new Uint8Array(roomIn(into, size).buffer, 0, size);
    out.set(buf.subarray(start, trailer));
    return out;
  }
  const name = compressionOfCode(code);
  if (name === undefined) throw new CorruptionError(file, offset, `unknown block compression code ${code}`);
  let raw: Uint8Array;
  try {
    raw =
      inScratch && code === COMPRESSION_CODE.snappy && rawLength <= start
        ? snappyUncompressFromScratch(buf, start, trailer, rawLength, into === undefined ? undefined : roomIn(into, rawLength))
        : decompressBlock(code, buf.subarray(start, trailer), rawLength);
  } catch (err) {
    throw new CorruptionError(file, offset, `${name} decompression failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (raw.length !== rawLength) {
    throw new CorruptionError(file, offset, `${name} block decompressed to ${raw.length} bytes, trailer says ${rawLength}`);
  }
  return raw;
}

/**
 * Data blocks are read into this array (per thread: module state), at its end, behind room for
 * their decompressed contents. A fresh array per read was garbage as soon as the block was
 * decompressed; at 10M entries, with the block cache churning, that was half the garbage and a
 * good part of the peak RSS of the read path (docs/performance.md).
 */
let blockScratch = new Uint8Array(0);
/** 64 KiB: a 4 KiB block and 60 KiB of room, 14x its stored size (a typical one expands ~2x). */
const BLOCK_SCRATCH_MIN_BYTES = 64 << 10;
/** Output room kept per stored byte when the scratch grows for a large block. */
const BLOCK_SCRATCH_ROOM_FACTOR = 4;
/** Blocks larger than this (huge inline values) get arrays of their own: the scratch never shrinks. */
const BLOCK_SCRATCH_MAX_BYTES = 4 << 20;

/** into.bytes, grown (never shrunk) to hold at least `length` bytes. */
function roomIn(into: BlockBuffer, length: number): Uint8Array {
  if (into.bytes.length < length) into.bytes = new Uint8Array(Math.max(length, 2 * into.bytes.length, 16 << 10));
  return into.bytes;
}

/**
 * Reads, checks and unpacks the data block of `length` stored bytes (trailer included) at
 * `position`; `into`: see TableOpenOptions.reuseBlockBuffers.
 */
function readDataBlock(
  handle: FileHandle,
  file: string,
  position: number,
  length: number,
  verifyChecksum: boolean,
  cipher: FileCipher | undefined,
  into?: BlockBuffer,
): Uint8Array {
  const wanted = Math.max(BLOCK_SCRATCH_MIN_BYTES, length * (BLOCK_SCRATCH_ROOM_FACTOR + 1));
  if (wanted > BLOCK_SCRATCH_MAX_BYTES) {
    return unpackBlock(readExact(handle, file, position, length), file, position, verifyChecksum, cipher);
  }
  if (blockScratch.length < wanted) blockScratch = new Uint8Array(wanted);
  const scratch = blockScratch;
  const at = scratch.length - length;
  readExactInto(handle, file, position, scratch, at, length);
  return unpackStored(scratch, at, scratch.length, file, position, verifyChecksum, cipher, true, into);
}

/** A table's kept blocks (adoptWarmBlocks): chunk c holds blocks [first, end), while its reservation lives. */
interface WarmState {
  readonly chunkOf: Int32Array;
  readonly starts: Int32Array;
  readonly lengths: Int32Array;
  readonly chunks: (WarmChunk | undefined)[];
}

interface WarmChunk {
  readonly data: Uint8Array;
  readonly entry: CacheEntry<Block>;
  readonly first: number;
  readonly end: number;
}

/**
 * Frees the chunks a dropped table still held, once the synchronous code that dropped it is done.
 * Left to the GC, a chunk's ArrayBuffer (old by then) waited for a full collection, which a
 * process that allocates little made rarely: at 10M entries the harness's overwrite peaked ~100
 * MiB higher. Transferring the buffer into a clone nobody keeps moves its memory to a young
 * object, which the next scavenge frees. Safe because nothing can view the chunk any more: its
 * cached blocks left with the table (evictFile), and every iterator that read it held the table.
 */
function releaseWarmChunks(warm: WarmState): void {
  const buffers: ArrayBuffer[] = [];
  for (const chunk of warm.chunks) if (chunk !== undefined) buffers.push(chunk.data.buffer as ArrayBuffer);
  if (buffers.length === 0) return;
  setImmediate(() => {
    for (const b of buffers) if (b.byteLength > 0) structuredClone(b, { transfer: [b] });
  });
}

/** What getUnfiltered found: a caller keeps one and passes it to every call (no result object per get). */
export interface TableHit {
  /** A view into the immutable cached block. */
  value: Uint8Array;
  version: number;
}

/**
 * What a cached block holds beyond its bytes, charged to the cache with them so that
 * `blockCacheSize` bounds the memory the cache keeps, not only its blocks' contents: the
 * ArrayBuffer's heap objects and malloc header, the Block and the cache's entry. Measured: 100,000
 * blocks of 4,204 bytes made and cached as a miss does took 4,825 bytes of RSS each (4,591 for
 * the bare arrays); charged 4,204, a 256 MiB cache held ~294 MiB.
 */
export const CACHED_BLOCK_OVERHEAD_BYTES = 600;

/** Get's search key, rebuilt in place for every call (get is synchronous and never re-entered). */
let targetScratch = new Uint8Array(256);
const EMPTY_VALUE = new Uint8Array(0);
const getIterator = new BlockIterator();

export class Table {
  /** Runs once when the reference count falls to zero (after the file is closed). */
  onZero: (() => void) | undefined;
  readonly name: string;
  private refs = 1;
  private handle: FileHandle | undefined;
  private readonly cache: BlockCache<Block> | undefined;
  private readonly verifyChecksums: boolean;
  /** TableOpenOptions.reuseBlockBuffers. */
  readonly reusesBlockBuffers: boolean;
  private readonly smallestUserEnd: number;
  private readonly largestUserEnd: number;
  /** Decrypts blocks of an encrypted table; undefined for a plain one (no extra work). */
  private readonly cipher: FileCipher | undefined;
  /** This table's data blocks in the cache, by index: a hit is an array load (BlockCache.getAt). */
  private readonly blockSlots: BlockSlots<Block>;
  /** Blocks handed over by the flush that wrote the table (adoptWarmBlocks); undefined when none. */
  private warm: WarmState | undefined;

  private constructor(
    handle: FileHandle,
    readonly path: string,
    readonly fileId: number,
    readonly size: number,
    readonly properties: TableProperties,
    /** @internal the decoded index; the table iterator walks it. */
    readonly index: BlockIndex,
    private readonly filter: BloomFilter | undefined,
    options: TableOpenOptions,
    cipher: FileCipher | undefined,
  ) {
    this.cipher = cipher;
    this.handle = handle;
    this.name = baseName(path);
    this.cache = options.cache;
    this.blockSlots = newBlockSlots<Block>(options.cache === undefined ? 0 : index.length);
    this.verifyChecksums = options.verifyChecksums ?? true;
    this.reusesBlockBuffers = options.reuseBlockBuffers === true;
    this.smallestUserEnd = properties.smallest.length - VERSION_BYTES;
    this.largestUserEnd = properties.largest.length - VERSION_BYTES;
  }

  /**
   * Opens the table at `path`, validating magic, format version and every meta-block checksum.
   * A missing, truncated or damaged file is CORRUPTION; a file that is not a table at all is
   * NOT_A_DATABASE. The returned table holds one reference.
   */
  static open(fs: FileSystem, path: string, fileId: number, options: TableOpenOptions = {}): Table {
    const name = baseName(path);
    let handle: FileHandle;
    try {
      handle = fs.open(path, 'r');
    } catch (err) {
      if (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT') {
        throw new CorruptionError(name, 0, 'table file is missing');
      }
      throw IoError.from(err, 'open table', path);
    }
    try {
      const size = handle.size();
      // The longer (version 2) header when the file has room: its key id is known before any block is read.
      const header = readExact(handle, name, 0, Math.min(size, size >= ENCRYPTED_HEADER_BYTES + FOOTER_BYTES ? ENCRYPTED_HEADER_BYTES : HEADER_BYTES));
      const footerBytes = size >= FOOTER_BYTES ? readExact(handle, name, size - FOOTER_BYTES, FOOTER_BYTES) : new Uint8Array(0);
      const footer = decodeFooter(name, size, header, footerBytes);
      const h = footer.header;
      const cipher = FileCipher.forFile(name, TABLE_KEY_ID_OFFSET, h.keyId, h.iv ?? new Uint8Array(16), options.keys);
      const metaStart = footer.index.offset;
      const meta = readExact(handle, name, metaStart, size - FOOTER_BYTES - metaStart);
      const metaBlock = (b: { offset: number; size: number }): Uint8Array =>
        unpackBlock(meta.subarray(b.offset - metaStart, b.offset - metaStart + b.size + BLOCK_TRAILER_BYTES), name, b.offset, true, cipher);

      // Properties first: the index needs the smallest key to know the bytes every key shares.
      const stored = decodeProperties(metaBlock(footer.properties), name, footer.properties.offset);
      const index = BlockIndex.decode(Block.decode(metaBlock(footer.index), name, footer.index.offset), name, metaStart, h.headerBytes, stored.smallest);
      const filterContents = metaBlock(footer.filter);
      let filter: BloomFilter | undefined;
      if (filterContents.length > 0) {
        try {
          filter = BloomFilter.decode(filterContents);
        } catch (err) {
          // decode names no file; say which table and where.
          throw new CorruptionError(name, footer.filter.offset, `bad filter block: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      const properties: TableProperties = {
        ...stored,
        dataBytes: metaStart - h.headerBytes,
        indexBytes: footer.index.size + BLOCK_TRAILER_BYTES,
        filterBytes: footer.filter.size + BLOCK_TRAILER_BYTES,
        fileBytes: size,
        formatVersion: footer.formatVersion,
        keyId: h.keyId,
      };
      return new Table(handle, path, fileId, size, properties, index, filter, options, cipher);
    } catch (err) {
      handle.close();
      throw err;
    }
  }

  /** False when the bloom filter proves the table holds no version of `userKey`. */
  mayContain(userKey: Uint8Array): boolean {
    return this.filter === undefined || this.filter.mayContain(hashKey(userKey));
  }

  /** mayContain with the key's hashKey() computed once by a caller probing many tables. */
  mayContainHash(hash: number): boolean {
    return this.filter === undefined || this.filter.mayContain(hash);
  }

  /** Whether `userKey` lies within the table's smallest and largest user keys. */
  covers(userKey: Uint8Array): boolean {
    const p = this.properties;
    const n = userKey.length;
    return compareRanges(userKey, 0, n, p.smallest, 0, this.smallestUserEnd) >= 0 && compareRanges(userKey, 0, n, p.largest, 0, this.largestUserEnd) <= 0;
  }

  /**
   * Whether the table's user keys reach into [lower, upper] (both inclusive; undefined is
   * unbounded): an iteration confined to that range needs no iterator over a table that does not.
   */
  overlaps(lower: Uint8Array | undefined, upper: Uint8Array | undefined): boolean {
    const p = this.properties;
    if (lower !== undefined && compareRanges(p.largest, 0, this.largestUserEnd, lower, 0, lower.length) < 0) return false;
    return upper === undefined || compareRanges(p.smallest, 0, this.smallestUserEnd, upper, 0, upper.length) <= 0;
  }

  /**
   * The newest entry of `userKey` with version <= readVersion, or undefined. The returned key is
   * a copy; the value is a view into an immutable cached block.
   */
  get(userKey: Uint8Array, readVersion: number = MAX_VERSION): { key: InternalKey; value: Uint8Array } | undefined {
    if (this.handle === undefined) throw new ClosedError(`table ${this.name}`);
    if (!this.covers(userKey)) return undefined;
    if (this.filter !== undefined && !this.filter.mayContain(hashKey(userKey))) return undefined;
    const hit: TableHit = { value: EMPTY_VALUE, version: 0 };
    return this.getUnfiltered(userKey, readVersion, hit) ? { key: encodeInternalKey(userKey, hit.version), value: hit.value } : undefined;
  }

  /**
   * get() for a caller that has already checked covers() and the bloom filter (the read path,
   * which hashes the key once for every table it probes). On a hit fills `hit` and returns true;
   * the one allocation is the value's view (the key is not copied).
   */
  getUnfiltered(userKey: Uint8Array, readVersion: number, hit: TableHit): boolean {
    if (this.handle === undefined) throw new ClosedError(`table ${this.name}`);
    const n = userKey.length;

    if (targetScratch.length < n + VERSION_BYTES) targetScratch = new Uint8Array((n + VERSION_BYTES) * 2);
    const target = targetScratch;
    for (let j = 0; j < n; j++) target[j] = userKey[j]!; // short keys: a loop beats TypedArray.set
    assert(readVersion >= 0, 'Table.get: read version must be >= 0');
    putU64(target, n, readVersion > MAX_VERSION ? MAX_VERSION : readVersion);
    const end = n + VERSION_BYTES;

    const index = this.index;
    // A key the table covers begins with the bytes all its keys share: every compare skips them.
    const shares = index.shares(target, 0, end);
    const i = index.find(target, 0, end, shares);
    if (i === this.index.length) return false;
    const it = getIterator;
    it.reset(this.blockAt(i));
    it.seekRange(target, 0, end, shares ? index.sharedBytes : 0);
    // The first entry >= (userKey, readVersion) is the newest visible version, if the user key matches.
    const found = it.valid() && it.keyLength === end && compareRanges(it.keyBuffer, 0, n, userKey, 0, n) === 0;
    if (found) {
      const data = it.blockData;
      // new Uint8Array(buffer, ...) costs about half of subarray (no species lookup).
      hit.value = new Uint8Array(data.buffer, data.byteOffset + it.valueStart, it.valueEnd - it.valueStart);
      hit.version = readVersionAt(it.keyBuffer, n);
    }
    it.close(); // drop the block reference: the cache decides how long blocks live
    return found;
  }

  /** An iterator over every entry; it holds a reference to the table until closed. */
  iterator(): TableIterator {
    this.ref();
    return new TableIterator(this);
  }

  /**
   * @internal Data block i, through the cache. `into`: a missed block is decoded into into.bytes
   * (a view of it, valid until the next call with the same `into`) and not cached.
   */
  blockAt(i: number, into?: BlockBuffer): Block {
    const handle = this.handle;
    if (handle === undefined) throw new ClosedError(`table ${this.name}`);
    const offset = this.index.offsets[i]!;
    const cache = this.cache;
    if (cache !== undefined) {
      const cached = cache.getAt(this.blockSlots, i);
      if (cached !== undefined) return cached;
    }
    if (this.warm !== undefined) {
      const block = this.warmBlockAt(i, offset, into === undefined);
      if (block !== undefined) return block;
    }
    const contents = readDataBlock(handle, this.name, offset, this.index.sizes[i]! + BLOCK_TRAILER_BYTES, this.verifyChecksums, this.cipher, into);
    const block = Block.decode(contents, this.name, offset, contents.byteLength);
    if (cache !== undefined && into === undefined) cache.setAt(this.blockSlots, i, this.fileId, offset, block, block.sizeBytes + CACHED_BLOCK_OVERHEAD_BYTES);
    return block;
  }

  /**
   * Takes the blocks a flush kept of this table (TableBuilderOptions.warmBytes) into the cache:
   * each chunk becomes a reservation charged its bytes, while there is free room (a chunk that
   * does not fit is let go, with every one after it). A missed block in a held chunk is then a
   * view into it: no read, checksum or decompression. The blocks are the very contents the
   * builder compressed into the file.
   */
  adoptWarmBlocks(warm: WarmBlocks): void {
    const cache = this.cache;
    if (cache === undefined || this.warm !== undefined) return;
    const n = this.index.length;
    // No closure in this function may see `warm`: a closure keeps its whole scope, and the
    // onDrop below lives as long as its cache entry (it would keep every chunk alive).
    if (warm.chunkOf.length !== n || warm.starts.length !== n || warm.lengths.length !== n) {
      throw new InternalError(`table ${this.name}: kept blocks for ${warm.chunkOf.length} blocks, the table has ${n}`);
    }
    const state: WarmState = { chunkOf: warm.chunkOf, starts: warm.starts, lengths: warm.lengths, chunks: [] };
    let i = 0;
    for (let c = 0; c < warm.chunks.length; c++) {
      while (i < n && warm.chunkOf[i] !== c) i++;
      const first = i;
      while (i < n && warm.chunkOf[i] === c) i++;
      if (first === i) throw new InternalError(`table ${this.name}: kept chunk ${c} holds no block`);
      const data = new Uint8Array(warm.chunks[c]!);
      // What the chunk holds: the pages its blocks touched (the rest of its mapping never was).
      const used = warm.starts[i - 1]! + warm.lengths[i - 1]!;
      const held = Math.ceil(used / WARM_PAGE_BYTES) * WARM_PAGE_BYTES;
      // Block offsets are at least a trailer apart, so (first block's offset + 1) names no block.
      const entry = cache.reserve(this.fileId, this.index.offsets[first]! + 1, held + CACHED_BLOCK_OVERHEAD_BYTES, this.warmChunkDropper(c));
      if (entry === undefined) break;
      state.chunks.push({ data, entry, first, end: i });
    }
    if (state.chunks.length > 0) this.warm = state;
  }

  /** onDrop of chunk c's reservation, made here so that its closure holds only the table and c. */
  private warmChunkDropper(c: number): () => void {
    return () => this.dropWarmChunk(c);
  }

  /** Block i from a held chunk of kept blocks, cached (as a view, charged only its overhead) when `cacheIt`. */
  private warmBlockAt(i: number, offset: number, cacheIt: boolean): Block | undefined {
    const warm = this.warm!;
    const c = warm.chunkOf[i]!;
    const chunk = c >= 0 ? warm.chunks[c] : undefined;
    if (chunk === undefined) return undefined;
    const cache = this.cache!;
    cache.touch(chunk.entry);
    const data = chunk.data;
    const view = new Uint8Array(data.buffer, data.byteOffset + warm.starts[i]!, warm.lengths[i]!);
    const block = Block.decode(view, this.name, offset, view.byteLength);
    if (cacheIt) {
      cache.recountAsHit();
      cache.setAt(this.blockSlots, i, this.fileId, offset, block, CACHED_BLOCK_OVERHEAD_BYTES);
      // Making room for the view may have evicted its own chunk: a view must not outlive it.
      if (!chunk.entry.live) cache.removeAt(this.blockSlots, i);
    }
    return block;
  }

  /** Eviction took chunk c's reservation: its views leave the cache with it (they hold its memory). */
  private dropWarmChunk(c: number): void {
    const warm = this.warm;
    const chunk = warm?.chunks[c];
    if (warm === undefined || chunk === undefined) return;
    warm.chunks[c] = undefined;
    const cache = this.cache!;
    const slots = this.blockSlots;
    const buffer = chunk.data.buffer;
    for (let i = chunk.first; i < chunk.end; i++) {
      if (slots[i]?.value.data.buffer === buffer) cache.removeAt(slots, i);
    }
    if (warm.chunks.every((x) => x === undefined)) this.warm = undefined;
  }

  /** Data blocks in the table. */
  get blockCount(): number {
    return this.index.length;
  }

  get refCount(): number {
    return this.refs;
  }

  ref(): void {
    assert(this.refs > 0, () => `table ${this.name}: ref() after the last reference was dropped`);
    this.refs++;
  }

  /** Drops a reference; at zero the file closes, its blocks leave the cache and onZero runs. */
  unref(): void {
    assert(this.refs > 0, () => `table ${this.name}: unref() without a reference`);
    if (--this.refs > 0) return;
    this.closeHandle();
    const warm = this.warm;
    this.warm = undefined;
    this.cache?.evictFile(this.fileId);
    if (warm !== undefined) releaseWarmChunks(warm);
    const onZero = this.onZero;
    this.onZero = undefined;
    onZero?.();
  }

  /**
   * Closes the file now, whatever the reference count (database shutdown). Later reads throw
   * CLOSED. Does not run onZero: the file is not being dropped.
   */
  close(): void {
    this.closeHandle();
  }

  private closeHandle(): void {
    const handle = this.handle;
    this.handle = undefined;
    handle?.close();
  }
}

/** Reads exactly `length` bytes at `position`; a short read means the file is truncated. */
function readExact(handle: FileHandle, file: string, position: number, length: number): Uint8Array {
  const buf = new Uint8Array(length);
  readExactInto(handle, file, position, buf, 0, length);
  return buf;
}

/** readExact into buf[at..at + length). */
function readExactInto(handle: FileHandle, file: string, position: number, buf: Uint8Array, at: number, length: number): void {
  let n: number;
  try {
    n = handle.read(buf, at, length, position);
  } catch (err) {
    throw IoError.from(err, `read ${length} bytes at ${position}`, file);
  }
  if (n !== length) throw new CorruptionError(file, position, `expected ${length} bytes, the file ends after ${n} (truncated)`);
}
