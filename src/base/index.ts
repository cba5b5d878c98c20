// Shared vocabulary of every layer: errors, assertions, keys, entries, checksums, seams.
export * from './errors.js';
export * from './assert.js';
export * from './bytes.js';
export * from './varint.js';
export * from './crc.js';
export * from './internal-key.js';
export * from './value-pointer.js';
export * from './entry.js';
export * from './iterator.js';
export * from './clock.js';
export * from './rng.js';
export * from './array-iterator.js';
export * from './hash.js';
