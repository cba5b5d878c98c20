// The user-facing iterator: walks the merged sources at a fixed read version, yields the newest
// visible version of each user key, hides tombstones and expired entries, and applies bounds,
// prefix, direction and limit. Usable with for...of and for await...of.

import {
  bufferCopy,
  MAX_VERSION,
  compareRanges,
  decodeValueStruct,
  encodeInternalKey,
  isDeleted,
  isExpired,
  readVersion,
  VERSION_BYTES,
  type InternalIterator,
  copyBytes,
  getVarint,
  META_DELETE,
  META_VALUE_POINTER,
} from '../base/index.js';

export interface IteratorOptions {
  prefix?: Uint8Array | string;
  gt?: Uint8Array | string;
  gte?: Uint8Array | string;
  lt?: Uint8Array | string;
  lte?: Uint8Array | string;
  reverse?: boolean;
  limit?: number;
  keys?: boolean;
  values?: boolean;
  /** Every version at or below the read version (tombstones and expired ones too), newest first per key. */
  allVersions?: boolean;
  /** Only versions above this one. */
  sinceVersion?: number;
  /** Attach version, userMeta, expiresAt and deleted to each entry (implied by allVersions). */
  meta?: boolean;
}

/** Per-iterator behaviour beyond bounds and direction. */
export interface IterationMode {
  allVersions: boolean;
  sinceVersion: number;
  withMeta: boolean;
  /** Called with every user key whose newest visible version the iterator decided on (transactions record their reads). */
  onKey: ((key: Uint8Array) => void) | undefined;
  /** Whether an entry's value lived in a value-log file GC has collected. */
  isCollected?: (userKey: Uint8Array, version: number, meta: number, value: Uint8Array) => boolean;
}

/** Bounds already converted to bytes. */
export interface ResolvedBounds {
  lower: Uint8Array | undefined;
  lowerInclusive: boolean;
  upper: Uint8Array | undefined;
  upperInclusive: boolean;
  prefix: Uint8Array | undefined;
}

/**
 * A [key, value] pair; with `meta` or `allVersions` it also carries the entry's version, user meta
 * byte, expiry (ms since the epoch, 0 = none) and whether it is a tombstone (value undefined).
 */
export type IteratorEntry = [key: Buffer | undefined, value: Buffer | undefined] & {
  version?: number;
  userMeta?: number;
  expiresAt?: number;
  deleted?: boolean;
};

export class DBIterator implements Iterable<IteratorEntry>, AsyncIterable<IteratorEntry> {
  private started = false;
  private done = false;
  private yielded = 0;
  /** The user key last decided on (forward): its bytes at the start of a buffer reused as it grows. */
  private lastKeyBuffer = new Uint8Array(64);
  private lastKeyLength = -1;
  /** Set while nextView() runs: entries are views in `viewEntry`, not copies. */
  private viewing = false;
  private readonly viewEntry: [key: Uint8Array | undefined, value: Uint8Array | undefined] = [undefined, undefined];
  /** Forward, after the first key strictly above the lower bound: every later key is too. */
  private pastLower = false;

  constructor(
    private readonly inner: InternalIterator,
    private readonly readVersionValue: number,
    private readonly bounds: ResolvedBounds,
    private readonly reverse: boolean,
    private readonly limit: number,
    private readonly wantKeys: boolean,
    private readonly wantValues: boolean,
    private readonly nowMs: () => number,
    private readonly release: () => void,
    /** The user's value of an entry (reads the value log for a pointer). */
    private readonly resolveValue: (userKey: Uint8Array, meta: number, value: Uint8Array) => Buffer,
    private readonly mode: IterationMode = { allVersions: false, sinceVersion: 0, withMeta: false, onKey: undefined },
  ) {}

  /** The next [key, value], or undefined at the end. */
  nextEntry(): IteratorEntry | undefined {
    if (this.done) return undefined;
    if (this.yielded >= this.limit) {
      this.close();
      return undefined;
    }
    const found = this.reverse ? this.stepReverse() : this.stepForward();
    if (found === undefined) {
      this.close();
      return undefined;
    }
    this.yielded++;
    return found;
  }

  /**
   * As nextEntry(), for a caller that is done with each entry before asking for the next (the
   * table layer decodes rows at once): the returned array is reused, and its key and inline value
   * are views into the memtable or block they live in, valid only until the next call (a block
   * may be read into a buffer the next step reuses). Saves a copy and two allocations per entry.
   */
  nextView(): readonly [key: Uint8Array | undefined, value: Uint8Array | undefined] | undefined {
    this.viewing = true;
    try {
      return this.nextEntry();
    } finally {
      this.viewing = false;
    }
  }

  next(): IteratorResult<IteratorEntry> {
    const entry = this.nextEntry();
    return entry === undefined ? { done: true, value: undefined } : { done: false, value: entry };
  }

  return(): IteratorResult<IteratorEntry> {
    this.close();
    return { done: true, value: undefined };
  }

  [Symbol.iterator](): Iterator<IteratorEntry> {
    return this;
  }

  [Symbol.asyncIterator](): AsyncIterator<IteratorEntry> {
    return {
      next: async () => this.next(),
      return: async () => this.return(),
    };
  }

  /** Releases the tables and memtables the iterator holds. Idempotent. */
  close(): void {
    if (this.done) return;
    this.done = true;
    this.inner.close();
    this.release();
  }

  private stepForward(): IteratorEntry | undefined {
    const it = this.inner;
    if (!this.started) {
      this.started = true;
      const lower = this.lowerStart();
      if (lower === undefined) it.seekToFirst();
      else it.seek(encodeInternalKey(lower, MAX_VERSION));
    } else {
      it.next();
    }
    const { allVersions, sinceVersion } = this.mode;
    for (; it.valid(); it.next()) {
      const key = it.key();
      const userEnd = key.length - VERSION_BYTES;
      if (!allVersions && this.lastKeyLength >= 0 && compareRanges(key, 0, userEnd, this.lastKeyBuffer, 0, this.lastKeyLength) === 0) continue;
      if (!this.pastLower) {
        if (!this.aboveLower(key, userEnd)) continue;
        // Keys come in ascending order: once one is above the bound, so is every later one.
        this.pastLower = true;
      }
      if (!this.belowUpper(key, userEnd)) return undefined;
      const version = readVersion(key, userEnd);
      if (version > this.readVersionValue) continue;
      if (allVersions) {
        if (sinceVersion > 0 && version <= sinceVersion) continue;
        const entry = this.any(key, userEnd, it.value());
        if (entry !== undefined) return entry;
        continue;
      }
      // The newest visible version of this user key: whatever it says decides the key.
      this.rememberKey(key, userEnd);
      this.mode.onKey?.(this.lastKeyBuffer.subarray(0, userEnd));
      if (sinceVersion > 0 && version <= sinceVersion) continue;
      const entry = this.visible(key, userEnd, it.value());
      if (entry !== undefined) return entry;
    }
    return undefined;
  }

  /**
   * An entry of an allVersions iteration: tombstones and expired versions included, marked.
   * Undefined for an older version whose value value-log GC collected (GC keeps only the newest
   * version of a value; docs/design.md).
   */
  private any(key: Uint8Array, userEnd: number, encodedValue: Uint8Array): IteratorEntry | undefined {
    const v = decodeValueStruct(encodedValue);
    if (this.mode.isCollected?.(key.subarray(0, userEnd), readVersion(key, userEnd), v.meta, v.value) === true) return undefined;
    const userKey = key.subarray(0, userEnd);
    const deleted = isDeleted(v.meta) || isExpired(v.expiresAt, this.nowMs());
    const out: IteratorEntry = [this.wantKeys ? bufferCopy(userKey) : undefined, this.wantValues && !isDeleted(v.meta) ? this.resolveValue(userKey, v.meta, v.value) : undefined];
    return Object.assign(out, { version: readVersion(key, userEnd), userMeta: v.userMeta, expiresAt: v.expiresAt, deleted });
  }

  private stepReverse(): IteratorEntry | undefined {
    const it = this.inner;
    if (!this.started) {
      this.started = true;
      const upper = this.upperStart();
      if (upper === undefined) it.seekToLast();
      else it.seekForPrev(encodeInternalKey(upper, 0));
    }
    if (this.mode.allVersions) {
      // The iterator already sits on the next candidate (seeked, or moved on before returning).
      for (; it.valid(); it.prev()) {
        const key = it.key();
        const userEnd = key.length - VERSION_BYTES;
        if (!this.belowUpper(key, userEnd)) continue;
        if (!this.aboveLower(key, userEnd)) return undefined;
        const version = readVersion(key, userEnd);
        if (version > this.readVersionValue || (this.mode.sinceVersion > 0 && version <= this.mode.sinceVersion)) continue;
        const entry = this.any(key, userEnd, it.value());
        if (entry === undefined) continue;
        it.prev();
        return entry;
      }
      return undefined;
    }
    // Going backward, versions of one user key ascend: the last one seen at or below the read
    // version, before the user key changes, is the newest visible.
    while (it.valid()) {
      const key = it.key();
      const userEnd = key.length - VERSION_BYTES;
      if (!this.belowUpper(key, userEnd)) {
        it.prev();
        continue;
      }
      if (!this.aboveLower(key, userEnd)) return undefined;
      const userKey = copyBytes(key, 0, userEnd);
      let bestKey: Uint8Array | undefined;
      let bestValue: Uint8Array | undefined;
      for (; it.valid(); it.prev()) {
        const k = it.key();
        const end = k.length - VERSION_BYTES;
        if (compareRanges(k, 0, end, userKey, 0, userKey.length) !== 0) break;
        if (readVersion(k, end) <= this.readVersionValue) {
          bestKey = copyBytes(k);
          bestValue = copyBytes(it.value());
        }
      }
      if (bestKey !== undefined) {
        this.mode.onKey?.(userKey);
        if (this.mode.sinceVersion > 0 && readVersion(bestKey, bestKey.length - VERSION_BYTES) <= this.mode.sinceVersion) continue;
        const entry = this.visible(bestKey, bestKey.length - VERSION_BYTES, bestValue!);
        if (entry !== undefined) return entry;
      }
    }
    return undefined;
  }

  /** Keeps `key[0, userEnd)` as the last user key without allocating per entry. */
  private rememberKey(key: Uint8Array, userEnd: number): void {
    if (this.lastKeyBuffer.length < userEnd) this.lastKeyBuffer = new Uint8Array(Math.max(userEnd, this.lastKeyBuffer.length * 2));
    const last = this.lastKeyBuffer;
    // Table keys are short: a loop beats set()'s subarray and call.
    if (userEnd <= 64) for (let i = 0; i < userEnd; i++) last[i] = key[i]!;
    else last.set(key.subarray(0, userEnd), 0);
    this.lastKeyLength = userEnd;
  }

  private visible(key: Uint8Array, userEnd: number, encodedValue: Uint8Array): IteratorEntry | undefined {
    if (this.viewing && !this.mode.withMeta) return this.visibleView(key, userEnd, encodedValue);
    const v = decodeValueStruct(encodedValue);
    // The clock is read only for entries with a TTL: most have none.
    if (isDeleted(v.meta) || (v.expiresAt !== 0 && isExpired(v.expiresAt, this.nowMs()))) return undefined;
    const userKey = key.subarray(0, userEnd);
    const out: IteratorEntry = [this.wantKeys ? bufferCopy(userKey) : undefined, this.wantValues ? this.resolveValue(userKey, v.meta, v.value) : undefined];
    if (this.mode.withMeta) Object.assign(out, { version: readVersion(key, userEnd), userMeta: v.userMeta, expiresAt: v.expiresAt, deleted: false });
    return out;
  }

  /** visible() for nextView(): the value struct read in place, no object per entry. */
  private visibleView(key: Uint8Array, userEnd: number, encodedValue: Uint8Array): IteratorEntry | undefined {
    if (encodedValue.length < 3) decodeValueStruct(encodedValue); // throws the corruption error
    const meta = encodedValue[0]!;
    if ((meta & META_DELETE) !== 0) return undefined;
    let start = 3;
    if (encodedValue[2] !== 0) {
      const expiresAt = getVarint(encodedValue, 2, encodedValue.length, varintEnd);
      if (expiresAt < 0) decodeValueStruct(encodedValue); // throws the corruption error
      if (isExpired(expiresAt, this.nowMs())) return undefined;
      start = varintEnd[0]!;
    }
    const out = this.viewEntry;
    out[0] = this.wantKeys ? key.subarray(0, userEnd) : undefined;
    if (!this.wantValues) out[1] = undefined;
    else if ((meta & META_VALUE_POINTER) === 0) out[1] = encodedValue.subarray(start);
    else out[1] = this.resolveValue(key.subarray(0, userEnd), meta, encodedValue.subarray(start));
    return out as unknown as IteratorEntry;
  }

  private lowerStart(): Uint8Array | undefined {
    const { lower, prefix } = this.bounds;
    if (prefix === undefined) return lower;
    if (lower === undefined) return prefix;
    return compareRanges(lower, 0, lower.length, prefix, 0, prefix.length) > 0 ? lower : prefix;
  }

  private upperStart(): Uint8Array | undefined {
    const { upper, prefix } = this.bounds;
    const prefixEnd = prefix === undefined ? undefined : prefixSuccessor(prefix);
    if (upper === undefined) return prefixEnd;
    if (prefixEnd === undefined) return upper;
    return compareRanges(upper, 0, upper.length, prefixEnd, 0, prefixEnd.length) < 0 ? upper : prefixEnd;
  }

  private aboveLower(key: Uint8Array, userEnd: number): boolean {
    const { lower, lowerInclusive } = this.bounds;
    if (this.prefixPosition(key, userEnd) < 0) return false;
    if (lower === undefined) return true;
    const c = compareRanges(key, 0, userEnd, lower, 0, lower.length);
    return lowerInclusive ? c >= 0 : c > 0;
  }

  /** -1: the user key sorts before every key with the prefix; 0: it has the prefix; 1: after. */
  private prefixPosition(key: Uint8Array, userEnd: number): number {
    const { prefix } = this.bounds;
    if (prefix === undefined) return 0;
    const n = Math.min(userEnd, prefix.length);
    const c = compareRanges(key, 0, n, prefix, 0, n);
    if (c !== 0) return c < 0 ? -1 : 1;
    return userEnd < prefix.length ? -1 : 0;
  }

  private belowUpper(key: Uint8Array, userEnd: number): boolean {
    const { upper, upperInclusive } = this.bounds;
    if (this.prefixPosition(key, userEnd) > 0) return false;
    if (upper === undefined) return true;
    const c = compareRanges(key, 0, userEnd, upper, 0, upper.length);
    return upperInclusive ? c <= 0 : c < 0;
  }
}

const varintEnd = [0];

/** The smallest key greater than every key starting with `prefix`, or undefined if none (all 0xff). */
export function prefixSuccessor(prefix: Uint8Array): Uint8Array | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i] !== 0xff) {
      const out = copyBytes(prefix, 0, i + 1);
      out[i]!++;
      return out;
    }
  }
  return undefined;
}
