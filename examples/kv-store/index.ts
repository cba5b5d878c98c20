// examples/kv-store: the seed 001 key-value store (BadgerStore) on sett.
export { KVStore, type GetResult } from './store.js';
export { defaultConfig, openOptionsFor, type KVStoreConfig, type StoreLoggingLevel } from './config.js';
export { ConfigError, EmptyKeyError } from './errors.js';
