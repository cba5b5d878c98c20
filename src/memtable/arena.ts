// The memtable arena (docs/format.md §Memtable arena): one SharedArrayBuffer of fixed capacity
// that holds the skiplist's header, every node, every key and every value. No JS object exists
// per entry, and a worker thread that receives the buffer sees the whole list (SkipList.attach).
//
// The layout never reaches disk, but it crosses threads, so it carries a magic and a layout
// version that attach() checks. All words are u32 in the platform's native byte order (both
// threads run in one process); offsets are byte offsets from the start of the buffer, 4-aligned.
//
//   byte 0                                                                        64
//   +-------+---------+----------+------+-------+--------+--------+--------+------+----------+
//   | magic | layout  | capacity | used | count | height | maxVer | maxVer | head | reserved |
//   |  u32  | version |   u32    | u32  |  u32  |  u32   | hi u32 | lo u32 | u32  | 7 x u32  |
//   +-------+---------+----------+------+-------+--------+--------+--------+------+----------+
//   | head node (64): a node with height MAX_HEIGHT and an empty key, never returned          |
//   +------------------------------------------------------------------------------------------+
//   | nodes, bump-allocated from `used` upward ...                           | free ... | cap  |
//   +------------------------------------------------------------------------------------------+
//
// A node (4-aligned), then its tower: one (next, link) pair of u32 per level, where `next` is the
// byte offset of the next node at that level (0 = none) and `link` describes that next node
// against this one: d, the length of the user keys' common prefix, in bits 31..9, and in bits
// 8..0 the next node's user-key byte at d, plus 1 (0 when its key has no byte there):
//
//   +------------+------------+--------------+--------------+----------------------------+
//   | keyLen u32 | height u32 | valueOff u32 | valueLen u32 | (next u32, link u32) x height |
//   +------------+------------+--------------+--------------+----------------------------+
//   | user key (keyLen bytes) | version u64 BE | value (valueLen bytes) | pad to 4 |
//   +-------------------------+----------------+------------------------+----------+
//
// The link word lets a search decide most steps without touching the next node or comparing
// the bytes every key around it shares (skiplist.ts, "Searching"): at 1M entries the list is far
// larger than the CPU caches, so a search is bounded by cache misses, and table-layer keys share
// their first 7+ bytes, so a full compare walks those first. The head node's links have d = 0.
//
// The user key and the 8-byte big-endian version are stored back to back, so the bytes at the
// key offset ARE the encoded internal key (src/base/internal-key.ts) and iterators hand out views
// with no copy. Bytes of keys and values are never rewritten once the node is linked: replacing
// the value of an existing (key, version) appends new value bytes and repoints valueOff/valueLen,
// so every view handed out earlier keeps its bytes.

import { InvalidArgumentError } from '../base/index.js';

// Part of the arena layout shared across threads: never change, add a layout version.
export const ARENA_MAGIC = 0x534b_4c41; // "SKLA"
export const ARENA_LAYOUT_VERSION = 2;

/**
 * Probability that a node of height h also gets level h + 1: 2 links per node on average.
 * LevelDB uses 1/4 (1.33 links). Here a search is bounded by cache misses, not compares, and the
 * link word beside each link (see the layout above) means a node is only read when the search moves onto it;
 * p = 1/2 moves onto ~1 node per level against ~3 for 1/4, and the bottom levels, the ones that
 * miss the cache, are what counts. Measured at 1M entries (16 B keys, 100 B values, random
 * order): get 1.4-1.5 µs at 1/2, 1.8 µs at 1/4, 1.6-1.8 µs at 1/3; put 1.3-1.4 µs against
 * 1.4 µs; for 3.5% more arena.
 */
export const HEIGHT_PROBABILITY = 0.5;
/** Tallest node: enough for 2^20 (~1M) entries at p = 1/2; above that the top level grows slowly. */
export const MAX_HEIGHT = 20;

// Header words and node words: part of the arena layout shared across threads; never change
// one, add a layout version.
export const H_MAGIC = 0;
export const H_LAYOUT_VERSION = 1;
export const H_CAPACITY = 2;
export const H_USED = 3;
export const H_COUNT = 4;
export const H_HEIGHT = 5;
export const H_MAX_VERSION_HI = 6;
export const H_MAX_VERSION_LO = 7;
export const H_HEAD = 8;
/** The link word: the next node's byte at d (plus 1) in its low LINK_BYTE_BITS bits, d above them. */
export const LINK_BYTE_BITS = 9;
export const LINK_BYTE_MASK = (1 << LINK_BYTE_BITS) - 1;
/** Longest user key a link word can describe (d < 2^23); the db's keys stop at 65,000 bytes. */
export const MAX_KEY_BYTES = 2 ** (32 - LINK_BYTE_BITS) - 1;
export const HEADER_BYTES = 64;

// Node words, relative to the node's first word.
export const N_KEY_LENGTH = 0;
export const N_HEIGHT = 1;
export const N_VALUE_OFFSET = 2;
export const N_VALUE_LENGTH = 3;
/** Tower: word N_TOWER + 2 * level is next[level], the word after it that link's word. */
export const N_TOWER = 4;
/** Bytes of a node before its key, given its height. */
export function nodeHeaderBytes(height: number): number {
  return (N_TOWER + 2 * height) * 4;
}

export const HEAD_OFFSET = HEADER_BYTES;
/** Bytes the header and the head node take: an empty arena's `used`. */
export const ARENA_OVERHEAD_BYTES = HEAD_OFFSET + nodeHeaderBytes(MAX_HEIGHT);
/** u32 offsets address the arena; keep the last word addressable. */
export const MAX_ARENA_BYTES = 0xffff_fffc;

export function align4(n: number): number {
  return (n + 3) & ~3;
}

/** The buffer and its views, plus the bump allocator. */
export class Arena {
  readonly buffer: SharedArrayBuffer;
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.u8 = new Uint8Array(buffer);
    this.u32 = new Uint32Array(buffer);
  }

  /**
   * A fresh arena: header written, head node of MAX_HEIGHT with no successors. `reuse`: the
   * buffer of an arena nothing reads any more (ArenaPool), of exactly this capacity, used instead
   * of a new one. Only the header and the head node are zeroed: everything else is past `used`,
   * where nothing reads before the bump allocator hands it out and the writer fills it (a node's
   * words, key, version and value are written by reserve(), its tower by link(), before the node
   * is reachable; alignment padding is never read).
   */
  static create(capacityBytes: number, reuse?: SharedArrayBuffer): Arena {
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes < ARENA_OVERHEAD_BYTES || capacityBytes > MAX_ARENA_BYTES) {
      throw new InvalidArgumentError(
        `arena capacity must be an integer in [${ARENA_OVERHEAD_BYTES}, ${MAX_ARENA_BYTES}] bytes, got ${capacityBytes}`,
      );
    }
    // Rounded down: the arena never hands out more than was asked for.
    const bytes = capacityBytes & ~3;
    if (reuse !== undefined && reuse.byteLength !== bytes) {
      throw new InvalidArgumentError(`a reused arena buffer has ${reuse.byteLength} bytes, the arena ${bytes}`);
    }
    const arena = new Arena(reuse ?? new SharedArrayBuffer(bytes));
    const u32 = arena.u32;
    if (reuse !== undefined) u32.fill(0, 0, ARENA_OVERHEAD_BYTES >> 2);
    u32[H_MAGIC] = ARENA_MAGIC;
    u32[H_LAYOUT_VERSION] = ARENA_LAYOUT_VERSION;
    u32[H_CAPACITY] = arena.buffer.byteLength;
    u32[H_USED] = ARENA_OVERHEAD_BYTES;
    u32[H_COUNT] = 0;
    u32[H_HEIGHT] = 1;
    u32[H_HEAD] = HEAD_OFFSET;
    u32[(HEAD_OFFSET >> 2) + N_HEIGHT] = MAX_HEIGHT;
    return arena;
  }

  /** Wraps a buffer made by create(), after checking that it is one. */
  static attach(buffer: SharedArrayBuffer): Arena {
    if (!(buffer instanceof SharedArrayBuffer)) {
      throw new InvalidArgumentError('SkipList.attach needs the SharedArrayBuffer of a skiplist');
    }
    if (buffer.byteLength < ARENA_OVERHEAD_BYTES || buffer.byteLength % 4 !== 0) {
      throw new InvalidArgumentError(`a buffer of ${buffer.byteLength} bytes is not a memtable arena`);
    }
    const arena = new Arena(buffer);
    const u32 = arena.u32;
    const magic = u32[H_MAGIC]!;
    if (magic !== ARENA_MAGIC) {
      throw new InvalidArgumentError(`not a memtable arena: magic 0x${hex(magic)} != 0x${hex(ARENA_MAGIC)}`);
    }
    const version = u32[H_LAYOUT_VERSION]!;
    if (version !== ARENA_LAYOUT_VERSION) {
      throw new InvalidArgumentError(`memtable arena layout version ${version}, this build reads ${ARENA_LAYOUT_VERSION}`);
    }
    const used = u32[H_USED]!;
    if (u32[H_CAPACITY] !== buffer.byteLength || used < ARENA_OVERHEAD_BYTES || used > buffer.byteLength) {
      throw new InvalidArgumentError(
        `memtable arena header says capacity ${u32[H_CAPACITY]} and used ${used}, buffer has ${buffer.byteLength} bytes`,
      );
    }
    return arena;
  }

  get used(): number {
    return this.u32[H_USED]!;
  }

  get capacity(): number {
    return this.u32[H_CAPACITY]!;
  }

  available(): number {
    return this.u32[H_CAPACITY]! - this.u32[H_USED]!;
  }

  /** Reserves `bytes` (rounded up to 4); returns the offset, or -1 when it does not fit. */
  allocate(bytes: number): number {
    const u32 = this.u32;
    const offset = u32[H_USED]!;
    const end = offset + align4(bytes);
    if (end > u32[H_CAPACITY]!) return -1;
    u32[H_USED] = end;
    return offset;
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
