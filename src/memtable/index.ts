// The memtable: an arena skiplist in a SharedArrayBuffer (docs/format.md §Memtable arena), and
// that skiplist with its WAL.
export { SkipList, DEFAULT_SKIPLIST_SEED } from './skiplist.js';
export { SkipListIterator } from './skiplist-iterator.js';
export { ArenaPool, type ArenaPoolStats } from './arena-pool.js';
export { Memtable, type RecoveredMemtable, type OnMemtableBatch, type MemtableValue } from './memtable.js';
export {
  ARENA_MAGIC,
  ARENA_LAYOUT_VERSION,
  ARENA_OVERHEAD_BYTES,
  MAX_ARENA_BYTES,
  MAX_HEIGHT,
  HEIGHT_PROBABILITY,
} from './arena.js';
