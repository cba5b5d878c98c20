// examples/registry: Konsul's persistence engine (seed 003) on sett.
export { openEngine, openBadgerEngine, openMemoryEngine, type EngineConfig, type EngineOptions, type BadgerEngineOptions } from './open.js';
export type { Engine, RegistryTx, EngineStats, Bytes } from './engine.js';
export { NotFoundError } from './errors.js';
export { intervalScheduler, DEFAULT_GC_INTERVAL_MS, DEFAULT_GC_DISCARD_RATIO, type Scheduler } from './gc.js';
export { KV_PREFIX, SERVICE_PREFIX } from './keys.js';
