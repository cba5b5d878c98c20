// Types for snappyjs 0.7 (pure JS, ships none). Only what src/sstable/snappy.ts calls: the raw
// Snappy block format, returning the input's own type (Uint8Array in, Uint8Array out).
declare module 'snappyjs' {
  export function compress(uncompressed: Uint8Array): Uint8Array;
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
}
