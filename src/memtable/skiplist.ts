// Arena skiplist (docs/format.md §Memtable arena): a LevelDB-style skiplist whose nodes, keys and
// values all live in one SharedArrayBuffer (see arena.ts for the layout), in internal-key order:
// user key ascending bytewise, then version descending. The user-key part is compared on its own,
// then the versions, never the concatenation.
//
// One writer, on one thread. Readers on the same thread may interleave with puts (an iterator
// sees entries inserted after it was made, as LevelDB's does). A list handed to another thread
// through attach() must be frozen first: the buffer is written with plain stores, and only the
// postMessage that carries it orders those stores before the worker's reads.
//
// Putting a (userKey, version) that is already present replaces its value. The db never writes
// one version twice except when a WAL record is replayed again, where the bytes are the same;
// overwriting makes that replay idempotent instead of an error. The new value bytes are
// appended, so views of the old value stay intact.

import { assert, expensiveInvariants, readVersion, Rng, VERSION_BYTES, writeVersion } from '../base/index.js';
import type { InternalKey, ValueStruct } from '../base/index.js';
import { putValueStruct, valueStructLength } from '../base/index.js';
import {
  align4,
  Arena,
  H_COUNT,
  H_HEIGHT,
  H_MAX_VERSION_HI,
  H_MAX_VERSION_LO,
  HEAD_OFFSET,
  MAX_HEIGHT,
  N_HEIGHT,
  N_KEY_LENGTH,
  N_TOWER,
  N_VALUE_LENGTH,
  N_VALUE_OFFSET,
  nodeHeaderBytes,
  LINK_BYTE_BITS,
  LINK_BYTE_MASK,
  MAX_KEY_BYTES,
} from './arena.js';
import { HeightSource } from './heights.js';
import { SkipListIterator } from './skiplist-iterator.js';

const TWO_32 = 0x1_0000_0000;
const HEAD_WORD = HEAD_OFFSET >> 2;
/** Seed of the height generator when the caller gives none: heights only shape performance. */
export const DEFAULT_SKIPLIST_SEED = 0x5e77;

export class SkipList {
  readonly buffer: SharedArrayBuffer;
  private readonly arena: Arena;
  private readonly u8: Uint8Array;
  private readonly u32: Uint32Array;
  /** undefined for an attached (read-only) list. */
  private readonly heights: HeightSource | undefined;
  /** Splice found by the last search of put: prev[i] is the node after which level i links. */
  private readonly prev = new Uint32Array(MAX_HEIGHT);
  /**
   * For each level below `spliceFresh`, what the search learned there: the bytes the search key
   * shares with prev[i], and the link word from the search key to prev[i]'s next node. Above
   * `spliceFresh` (a search from a kept splice starts part-way up) link() works them out from
   * the keys.
   */
  private readonly prevLcp = new Uint32Array(MAX_HEIGHT);
  private readonly nextInfo = new Uint32Array(MAX_HEIGHT);
  private spliceFresh = 0;
  /** Set by compareFrom: the link word of (search key → node): their common prefix and the node's byte there. */
  private cmpInfo = 0;

  private constructor(arena: Arena, heights: HeightSource | undefined) {
    this.arena = arena;
    this.buffer = arena.buffer;
    this.u8 = arena.u8;
    this.u32 = arena.u32;
    this.heights = heights;
  }

  static create(capacityBytes: number, seed: number = DEFAULT_SKIPLIST_SEED, reuse?: SharedArrayBuffer): SkipList {
    return new SkipList(Arena.create(capacityBytes, reuse), new HeightSource(new Rng(seed)));
  }

  /** A read-only view of a list built elsewhere (e.g. in a worker, from a frozen memtable). */
  static attach(buffer: SharedArrayBuffer): SkipList {
    return new SkipList(Arena.attach(buffer), undefined);
  }

  /** Distinct (userKey, version) entries. */
  get count(): number {
    return this.u32[H_COUNT]!;
  }

  /** Arena bytes in use, header and head node included. */
  sizeBytes(): number {
    return this.arena.used;
  }

  capacityBytes(): number {
    return this.arena.capacity;
  }

  /** Highest version put so far; 0 when empty. */
  get maxVersion(): number {
    return this.u32[H_MAX_VERSION_HI]! * TWO_32 + this.u32[H_MAX_VERSION_LO]!;
  }

  /** Bytes a put of this size may take at most (a node of MAX_HEIGHT), whatever height it draws. */
  spaceNeeded(userKeyLength: number, valueLength: number): number {
    return nodeHeaderBytes(MAX_HEIGHT) + align4(userKeyLength + VERSION_BYTES + valueLength);
  }

  /**
   * Bytes the next `count` puts take beyond the arena-aligned bytes of their keys, versions and
   * values (spaceForData): the headers of the nodes they will create, with the heights already
   * drawn for them. An exact bound for a batch, where spaceNeeded is the worst case per entry. A
   * put that replaces a value creates no node and uses no height.
   */
  nodeBytesAhead(count: number): number {
    assert(this.heights !== undefined, 'an attached skiplist is read-only');
    return this.heights.headerBytesAhead(count);
  }

  /** Arena bytes of an entry's key, version and value (its node header aside): see nodeBytesAhead. */
  spaceForData(userKeyLength: number, valueLength: number): number {
    return align4(userKeyLength + VERSION_BYTES + valueLength);
  }

  /**
   * Inserts (userKey, version) → value, or replaces the value when that pair exists.
   * Returns false, with nothing written, when the arena has no room.
   */
  put(userKey: Uint8Array, version: number, value: Uint8Array, sorted = false): boolean {
    const valueOffset = this.reserve(userKey, version, value.length, sorted);
    if (valueOffset < 0) return false;
    this.u8.set(value, valueOffset);
    this.link();
    return true;
  }

  /** As put, with the value struct encoded straight into the arena (no intermediate buffer). */
  putValueStruct(userKey: Uint8Array, version: number, value: ValueStruct, sorted = false): boolean {
    const length = valueStructLength(value);
    const valueOffset = this.reserve(userKey, version, length, sorted);
    if (valueOffset < 0) return false;
    putValueStruct(this.u8, valueOffset, value);
    this.link();
    return true;
  }

  /**
   * The newest entry of `userKey` with version <= readVersion. `value` is a view into the arena:
   * its bytes never change (see the header), but it keeps the whole arena alive; copy it to keep it
   * past the memtable's life.
   */
  get(userKey: Uint8Array, readVersion: number): { version: number; value: Uint8Array } | undefined {
    const node = this.findGreaterOrEqual(userKey, 0, userKey.length, readVersion);
    if (node === 0) return undefined;
    const w = node >>> 2;
    const keyLength = this.u32[w + N_KEY_LENGTH]!;
    if (keyLength !== userKey.length) return undefined;
    const keyOffset = node + nodeHeaderBytes(this.u32[w + N_HEIGHT]!);
    const u8 = this.u8;
    for (let i = 0; i < keyLength; i++) if (u8[keyOffset + i] !== userKey[i]) return undefined;
    return { version: readVersion_(u8, keyOffset + keyLength), value: this.valueOf(node) };
  }

  iterator(): SkipListIterator {
    return new SkipListIterator(this);
  }

  /** The node the last successful put linked, or whose value it replaced (for KeyIndex). */
  get lastPutNode(): number {
    return this.pendingNode;
  }

  /** Whether node's user key is userKey. */
  hasUserKey(node: number, userKey: Uint8Array): boolean {
    const u32 = this.u32;
    const w = node >>> 2;
    const keyLength = u32[w + N_KEY_LENGTH]!;
    if (keyLength !== userKey.length) return false;
    const keyOffset = node + nodeHeaderBytes(u32[w + N_HEIGHT]!);
    const u8 = this.u8;
    for (let i = 0; i < keyLength; i++) if (u8[keyOffset + i] !== userKey[i]) return false;
    return true;
  }

  /** Whether nodes a and b hold the same user key. */
  sameUserKey(a: number, b: number): boolean {
    const u32 = this.u32;
    const wa = a >>> 2;
    const wb = b >>> 2;
    const keyLength = u32[wa + N_KEY_LENGTH]!;
    if (keyLength !== u32[wb + N_KEY_LENGTH]!) return false;
    const ka = a + nodeHeaderBytes(u32[wa + N_HEIGHT]!);
    const kb = b + nodeHeaderBytes(u32[wb + N_HEIGHT]!);
    const u8 = this.u8;
    for (let i = 0; i < keyLength; i++) if (u8[ka + i] !== u8[kb + i]) return false;
    return true;
  }

  /**
   * From `node` (the newest version of its user key), the first version <= readVersion, or 0 when
   * every version of the key is newer: a user key's versions are adjacent on level 0, newest first.
   */
  visibleFrom(node: number, readVersion: number): number {
    let x = node;
    while (this.versionOf(x) > readVersion) {
      const next = this.nextOf(x);
      if (next === 0 || !this.sameUserKey(next, x)) return 0;
      x = next;
    }
    return x;
  }

  // ---- Writing: reserve() finds the splice and allocates; the caller writes the value; link()
  // makes the node reachable. Values are written before the node is linked, so a list is never
  // observable with a linked node whose value is not there yet.

  private pendingNode = 0; // node to link, or the existing node whose value is replaced
  private pendingHeight = 0; // 0 = replace the value of pendingNode
  private pendingValueOffset = 0;
  private pendingValueLength = 0;
  private pendingVersion = 0;
  /** Set by findGreaterOrEqual: whether the node it returned equals the search key. */
  private exact = false;
  /**
   * Whether `prev` is the splice of the last node linked, moved past it (prev[level] = that node
   * on its levels): a put of a key just after it can start from there (findFromSplice).
   */
  private spliceKept = false;

  /**
   * `sorted`: the caller puts keys in ascending order (a sorted batch), so the search starts from
   * the last put's splice instead of the head: a key close to the last one is found in a few
   * steps instead of two per level, each a likely cache miss in a large arena.
   */
  private reserve(userKey: Uint8Array, version: number, valueLength: number, sorted = false): number {
    const heights = this.heights;
    assert(heights !== undefined, 'an attached skiplist is read-only');
    // Not assert(cond, () => message): no closure per put.
    if (!Number.isSafeInteger(version) || version < 0) assert(false, `version ${version} is not a non-negative safe integer`);
    const keyLength = userKey.length;
    if (keyLength > MAX_KEY_BYTES) assert(false, `a skiplist key of ${keyLength} bytes is over ${MAX_KEY_BYTES}`);
    const found = sorted && this.spliceKept ? this.findFromSplice(userKey, keyLength, version) : this.findGreaterOrEqual(userKey, 0, keyLength, version, this.prev);
    // An exact match returns before the lower levels of the splice are filled.
    this.spliceKept = false;
    if (this.exact) {
      const valueOffset = this.arena.allocate(valueLength);
      if (valueOffset < 0) return -1;
      this.setPending(found, 0, valueOffset, valueLength, version);
      return valueOffset;
    }
    const height = heights.peek();
    const keyOffsetInNode = nodeHeaderBytes(height);
    const node = this.arena.allocate(keyOffsetInNode + keyLength + VERSION_BYTES + valueLength);
    if (node < 0) return -1; // the height stays drawn for the next put: a failed put changes nothing
    heights.consume();
    const u32 = this.u32;
    const w = node >>> 2;
    u32[w + N_KEY_LENGTH] = keyLength;
    u32[w + N_HEIGHT] = height;
    const keyOffset = node + keyOffsetInNode;
    const valueOffset = keyOffset + keyLength + VERSION_BYTES;
    u32[w + N_VALUE_OFFSET] = valueOffset;
    u32[w + N_VALUE_LENGTH] = valueLength;
    // The tower is written by link(), before the node is reachable (a reused arena is not zeroed here).
    this.u8.set(userKey, keyOffset);
    writeVersion(this.u8, keyOffset + keyLength, version);
    this.setPending(node, height, valueOffset, valueLength, version);
    return valueOffset;
  }

  private setPending(node: number, height: number, valueOffset: number, valueLength: number, version: number): void {
    this.pendingNode = node;
    this.pendingHeight = height;
    this.pendingValueOffset = valueOffset;
    this.pendingValueLength = valueLength;
    this.pendingVersion = version;
  }

  private link(): void {
    const u32 = this.u32;
    const node = this.pendingNode;
    const w = node >>> 2;
    const height = this.pendingHeight;
    if (height === 0) {
      u32[w + N_VALUE_OFFSET] = this.pendingValueOffset;
      u32[w + N_VALUE_LENGTH] = this.pendingValueLength;
      return;
    }
    const u8 = this.u8;
    const prev = this.prev;
    const keyOffset = node + nodeHeaderBytes(height);
    const keyLength = u32[w + N_KEY_LENGTH]!;
    const listHeight = u32[H_HEIGHT]!;
    if (height > listHeight) u32[H_HEIGHT] = height;
    for (let level = 0; level < height; level++) {
      if (level >= listHeight) prev[level] = HEAD_OFFSET;
      const before = prev[level]!;
      const p = (before >>> 2) + N_TOWER + 2 * level;
      const t = w + N_TOWER + 2 * level;
      const next = u32[p]!;
      u32[t] = next;
      if (level >= listHeight) {
        u32[t + 1] = 0;
        u32[p + 1] = linkWord(0, keyLength > 0 ? u8[keyOffset]! + 1 : 0);
      } else if (level < this.spliceFresh) {
        // What the search learned on its way down (findGreaterOrEqual).
        u32[t + 1] = next === 0 ? 0 : this.nextInfo[level]!;
        const lcp = this.prevLcp[level]!;
        u32[p + 1] = linkWord(lcp, lcp < keyLength ? u8[keyOffset + lcp]! + 1 : 0);
      } else {
        // Above where a search from the kept splice started: from the keys.
        u32[t + 1] = next === 0 ? 0 : this.linkInfo(node, next);
        u32[p + 1] = this.linkInfo(before, node);
      }
      u32[p] = node;
    }
    if (expensiveInvariants) this.checkNeighbours(node);
    // The splice of a key just after this node: the node itself on its levels, prev above them.
    for (let level = 0; level < height; level++) prev[level] = node;
    this.spliceKept = true;
    u32[H_COUNT] = u32[H_COUNT]! + 1;
    const version = this.pendingVersion;
    if (version > this.maxVersion) {
      u32[H_MAX_VERSION_HI] = Math.floor(version / TWO_32);
      u32[H_MAX_VERSION_LO] = version >>> 0;
    }
  }

  /** The link word of a link from node `a` (or the head) to node `b`: see arena.ts. */
  private linkInfo(a: number, b: number): number {
    const u32 = this.u32;
    const wb = b >>> 2;
    const bKey = b + nodeHeaderBytes(u32[wb + N_HEIGHT]!);
    const bLength = u32[wb + N_KEY_LENGTH]!;
    let lcp = 0;
    if (a !== HEAD_OFFSET) {
      const wa = a >>> 2;
      const aKey = a + nodeHeaderBytes(u32[wa + N_HEIGHT]!);
      const n = Math.min(bLength, u32[wa + N_KEY_LENGTH]!);
      const u8 = this.u8;
      while (lcp < n && u8[aKey + lcp] === u8[bKey + lcp]) lcp++;
    }
    return linkWord(lcp, lcp < bLength ? this.u8[bKey + lcp]! + 1 : 0);
  }

  /**
   * findGreaterOrEqual (filling `prev`) starting from the kept splice: the lowest level whose
   * splice node is below the key and whose next node is not, then a search down from there.
   * Such a level brackets the key on every level above it too (a node between there would also
   * be on the lower level), so prev above it stays right. No level brackets: a search from the head.
   * The climb decides "next is below the key" from the link words as the search does (step), so
   * it reads a next node only when the words cannot tell: in a batch of keys far apart (index
   * entries of random values) it would otherwise read one cold node per level.
   */
  private findFromSplice(key: Uint8Array, length: number, version: number): number {
    const u32 = this.u32;
    const prev = this.prev;
    const listHeight = u32[H_HEIGHT]!;
    let x = -1; // the splice node last compared with the key (one node stands on several levels)
    let below = false; // whether x < key
    let lcp = 0; // bytes x shares with the key
    for (let level = 0; level < listHeight; level++) {
      const at = prev[level]!;
      if (at !== x) {
        x = at;
        below = true;
        lcp = 0;
        if (x !== HEAD_OFFSET) {
          below = this.compareToNode(key, 0, length, version, x) > 0;
          lcp = this.cmpInfo >>> LINK_BYTE_BITS;
        }
      }
      if (!below) continue;
      const p = (x >>> 2) + N_TOWER + 2 * level;
      const next = u32[p]!;
      if (next !== 0) {
        const info = u32[p + 1]!;
        // d > lcp: next agrees with x where the key is greater than x, so the key is above next too.
        if (info >>> LINK_BYTE_BITS > lcp || this.step(key, 0, length, version, lcp, next, info) > 0) continue;
      }
      return this.findGreaterOrEqual(key, 0, length, version, prev, x, level, lcp);
    }
    return this.findGreaterOrEqual(key, 0, length, version, prev);
  }

  private checkNeighbours(node: number): void {
    const before = this.prev[0]!;
    const after = this.nextOf(node);
    if (before !== HEAD_OFFSET) assert(this.compareNodes(before, node) < 0, 'skiplist out of order after insert (before)');
    if (after !== 0) assert(this.compareNodes(node, after) < 0, 'skiplist out of order after insert (after)');
  }

  // ---- Searching. Nodes are byte offsets; 0 means "none" (the header occupies offset 0).
  // These are public for SkipListIterator; they are not part of the folder's API.
  //
  // A search keeps `m`, the bytes the search key shares with the node it stands on. The word
  // beside each link holds d, the bytes that node shares with the next one, and the next node's
  // byte at d (arena.ts). d > m: the next node agrees with this one where the search key is
  // greater, so it is smaller too; d < m: it differs from this one where the search key agrees,
  // so it is greater. d = m: the stored byte against the search key's byte at m decides unless
  // they are equal, and only then are the keys compared, from m + 1. Most steps read neither
  // the next node nor a byte of the shared prefix (table-layer keys share 7 bytes and more).

  /**
   * Sign of (search key - node key) in internal-key order, where the search key is the user key
   * key[start, start + length) at `version`. Compares against the arena bytes in place.
   */
  compareToNode(key: Uint8Array, start: number, length: number, version: number, node: number): number {
    return this.compareFrom(key, start, length, version, node, 0);
  }

  /** As compareToNode, for keys known to agree on their first `from` bytes; sets cmpInfo. */
  private compareFrom(key: Uint8Array, start: number, length: number, version: number, node: number, from: number): number {
    const u32 = this.u32;
    const u8 = this.u8;
    const w = node >>> 2;
    const nodeKeyLength = u32[w + N_KEY_LENGTH]!;
    const nodeKey = node + ((N_TOWER + 2 * u32[w + N_HEIGHT]!) << 2);
    const n = length < nodeKeyLength ? length : nodeKeyLength;
    for (let i = from; i < n; i++) {
      const b = u8[nodeKey + i]!;
      const d = key[start + i]! - b;
      if (d !== 0) {
        this.cmpInfo = linkWord(i, b + 1);
        return d;
      }
    }
    this.cmpInfo = linkWord(n, n < nodeKeyLength ? u8[nodeKey + n]! + 1 : 0);
    if (length !== nodeKeyLength) return length - nodeKeyLength;
    const nodeVersion = readVersion_(u8, nodeKey + nodeKeyLength);
    // Versions descend: a newer node version sorts first, so the search key is greater.
    return nodeVersion > version ? 1 : nodeVersion < version ? -1 : 0;
  }

  compareNodes(a: number, b: number): number {
    const w = a >>> 2;
    const keyOffset = a + nodeHeaderBytes(this.u32[w + N_HEIGHT]!);
    const keyLength = this.u32[w + N_KEY_LENGTH]!;
    return this.compareToNode(this.u8, keyOffset, keyLength, readVersion_(this.u8, keyOffset + keyLength), b);
  }

  /**
   * Sign of (search key - next), where `info` is the word of the link to `next` from a node that
   * shares `m` bytes with the search key and at most m with next (the callers take d > m
   * themselves). Sets cmpInfo to the search key's link word towards next: its common prefix
   * with next (the search's new m when it moves there), and next's byte there.
   */
  private step(key: Uint8Array, start: number, length: number, version: number, m: number, next: number, info: number): number {
    const d = info >>> LINK_BYTE_BITS;
    if (d < m) {
      this.cmpInfo = info; // the search key shares d bytes with the next node too, then differs where it does
      return -1;
    }
    const nextByte = info & LINK_BYTE_MASK;
    const keyByte = m < length ? key[start + m]! + 1 : 0;
    if (nextByte === 0 || keyByte === 0) return this.compareFrom(key, start, length, version, next, m);
    if (keyByte < nextByte) {
      this.cmpInfo = info;
      return -1;
    }
    if (keyByte > nextByte) {
      this.cmpInfo = linkWord(m, nextByte);
      return 1;
    }
    return this.compareFrom(key, start, length, version, next, m + 1);
  }

  /**
   * First node >= the search key, or 0; sets `exact` when it equals the search key. With
   * `splice`, records per level the last node < the search key (not filled when exact).
   * `from`/`fromLevel`/`fromLcp`: a start below the head, a node < the search key sharing
   * `fromLcp` bytes with it.
   */
  findGreaterOrEqual(
    key: Uint8Array,
    start: number,
    length: number,
    version: number,
    splice?: Uint32Array,
    from = HEAD_OFFSET,
    fromLevel = -1,
    fromLcp = 0,
  ): number {
    const u32 = this.u32;
    let x = from;
    let m = fromLcp;
    let level = fromLevel < 0 ? u32[H_HEIGHT]! - 1 : fromLevel;
    if (splice !== undefined) this.spliceFresh = level + 1;
    for (;;) {
      const t = (x >>> 2) + N_TOWER + 2 * level;
      const next = u32[t]!;
      let nextInfo = 0;
      if (next !== 0) {
        const info = u32[t + 1]!;
        // d > m, inline: the commonest step high in the list.
        if (info >>> LINK_BYTE_BITS > m) {
          x = next;
          continue;
        }
        const c = this.step(key, start, length, version, m, next, info);
        if (c > 0) {
          x = next;
          m = this.cmpInfo >>> LINK_BYTE_BITS;
          continue;
        }
        if (c === 0) {
          this.exact = true;
          return next;
        }
        nextInfo = this.cmpInfo;
      }
      if (splice !== undefined) {
        splice[level] = x;
        this.prevLcp[level] = m;
        this.nextInfo[level] = nextInfo;
      }
      if (level === 0) {
        this.exact = false;
        return next;
      }
      level--;
    }
  }

  /** Last node < the search key (orEqual: <=), or 0. */
  findLess(key: Uint8Array, start: number, length: number, version: number, orEqual: boolean): number {
    const u32 = this.u32;
    const limit = orEqual ? 0 : 1; // advance while (search - next) >= limit
    let x = HEAD_OFFSET;
    let m = 0;
    let level = u32[H_HEIGHT]! - 1;
    for (;;) {
      const t = (x >>> 2) + N_TOWER + 2 * level;
      const next = u32[t]!;
      if (next !== 0) {
        const info = u32[t + 1]!;
        if (info >>> LINK_BYTE_BITS > m) {
          x = next;
          continue;
        }
        if (this.step(key, start, length, version, m, next, info) >= limit) {
          x = next;
          m = this.cmpInfo >>> LINK_BYTE_BITS;
          continue;
        }
      }
      if (level === 0) return x === HEAD_OFFSET ? 0 : x;
      level--;
    }
  }

  /** The node before `node`, or 0: a search, as LevelDB does, since nodes link forward only. */
  prevOf(node: number): number {
    const w = node >>> 2;
    const keyOffset = node + nodeHeaderBytes(this.u32[w + N_HEIGHT]!);
    const keyLength = this.u32[w + N_KEY_LENGTH]!;
    return this.findLess(this.u8, keyOffset, keyLength, readVersion_(this.u8, keyOffset + keyLength), false);
  }

  firstNode(): number {
    return this.u32[HEAD_WORD + N_TOWER]!;
  }

  lastNode(): number {
    const u32 = this.u32;
    let x = HEAD_OFFSET;
    for (let level = u32[H_HEIGHT]! - 1; level >= 0; level--) {
      const t = N_TOWER + 2 * level;
      for (let next = u32[(x >>> 2) + t]!; next !== 0; next = u32[(x >>> 2) + t]!) x = next;
    }
    return x === HEAD_OFFSET ? 0 : x;
  }

  nextOf(node: number): number {
    return this.u32[(node >>> 2) + N_TOWER]!;
  }

  /** The encoded internal key of `node`: a view of the arena (user key then version u64 BE). */
  keyOf(node: number): InternalKey {
    const w = node >>> 2;
    const keyOffset = node + nodeHeaderBytes(this.u32[w + N_HEIGHT]!);
    // new Uint8Array(buffer, ...) costs about half of subarray (no species lookup).
    return new Uint8Array(this.buffer, keyOffset, this.u32[w + N_KEY_LENGTH]! + VERSION_BYTES);
  }

  versionOf(node: number): number {
    const w = node >>> 2;
    return readVersion_(this.u8, node + nodeHeaderBytes(this.u32[w + N_HEIGHT]!) + this.u32[w + N_KEY_LENGTH]!);
  }

  valueOf(node: number): Uint8Array {
    const w = node >>> 2;
    const offset = this.u32[w + N_VALUE_OFFSET]!;
    return new Uint8Array(this.buffer, offset, this.u32[w + N_VALUE_LENGTH]!);
  }

  /** Walks the whole list and checks every level's order and the count (tests, SETT_INVARIANTS). */
  checkInvariants(): void {
    const u32 = this.u32;
    const listHeight = u32[H_HEIGHT]!;
    assert(listHeight >= 1 && listHeight <= MAX_HEIGHT, () => `skiplist height ${listHeight} out of range`);
    for (let level = 0; level < MAX_HEIGHT; level++) {
      let n = 0;
      const t = N_TOWER + 2 * level;
      let x = u32[HEAD_WORD + t]!;
      assert(level < listHeight || x === 0, () => `level ${level} above the list height ${listHeight} is linked`);
      for (let prev = 0, from = HEAD_OFFSET; x !== 0; prev = x, from = x, x = u32[(x >>> 2) + t]!) {
        assert(x % 4 === 0 && x < this.arena.used, () => `node offset ${x} outside the used arena`);
        assert(u32[(x >>> 2) + N_HEIGHT]! > level, () => `node ${x} linked at level ${level} above its height`);
        const word = u32[(from >>> 2) + t + 1]!;
        const expected = this.linkInfo(from, x);
        assert(word === expected, () => `level ${level}: link word ${word} beside the link to ${x} != ${expected}`);
        if (prev !== 0) assert(this.compareNodes(prev, x) < 0, () => `level ${level}: node ${prev} !< node ${x}`);
        n++;
      }
      if (level === 0) assert(n === this.count, () => `count ${this.count} but ${n} nodes linked`);
    }
  }
}

/** A link word (arena.ts): common prefix length in the high bits, then a byte + 1 (0: none). */
function linkWord(lcp: number, byte: number): number {
  return lcp * (LINK_BYTE_MASK + 1) + byte;
}

// The base readVersion, under a name that does not clash with get()'s parameter.
const readVersion_ = readVersion;
