// MANIFEST: the durable, versioned list of tables per level, rewritten atomically (SPEC §3).
export { Manifest, MANIFEST_FILE, MANIFEST_REWRITE_FILE, SNAPSHOT_CHANGES_PER_RECORD } from './manifest.js';
export type { ManifestOptions, ManifestStats } from './manifest.js';
export { ManifestState } from './state.js';
export type { ManifestChange, TableInfo } from './state.js';
export { MANIFEST_FORMAT_VERSION, MANIFEST_MAGIC } from './format.js';
