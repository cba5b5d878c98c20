// Node heights for the skiplist, drawn from a seeded Rng ahead of use, so that a memtable can
// bound exactly what a batch will take before it writes the batch's WAL record (Memtable.hasRoomFor).
// Bounding each entry by the tallest possible node instead overestimates a batch of small entries
// about fivefold, and a batch the db accepts might then never fit even an empty memtable.

import type { Rng } from '../base/index.js';
import { HEIGHT_PROBABILITY, MAX_HEIGHT, nodeHeaderBytes } from './arena.js';

export class HeightSource {
  /** Drawn, not yet used heights: drawn[start, end). */
  private drawn = new Uint8Array(64);
  private start = 0;
  private end = 0;

  constructor(private readonly rng: Rng) {}

  /** The next height, 1..MAX_HEIGHT (P(height > h) = HEIGHT_PROBABILITY^h), without using it. */
  peek(): number {
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
      this.drawn[this.end++] = this.draw();
    }
    return this.drawn[this.start]!;
  }

  /** Uses the height peek() returned. */
  consume(): void {
    this.start++;
  }

  /** Bytes of the node headers (towers included) of the next `count` nodes, without using them. */
  headerBytesAhead(count: number): number {
    this.ensure(count);
    let bytes = 0;
    for (let i = this.start, end = this.start + count; i < end; i++) bytes += nodeHeaderBytes(this.drawn[i]!);
    return bytes;
  }

  private ensure(count: number): void {
    if (this.end - this.start >= count) return;
    if (this.start + count > this.drawn.length) {
      // Move the unused heights to the front, into a larger array when count needs one.
      const unused = this.drawn.subarray(this.start, this.end);
      if (count > this.drawn.length) {
        const larger = new Uint8Array(Math.max(count, this.drawn.length * 2));
        larger.set(unused, 0);
        this.drawn = larger;
      } else {
        this.drawn.copyWithin(0, this.start, this.end);
      }
      this.end -= this.start;
      this.start = 0;
    }
    while (this.end - this.start < count) this.drawn[this.end++] = this.draw();
  }

  private draw(): number {
    let height = 1;
    while (height < MAX_HEIGHT && this.rng.next() < HEIGHT_PROBABILITY) height++;
    return height;
  }
}
