// src/sstable/warm-blocks.ts — a new table's data blocks, uncompressed, handed by the thread that
// built the table to the block cache of the thread that reads it (option prepopulateBlockCache,
// after RocksDB's prepopulate_block_cache). Not an on-disk format.
//
// Why: a block read after a flush otherwise costs a pread, a checksum, a snappy decode and a
// fresh array (~25 µs on the machines we measure on, docs/performance.md), while the flush
// worker held those very bytes a moment earlier. The builder copies each data block, as it was
// before compression, into a chunk; the chunk crosses to the main thread as a transferred
// ArrayBuffer (no copy: its pages were touched by the worker, not by a reader). The table then
// serves a missed block as a view into its chunk, and the cache charges the chunk as one entry
// (a view keeps the whole chunk alive; when the chunk's entry leaves the cache, its views leave
// with it: table-reader.ts).
//
// Why one large chunk per table, allocated at WARM_CHUNK_MIN_BYTES or more: glibc serves an
// allocation that large with its own mmap (its mmap threshold never rises past 32 MiB), so the
// pages never touched cost nothing and a freed chunk goes back to the OS at once. Chunks of 1 MiB
// came from the malloc arena of whichever worker built them and stayed there after the main
// thread freed them: a 10M-entry fill peaked ~350 MiB higher than without prepopulation.

import { assert } from '../base/index.js';

/**
 * Chunks are allocated at least this large: past glibc's largest mmap threshold (32 MiB), so each
 * is a mapping of its own, whose untouched pages take no memory. Tests pass small chunks.
 */
export const WARM_CHUNK_MIN_BYTES = 33 << 20;

/**
 * A budget below this gets a chunk of exactly its size: small memtables (tests, tiny databases)
 * would otherwise map 33 MiB per flush, and V8 counts the whole mapping as external memory (GC
 * pressure: the crash suites ran 2-3x slower). Arena fragmentation at that size is immaterial.
 */
export const WARM_SMALL_BUDGET_BYTES = 4 << 20;

/** Pages of a chunk: what the cache charges for its bytes (a touched page is held whole). */
export const WARM_PAGE_BYTES = 4096;

export interface WarmBlocks {
  /** Chunks of concatenated block contents: plain ArrayBuffers, so that a worker can transfer them. */
  chunks: ArrayBuffer[];
  /** Per data block, in the table's order: the chunk that holds it, or -1 when it was not kept. */
  chunkOf: Int32Array<ArrayBuffer>;
  /** Per data block: where it starts in its chunk. */
  starts: Int32Array<ArrayBuffer>;
  /** Per data block: its length in bytes (its uncompressed contents). */
  lengths: Int32Array<ArrayBuffer>;
}

/** The ArrayBuffers of `warm`, for a postMessage transfer list. */
export function warmTransferables(warm: WarmBlocks | undefined): ArrayBuffer[] {
  if (warm === undefined) return [];
  return [...warm.chunks, warm.chunkOf.buffer, warm.starts.buffer, warm.lengths.buffer];
}

/**
 * Keeps copies of a table's data blocks, in order, until `budgetBytes` are kept (the room the
 * reader's cache had when the job began); later blocks are recorded as not kept. Chunks are
 * `chunkBytes` long (by default the budget, raised to WARM_CHUNK_MIN_BYTES unless it is below
 * WARM_SMALL_BUDGET_BYTES) and only their used pages are ever touched.
 */
export class WarmBlockCollector {
  private readonly chunks: ArrayBuffer[] = [];
  private current: Uint8Array<ArrayBuffer> | undefined;
  private used = 0;
  private kept = 0;
  private chunkOf: Int32Array<ArrayBuffer> = new Int32Array(256);
  private starts: Int32Array<ArrayBuffer> = new Int32Array(256);
  private lengths: Int32Array<ArrayBuffer> = new Int32Array(256);
  private count = 0;

  constructor(
    private readonly budgetBytes: number,
    private readonly chunkBytes: number = budgetBytes < WARM_SMALL_BUDGET_BYTES ? budgetBytes : Math.max(WARM_CHUNK_MIN_BYTES, budgetBytes),
  ) {
    assert(Number.isSafeInteger(budgetBytes) && budgetBytes > 0, () => `warm block budget ${budgetBytes} must be a positive integer`);
    assert(Number.isSafeInteger(chunkBytes) && chunkBytes > 0, () => `warm chunk size ${chunkBytes} must be a positive integer`);
  }

  /** Records the next data block; `raw` is copied (the builder reuses its array). */
  add(raw: Uint8Array): void {
    if (this.count === this.chunkOf.length) this.grow();
    const n = raw.length;
    const i = this.count++;
    this.lengths[i] = n;
    this.chunkOf[i] = -1;
    if (n === 0 || n > this.chunkBytes || this.kept + n > this.budgetBytes) return;
    if (this.current === undefined || this.used + n > this.current.length) {
      this.seal();
      this.current = new Uint8Array(this.chunkBytes);
    }
    this.current.set(raw, this.used);
    this.chunkOf[i] = this.chunks.length;
    this.starts[i] = this.used;
    this.used += n;
    this.kept += n;
  }

  /** Everything kept, block by block; the collector is spent (it lets go of the chunks: they are the reader's now). */
  finish(): WarmBlocks {
    this.seal();
    const n = this.count;
    const chunks = this.chunks.splice(0);
    return { chunks, chunkOf: this.chunkOf.slice(0, n), starts: this.starts.slice(0, n), lengths: this.lengths.slice(0, n) };
  }

  private seal(): void {
    const chunk = this.current;
    if (chunk === undefined) return;
    this.current = undefined;
    const used = this.used;
    this.used = 0;
    // Not trimmed: a copy would be a small allocation (the arena again); untouched pages are free.
    if (used > 0) this.chunks.push(chunk.buffer);
  }

  private grow(): void {
    const n = this.chunkOf.length * 2;
    const grown = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.chunkOf = grown(this.chunkOf);
    this.starts = grown(this.starts);
    this.lengths = grown(this.lengths);
  }
}
