// The hybrid layer (`import { openHybrid } from 'sett/hybrid'`): each table in memory or on disk,
// a bounded row cache, migrations and stats, over the table layer. TABLES.md §3 is the contract;
// docs/hybrid.md the guide.
export { openHybrid, Hybrid } from './hybrid.js';
export { HybridTransaction } from './hybrid-transaction.js';
export { RowCache, type RowCacheStats } from './row-cache.js';
export { HYBRID_KEY_SPACE } from './config-store.js';
export type { HybridOptions, HybridCacheOptions, HybridStats, PersistenceConfig, PersistenceOptions, EvictionPolicy } from './types.js';
