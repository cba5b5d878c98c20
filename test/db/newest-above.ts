// SPEC §3 "Newest above", checked on a directory by reading the tables its MANIFEST names.

import { userKeyOf, versionOf } from '../../src/base/index.js';
import type { FaultFS } from '../../src/fs/index.js';
import { Manifest } from '../../src/manifest/index.js';
import { Table } from '../../src/sstable/index.js';
import { DIR } from './helpers.js';

const tableName = (id: number): string => `${String(id).padStart(6, '0')}.sst`;

/**
 * Checks SPEC §3 "Newest above" on what the directory's MANIFEST names: taking each L0 table on
 * its own (newest first by maxVersion), then each deeper level, no source holds a version of a key
 * newer than one in a source above it — so a read may stop at the first source holding the key.
 * A version also held above is the same entry twice (a WAL whose table was recorded but which was
 * not deleted yet is replayed and flushed again) and is allowed. Returns the first violation.
 */
export async function newestAboveProblem(fs: FaultFS, maxLevels = 5): Promise<string | undefined> {
  if (!fs.exists(`${DIR}/MANIFEST`)) return undefined;
  const { manifest, state } = await Manifest.open(fs, DIR, { readOnly: true });
  manifest.close();
  const sources: { name: string; versions: Map<string, number[]> }[] = [];
  const levels = state.levels(maxLevels);
  for (let level = 0; level < levels.length; level++) {
    const tables: { name: string; maxVersion: number; versions: Map<string, number[]> }[] = [];
    for (const id of levels[level]!) {
      const name = tableName(id);
      if (!fs.exists(`${DIR}/${name}`)) return `the MANIFEST names ${name} at L${level}, which is missing`;
      const t = Table.open(fs, `${DIR}/${name}`, id);
      const versions = new Map<string, number[]>();
      const it = t.iterator();
      for (it.seekToFirst(); it.valid(); it.next()) {
        const k = Buffer.from(userKeyOf(it.key())).toString('latin1');
        if (!versions.has(k)) versions.set(k, []);
        versions.get(k)!.push(versionOf(it.key()));
      }
      it.close();
      tables.push({ name: `${name} (L${level})`, maxVersion: t.properties.maxVersion, versions });
      t.close();
    }
    if (level === 0) sources.push(...tables.sort((a, b) => b.maxVersion - a.maxVersion));
    else if (tables.length > 0) {
      // Tables of a deeper level do not overlap: their keys merge without collisions.
      const versions = new Map<string, number[]>();
      for (const t of tables) for (const [k, v] of t.versions) versions.set(k, v);
      sources.push({ name: `L${level} (${tables.map((t) => t.name.slice(0, 6)).join(' ')})`, versions });
    }
  }
  const above = new Map<string, { oldest: number; source: string; all: Set<number> }>();
  for (const s of sources) {
    for (const [k, versions] of s.versions) {
      const a = above.get(k);
      const newer = a === undefined ? undefined : versions.find((v) => v > a.oldest && !a.all.has(v));
      if (newer !== undefined) return `key ${k}: ${s.name} holds version ${newer}, newer than version ${a!.oldest} in ${a!.source} above it`;
    }
    for (const [k, versions] of s.versions) {
      const a = above.get(k) ?? { oldest: Infinity, source: '', all: new Set<number>() };
      for (const v of versions) {
        a.all.add(v);
        if (v < a.oldest) {
          a.oldest = v;
          a.source = s.name;
        }
      }
      above.set(k, a);
    }
  }
  return undefined;
}
