// src/sstable/decoded-block-cache.ts — the engine's block cache: decoded blocks whose bytes are
// carved from shared chunks (block-memory.ts) and moved on a second chance, so the chunks die
// in the order the cache's hand passes them.

import { BlockCache } from './block-cache.js';
import { BlockMemory } from './block-memory.js';
import type { Block } from './block.js';

/** A cache of decoded blocks of at most `capacityBytes` (0: no cache). */
export function newBlockCache(capacityBytes: number): BlockCache<Block> {
  const memory = new BlockMemory(capacityBytes);
  return new BlockCache<Block>(capacityBytes, { memory, relocate: (block) => block.copiedTo(memory) });
}
