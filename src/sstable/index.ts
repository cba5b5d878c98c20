// SSTables: builder, reader, blocks, bloom filter, block cache, compression (docs/format.md §SST).
export { Block, BlockIterator } from './block.js';
export { BlockBuilder } from './block-builder.js';
export { BlockIndex } from './block-index.js';
export {
  TableBuilder,
  DEFAULT_TABLE_BUILDER_OPTIONS,
  TABLE_WRITE_CHUNK_BYTES,
  type TableBuilderOptions,
} from './table-builder.js';
export { TableWriter, writeTable } from './table-writer.js';
export { CACHED_BLOCK_OVERHEAD_BYTES, Table, unpackBlock, type TableOpenOptions, type TableHit } from './table-reader.js';
export { TableIterator } from './table-iterator.js';
export { ConcatIterator } from './concat-iterator.js';
export type { TableProperties } from './properties.js';
export {
  TABLE_MAGIC,
  TABLE_FORMAT_VERSION,
  HEADER_BYTES,
  FOOTER_BYTES,
  BLOCK_TRAILER_BYTES,
  RESTART_INTERVAL,
  decodeFooter,
  type BlockHandle,
  type Footer,
} from './format.js';
export { compareInternalRanges } from './key-compare.js';
export { BloomFilter, hashKey } from './bloom.js';
export { BlockCache } from './block-cache.js';
export { WARM_CHUNK_MIN_BYTES, warmTransferables, type WarmBlocks } from './warm-blocks.js';
export {
  COMPRESSION_CODE,
  compressBlock,
  decompressBlock,
  compressionName,
  ensureCompressionReady,
  type CompressionName,
} from './compression.js';
export { snappyCompress, snappyUncompress } from './snappy.js';
export { verifyTable, type TableCheck } from './verify.js';
