// A position in the Level key space at a fixed version: the sett iterator behind every Level
// iterator and behind clear(). It reads from a sett Snapshot, so seek() can start a fresh sett
// iterator at the same version (sett iterators only run forward from where they were created).

import type { DBIterator, IteratorEntry, Snapshot } from '../db/index.js';
import { snapshotNotOpen } from './errors.js';
import { seekBounds, settRangeOptions, type Bounds } from './range.js';

export interface CursorOptions {
  reverse: boolean;
  keys: boolean;
  values: boolean;
}

export class Cursor {
  private inner: DBIterator | undefined;
  /** The range still to visit; undefined once a seek left the original range. */
  private bounds: Bounds | undefined;
  private closed = false;

  constructor(
    /** Fixes the version read; an implicit snapshot of the iterator or an explicit one. */
    private readonly source: Snapshot,
    /** Whether the cursor took `source` itself (and releases it on close). */
    private readonly ownsSource: boolean,
    private readonly range: Bounds,
    private readonly options: CursorOptions,
  ) {
    this.bounds = range;
  }

  /** The next [settKey, value] (either undefined if not wanted), or undefined at the end. */
  next(): IteratorEntry | undefined {
    if (this.closed || this.bounds === undefined) return undefined;
    if (this.inner === undefined) {
      if (this.source.isReleased) throw snapshotNotOpen();
      this.inner = this.source.iterator({ ...settRangeOptions(this.bounds), ...this.options });
    }
    return this.inner.nextEntry();
  }

  /** Continues from `target` (a sett key), within the original range. */
  seek(target: Buffer): void {
    if (this.closed) return;
    this.inner?.close();
    this.inner = undefined;
    this.bounds = seekBounds(this.range, target, this.options.reverse);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.inner?.close();
    this.inner = undefined;
    if (this.ownsSource) this.source.release();
  }
}
