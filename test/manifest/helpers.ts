// Shared helpers for the MANIFEST tests: temp directories, random valid change groups, a model.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, expect } from 'vitest';
import { Rng } from '../../src/base/index.js';
import type { ManifestChange, ManifestState, TableInfo } from '../../src/manifest/index.js';

const dirs: string[] = [];

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sett-manifest-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** The obvious model of a MANIFEST: a Map in insertion order. */
export class Model {
  readonly tables = new Map<number, TableInfo>();

  apply(changes: readonly ManifestChange[]): void {
    for (const c of changes) {
      if (c.type === 'add') this.tables.set(c.tableId, { tableId: c.tableId, level: c.level, compression: c.compression, keyId: c.keyId });
      else this.tables.delete(c.tableId);
    }
  }

  clone(): Model {
    const m = new Model();
    for (const [k, v] of this.tables) m.tables.set(k, { ...v });
    return m;
  }
}

/** Asserts `state` holds exactly the model's tables, in the same order per level. */
export function expectSameState(state: ManifestState, model: Model, maxLevels = 8): void {
  expect([...state.tables.entries()].sort((a, b) => a[0] - b[0])).toEqual([...model.tables.entries()].sort((a, b) => a[0] - b[0]));
  const levels: number[][] = Array.from({ length: maxLevels }, () => []);
  for (const info of model.tables.values()) levels[info.level]!.push(info.tableId);
  expect(state.levels(maxLevels)).toEqual(levels);
}

/**
 * Generates `count` valid change groups from `seed`: flush-like groups (one add at L0) and
 * compaction-like groups (several deletes and several adds in one group).
 */
export function randomGroups(seed: number, count: number, maxLevels = 8): ManifestChange[][] {
  const rng = new Rng(seed);
  const live: number[] = [];
  let nextId = 1 + rng.int(1000);
  const groups: ManifestChange[][] = [];
  for (let g = 0; g < count; g++) {
    const group: ManifestChange[] = [];
    if (live.length > 0 && rng.bool(0.5)) {
      const deletes = 1 + rng.int(Math.min(live.length, 6));
      for (let i = 0; i < deletes; i++) {
        const [id] = live.splice(rng.int(live.length), 1);
        group.push({ type: 'delete', tableId: id! });
      }
    }
    const adds = group.length > 0 ? rng.int(4) : 1 + rng.int(3);
    for (let i = 0; i < adds; i++) {
      // Ids grow with occasional big jumps so multi-byte varints are exercised.
      nextId += rng.bool(0.05) ? rng.int(1 << 30) : 1;
      live.push(nextId);
      group.push({
        type: 'add',
        tableId: nextId,
        level: rng.int(maxLevels),
        compression: rng.int(3),
        keyId: rng.bool(0.3) ? 1 + rng.int(0xfffffffe) : 0,
      });
    }
    if (group.length === 0) {
      nextId++;
      live.push(nextId);
      group.push({ type: 'add', tableId: nextId, level: 0, compression: 0, keyId: 0 });
    }
    groups.push(group);
  }
  return groups;
}

export function manifestPath(dir: string): string {
  return path.join(dir, 'MANIFEST');
}

export function readFile(p: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(p));
}

export function writeFile(p: string, bytes: Uint8Array): void {
  fs.writeFileSync(p, bytes);
}
