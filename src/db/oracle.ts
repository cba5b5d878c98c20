// Conflict detection for serializable snapshot isolation (Badger's oracle): a read-write
// transaction records the keys it read; its commit fails with CONFLICT if a write committed after
// its read version touched any of them. Checked inside the single writer, when the
// transaction's group commits, so check and commit are one atomic step.
//
// Bounded (docs/design.md §Conflict detection and its bounds): the oracle keeps, per key, the
// newest version that wrote it, for versions after the oldest open read-write transaction's read
// version. A transaction left open while writes go on would grow that without end, so past
// `maxKeys` (or `maxKeyBytes`) the oldest keys are forgotten: a transaction that began before the
// newest forgotten version can no longer be proven free of conflicts, and its commit fails with
// CONFLICT (it was open too long). Younger transactions are checked exactly as before.

import { assert } from '../base/index.js';

/** What a committing transaction brings for the check. */
export interface ConflictCheck {
  readVersion: number;
  /** Keys read, as latin1 strings (exact, no hash collisions). */
  reads: ReadonlySet<string>;
}

/**
 * Buffer's latin1 decoder called on the key itself: a Buffer view per key (Buffer.from, then
 * toString) cost ~450 ns against ~120 ns, and a transaction takes one per write and per read.
 * Not in Node's documented API, so a build without it falls back to the view.
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, start: number, end: number) => string }).latin1Slice;

export function keyString(key: Uint8Array): string {
  if (latin1Slice !== undefined) return latin1Slice.call(key, 0, key.length);
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

/** Default bound on the keys the oracle tracks (the `maxConflictKeys` option). */
export const defaultMaxConflictKeys = 1_000_000;
/** Bound on the bytes of the keys it tracks, whatever their number (keys may be 65,000 bytes long). */
export const maxConflictKeyBytes = 64 * 1024 * 1024;
/** What one tracked key costs beyond its bytes (map slot, string header, version), for the byte bound. */
export const conflictKeyOverheadBytes = 64;

/** The verdict on a committing transaction. */
export type ConflictVerdict =
  /** No commit after its read version wrote a key it read. */
  | 'none'
  /** One did: a true conflict. */
  | 'conflict'
  /** Writes after its read version were forgotten (the bound was reached): it cannot be proven free of conflicts. */
  | 'too-old';

export class Oracle {
  /**
   * Per key, the newest version that wrote it. A key written again is moved to the end, so the
   * map's insertion order is version order (versions only grow): the oldest entry is the first.
   */
  private readonly written = new Map<string, number>();
  private keyBytes = 0;
  /** The newest version forgotten to keep within the bound; checks reading below it are 'too-old'. */
  private forgotten = 0;

  constructor(
    readonly maxKeys: number = defaultMaxConflictKeys,
    readonly maxKeyBytes: number = maxConflictKeyBytes,
  ) {}

  /** Whether a write committed after `check.readVersion` touched a key it read: O(keys read). */
  check(check: ConflictCheck): ConflictVerdict {
    if (check.reads.size === 0) return 'none';
    for (const k of check.reads) {
      const v = this.written.get(k);
      if (v !== undefined && v > check.readVersion) return 'conflict';
    }
    return check.readVersion < this.forgotten ? 'too-old' : 'none';
  }

  /** True unless the check is 'none' (a conflict, or one that cannot be ruled out). */
  conflicts(check: ConflictCheck): boolean {
    return this.check(check) !== 'none';
  }

  /** Records a commit's write set; `version` is above every version recorded before. */
  record(version: number, keys: readonly Uint8Array[]): void {
    for (const key of keys) {
      const k = keyString(key);
      const before = this.written.get(k);
      if (before !== undefined) {
        // Insertion order is version order only if versions grow (the writer hands them out in order).
        assert(before <= version, () => `oracle: version ${version} recorded after ${before}`);
        this.written.delete(k);
      } else {
        this.keyBytes += k.length + conflictKeyOverheadBytes;
      }
      this.written.set(k, version);
    }
    this.enforceBound();
  }

  /** Keys tracked now. */
  get size(): number {
    return this.written.size;
  }

  /** The newest version forgotten to stay within the bound (0: none). */
  get forgottenVersion(): number {
    return this.forgotten;
  }

  /** Forgets writes at or below `oldestReadVersion`: no live transaction can conflict with them. */
  prune(oldestReadVersion: number): void {
    this.dropWhile((version) => version <= oldestReadVersion);
  }

  private enforceBound(): void {
    if (this.written.size <= this.maxKeys && this.keyBytes <= this.maxKeyBytes) return;
    this.dropWhile((version) => {
      if (this.written.size <= this.maxKeys && this.keyBytes <= this.maxKeyBytes) return false;
      if (version > this.forgotten) this.forgotten = version;
      return true;
    });
  }

  /** Drops the oldest entries while `drop(version)` says so. */
  private dropWhile(drop: (version: number) => boolean): void {
    // Deleting the entry being visited is allowed while iterating a Map.
    for (const [k, version] of this.written) {
      if (!drop(version)) return;
      this.written.delete(k);
      this.keyBytes -= k.length + conflictKeyOverheadBytes;
    }
  }
}
