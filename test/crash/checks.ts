// The checks a recovered database must pass (SPEC §4.1, §3 "Newest above", docs/design.md "Files
// and crashes"), shared by the crash suites: the recovered state is one prefix of the requests;
// reads agree with iteration; every table the MANIFEST names exists and no other is left; the
// tree keeps "newest above"; versions strictly decrease per key and a write after recovery gets a
// version above every recovered one; the in-memory level shape is the MANIFEST's.

import { Manifest } from '../../src/manifest/index.js';
import type { DB } from '../../src/db/index.js';
import type { FaultFS } from '../../src/fs/index.js';
import { DIR, text } from '../db/helpers.js';
import { newestAboveProblem } from '../db/newest-above.js';
import { COUNTER } from './writes.js';

export function dumpAll(db: DB): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of db.iterator()) out.push([text(k)!, text(v)!]);
  return out;
}

/** Sorted entries of a state. */
export function entriesOf(state: ReadonlyMap<string, string>): [string, string][] {
  return [...state.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export function sameEntries(a: readonly [string, string][], b: readonly [string, string][]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]![0] !== b[i]![0] || a[i]![1] !== b[i]![1]) return false;
  return true;
}

/** A short description of how `got` differs from `want`. */
export function describeDiff(got: readonly [string, string][], want: readonly [string, string][]): string {
  const g = new Map(got);
  const w = new Map(want);
  const lines: string[] = [];
  const short = (v: string | undefined): string => (v === undefined ? 'absent' : v.length > 24 ? `${v.slice(0, 24)}…(${v.length})` : v);
  for (const k of [...new Set([...g.keys(), ...w.keys()])].sort()) {
    if (g.get(k) !== w.get(k)) lines.push(`  ${k}: got ${short(g.get(k))}, want ${short(w.get(k))}`);
    if (lines.length >= 12) break;
  }
  return lines.join('\n');
}

/**
 * Which prefix of the requests `got` equals: the largest i in [lo, hi] with got == states[i] (two
 * prefixes can be equal: a single put of a new key, then a single delete of it), or a thrown
 * message naming the closest candidate.
 */
export function matchPrefix(got: [string, string][], states: readonly ReadonlyMap<string, string>[], lo: number, hi: number): number {
  const counter = new Map(got).get(COUNTER);
  let outside = -1;
  for (let i = states.length - 1; i >= 0; i--) {
    if (!sameEntries(got, entriesOf(states[i]!))) continue;
    if (i >= lo && i <= hi) return i;
    outside = i;
  }
  if (outside >= 0) {
    throw new Error(`recovered the state after ${outside} requests, outside the allowed [${lo}, ${hi}] (counter ${counter ?? 'absent'})`);
  }
  const guess = counter === undefined ? 0 : Number(counter) + 1;
  const near = Math.min(Math.max(guess, lo), states.length - 1);
  throw new Error(
    `recovered state (${got.length} keys, counter ${counter ?? 'absent'}) is no prefix of the requests; ` +
      `allowed [${lo}, ${hi}]; difference from the state after ${near} requests:\n${describeDiff(got, entriesOf(states[near]!))}`,
  );
}

/** getSync agrees with the model on every key ever written (deleted ones read as absent). */
export function checkGets(db: DB, want: ReadonlyMap<string, string>, everyKey: Iterable<string>): string | undefined {
  for (const k of everyKey) {
    const got = text(db.getSync(k));
    if (got !== want.get(k)) return `getSync(${k}) = ${got?.slice(0, 24) ?? 'absent'}, want ${want.get(k)?.slice(0, 24) ?? 'absent'}`;
  }
  return undefined;
}

const tableName = (id: number): string => `${String(id).padStart(6, '0')}.sst`;

/**
 * The directory after an open with no background work left: every table the MANIFEST names
 * exists, and no table is left that it does not name.
 */
export async function checkDirectory(fs: FaultFS): Promise<string | undefined> {
  const names = fs.list(DIR);
  const { manifest, state } = await Manifest.open(fs, DIR, { readOnly: true });
  manifest.close();
  for (const id of state.tables.keys()) {
    const name = tableName(id);
    if (!names.includes(name)) return `the MANIFEST names ${name}, which is missing (directory: ${names.join(' ')})`;
  }
  for (const name of names) {
    const m = /^(\d+)\.sst$/.exec(name);
    if (m !== null && !state.tables.has(Number(m[1]))) return `${name} is not in the MANIFEST but was left in the directory`;
  }
  return undefined;
}

/** The directory matches the MANIFEST and the tables keep "newest above" (throws naming `when`). */
export async function expectSound(fs: FaultFS, when: string): Promise<void> {
  const dir = await checkDirectory(fs);
  if (dir !== undefined) throw new Error(`${when}: ${dir}`);
  const tree = await newestAboveProblem(fs);
  if (tree !== undefined) throw new Error(`${when}: ${tree}`);
}

/** The open database's levels hold as many tables as the MANIFEST's (after waitForBackgroundWork). */
export async function levelsProblem(db: DB, fs: FaultFS): Promise<string | undefined> {
  const { manifest, state } = await Manifest.open(fs, DIR, { readOnly: true });
  manifest.close();
  const levels = db.stats().levels;
  const inManifest = state.levels(levels.length).map((ids) => ids.length);
  const inMemory = levels.map((l) => l.tables);
  if (inManifest.join(',') !== inMemory.join(',')) return `tables per level: the database has [${inMemory.join(', ')}], the MANIFEST [${inManifest.join(', ')}]`;
  return undefined;
}

/**
 * Every version of every key, newest first (tombstones and expired entries too): each key's
 * versions must strictly decrease — the same version twice is an entry recovered twice (a WAL
 * replayed after its flush was recorded). Returns the highest version, or the first problem.
 */
export function scanVersions(db: DB): { maxVersion: number; problem: string | undefined } {
  let maxVersion = 0;
  let lastKey: string | undefined;
  let lastVersion = 0;
  for (const entry of db.iterator({ allVersions: true, values: false })) {
    const key = text(entry[0])!;
    const version = entry.version!;
    if (key === lastKey && version >= lastVersion) {
      return { maxVersion, problem: `key ${key}: version ${version} follows version ${lastVersion} (versions must strictly decrease, newest first)` };
    }
    lastKey = key;
    lastVersion = version;
    if (version > maxVersion) maxVersion = version;
  }
  return { maxVersion, problem: undefined };
}

/** Every live entry of the given keys has a version above `floor` (they were all written after it). */
export function versionsAbove(db: DB, keys: ReadonlySet<string>, floor: number): string | undefined {
  for (const entry of db.iterator({ meta: true, values: false })) {
    const key = text(entry[0])!;
    if (keys.has(key) && entry.version! <= floor) return `key ${key}, written after recovery, has version ${entry.version}, not above ${floor}, the highest recovered version`;
  }
  return undefined;
}

/**
 * The version checks of a recovered database, as one step: versions strictly decrease per key,
 * and the in-memory levels are the MANIFEST's. Returns the highest recovered version, for
 * `expectNewVersionsAbove` after more writes. Throws naming `when`.
 */
export async function expectRecoveredShape(db: DB, fs: FaultFS, when: string): Promise<number> {
  const { maxVersion, problem } = scanVersions(db);
  if (problem !== undefined) throw new Error(`${when}: ${problem}`);
  const levels = await levelsProblem(db, fs);
  if (levels !== undefined) throw new Error(`${when}: ${levels}`);
  return maxVersion;
}

/** Writes after recovery got versions above every recovered one, and versions still strictly decrease per key. */
export function expectNewVersionsAbove(db: DB, keys: ReadonlySet<string>, floor: number, when: string): void {
  const problem = versionsAbove(db, keys, floor) ?? scanVersions(db).problem;
  if (problem !== undefined) throw new Error(`${when}: ${problem}`);
}
