// Types for snappyjs 0.7 (pure JS, ships none). Only what src/sstable/snappy.ts calls: the raw
// Snappy block format, returning the input's own type (Uint8Array in, Uint8Array out), and the
// compressor class behind it, which writes into an array of the caller's.
declare module 'snappyjs' {
  export function compress(uncompressed: Uint8Array): Uint8Array;
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
}

declare module 'snappyjs/snappy_compressor.js' {
  export class SnappyCompressor {
    constructor(uncompressed: Uint8Array);
    /** 32 + n + n / 6: the most bytes compressToBuffer can write. */
    maxCompressedLength(): number;
    /** Writes the raw Snappy block into `out` (at least maxCompressedLength() long); returns its length. */
    compressToBuffer(out: Uint8Array): number;
  }
}
