// Iterates a whole table: a position in the block index plus an iterator inside that block
// (a two-level iterator, as LevelDB's). Blocks come through the table's block cache.

import { assert, type InternalIterator, type InternalKey } from '../base/index.js';
import { BlockIterator } from './block.js';
import { compareInternalRanges } from './key-compare.js';
import type { BlockBuffer, Table } from './table-reader.js';

export class TableIterator implements InternalIterator {
  private readonly blockIter = new BlockIterator();
  /** Index of the block blockIter walks; -1 or blockCount when positioned nowhere. */
  private blockIndex = -1;
  private isValid = false;
  private closed = false;
  /** Where missed blocks are decoded when the table reuses block buffers (TableOpenOptions.reuseBlockBuffers). */
  private readonly blockBuffer: BlockBuffer | undefined;

  constructor(private readonly table: Table) {
    this.blockBuffer = table.reusesBlockBuffers ? { bytes: new Uint8Array(0) } : undefined;
  }

  valid(): boolean {
    return this.isValid;
  }

  key(): InternalKey {
    return this.blockIter.key();
  }

  value(): Uint8Array {
    return this.blockIter.value();
  }

  seekToFirst(): void {
    this.checkOpen();
    this.loadBlock(0);
    this.blockIter.seekToFirst();
    this.skipForward();
  }

  seekToLast(): void {
    this.checkOpen();
    this.loadBlock(this.table.index.length - 1);
    this.blockIter.seekToLast();
    this.skipBackward();
  }

  seek(target: InternalKey): void {
    this.checkOpen();
    const i = this.table.index.find(target, 0, target.length);
    if (i === this.table.index.length) {
      this.invalidate(i);
      return;
    }
    this.loadBlock(i);
    this.blockIter.seekRange(target, 0, target.length);
    this.skipForward();
  }

  seekForPrev(target: InternalKey): void {
    this.seek(target);
    if (!this.isValid) {
      this.seekToLast();
      return;
    }
    const it = this.blockIter;
    if (compareInternalRanges(it.keyBuffer, 0, it.keyLength, target, 0, target.length) > 0) this.prev();
  }

  next(): void {
    if (!this.isValid) return;
    this.blockIter.next();
    this.skipForward();
  }

  prev(): void {
    if (!this.isValid) return;
    this.blockIter.prev();
    this.skipBackward();
  }

  /** Releases the table reference the iterator holds. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.isValid = false;
    this.blockIter.close();
    this.table.unref();
  }

  /** Past the end of a block, continue with the first entry of the next one. */
  private skipForward(): void {
    while (!this.blockIter.valid()) {
      const next = this.blockIndex + 1;
      if (next >= this.table.index.length) {
        this.invalidate(this.table.index.length);
        return;
      }
      this.loadBlock(next);
      this.blockIter.seekToFirst();
    }
    this.isValid = true;
  }

  /** Before the start of a block, continue with the last entry of the previous one. */
  private skipBackward(): void {
    while (!this.blockIter.valid()) {
      const previous = this.blockIndex - 1;
      if (previous < 0) {
        this.invalidate(-1);
        return;
      }
      this.loadBlock(previous);
      this.blockIter.seekToLast();
    }
    this.isValid = true;
  }

  private loadBlock(i: number): void {
    if (i !== this.blockIndex || !this.isValid) this.blockIter.reset(this.table.blockAt(i, this.blockBuffer));
    this.blockIndex = i;
  }

  private invalidate(blockIndex: number): void {
    this.blockIndex = blockIndex;
    this.isValid = false;
    this.blockIter.close();
  }

  private checkOpen(): void {
    assert(!this.closed, 'TableIterator used after close');
  }
}
