// The value-log files of a sett directory as the file system sees them, and the DISCARD counts
// the engine last saved, for the value-log bench's per-file view of what GC could collect.
// Like tmp.ts, the harness reads the directory with node:fs; the engine does its own I/O.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { nodeFS } from '../../src/fs/index.js';
import { DiscardStats, parseVlogFileName } from '../../src/vlog/index.js';

export interface VlogFile {
  fileId: number;
  bytes: number;
  /** Discardable bytes in the DISCARD file on disk (saved in batches: may trail the engine's count). */
  discardableBytes: number;
}

/** File id → size of every NNNNNN.vlog in `dir`. */
export function vlogFileSizes(dir: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync(dir)) {
    const id = parseVlogFileName(name);
    if (id !== undefined) out.set(id, statSync(join(dir, name)).size);
  }
  return out;
}

/** Every value-log file with its saved discard count, by file id. */
export function vlogFiles(dir: string): VlogFile[] {
  const discard = DiscardStats.load(nodeFS, dir);
  return [...vlogFileSizes(dir)]
    .sort((a, b) => a[0] - b[0])
    .map(([fileId, bytes]) => ({ fileId, bytes, discardableBytes: discard.get(fileId) }));
}

/** Bytes of the files in `before` that are gone from `after`: what GC deleted. */
export function bytesDeleted(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const [id, size] of before) {
    if (!after.has(id)) {
      files++;
      bytes += size;
    }
  }
  return { files, bytes };
}
