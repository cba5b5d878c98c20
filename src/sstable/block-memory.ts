// src/sstable/block-memory.ts — where the block cache's decoded blocks live: views carved in
// order out of large ArrayBuffers (chunks), not one ArrayBuffer per block. Not an on-disk format.
//
// Why: a cache miss used to allocate one ArrayBuffer of ~4 KiB per decoded block. Each is a
// malloc'd backing store plus an extension object V8's GC sweeps; on a cold read path that was
// about as costly as decompressing the block, and at 10M entries the churn of 4 KiB stores left
// the malloc heap fragmented well above the cache's bytes (docs/performance.md).
//
// A chunk is never written again once a view was carved from it, and it is freed by the GC
// when no view into it is left, so a block handed out stays valid for as long as anyone holds
// it: there is no pinning to get wrong. What keeps chunks from living forever is the cache's
// eviction order (block-cache.ts): blocks are carved in the order they enter the cache, the
// cache's CLOCK hand passes them in the same order, and a block that earns a second chance is
// copied (relocate) into the current chunk instead of staying where it was. Once the hand has
// passed every block of a chunk, the cache no longer refers to it.

/** Chunks are this large, or 1/64 of the cache, whichever is smaller (a small cache wastes little). */
const CHUNK_MAX_BYTES = 1 << 20;
const CHUNK_MIN_BYTES = 64 << 10;

export class BlockMemory {
  readonly chunkBytes: number;
  private chunk: ArrayBuffer | undefined;
  private used = 0;

  constructor(cacheCapacityBytes: number) {
    this.chunkBytes = Math.max(CHUNK_MIN_BYTES, Math.min(CHUNK_MAX_BYTES, Math.floor(cacheCapacityBytes / 64)));
  }

  /**
   * `length` bytes of their own (zero-filled), carved from the current chunk. A request over an
   * eighth of a chunk gets an array of its own: a large block would waste the chunk's tail.
   */
  allocate(length: number): Uint8Array {
    if (length > this.chunkBytes >>> 3) return new Uint8Array(length);
    let chunk = this.chunk;
    if (chunk === undefined || this.used + length > chunk.byteLength) {
      chunk = new ArrayBuffer(this.chunkBytes);
      this.chunk = chunk;
      this.used = 0;
    }
    const out = new Uint8Array(chunk, this.used, length);
    this.used += length;
    return out;
  }

  /** A copy of `bytes` in the current chunk. */
  copy(bytes: Uint8Array): Uint8Array {
    const out = this.allocate(bytes.length);
    out.set(bytes);
    return out;
  }
}
