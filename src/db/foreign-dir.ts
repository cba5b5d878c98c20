// Telling a directory that is not sett's from a damaged sett database (SPEC §4.6; docs/design.md
// §Damage, verification and I/O errors). A directory of another engine is NOT_A_DATABASE, saying
// which engine it looks like, and is judged before the LOCK is taken, so nothing in it changes. A
// directory holding sett's own files keeps its CORRUPTION verdict from the open: a damaged MANIFEST
// beside sett's WALs and tables is damage, not a foreign database.
//
// What marks a file as sett's is its content (every sett file starts with an 8-byte magic), not
// its name: Badger's directories hold NNNNNN.sst, NNNNNN.vlog, DISCARD, KEYREGISTRY and MANIFEST
// too, and old LevelDB ones NNNNNN.sst.

import { NotADatabaseError } from '../base/index.js';
import type { FileSystem } from '../fs/index.js';
import { KEY_REGISTRY_FILE, KEY_REGISTRY_MAGIC, KEY_REGISTRY_TMP_FILE } from '../crypto/index.js';
import { MANIFEST_FILE, MANIFEST_MAGIC, MANIFEST_REWRITE_FILE } from '../manifest/index.js';
import { TABLE_MAGIC } from '../sstable/index.js';
import { DISCARD_FILE, DISCARD_MAGIC, DISCARD_TMP_FILE, VLOG_MAGIC } from '../vlog/index.js';
import { WAL_MAGIC } from '../wal/index.js';
import { joinPath, parseFileName } from './file-names.js';

/** Badger's MANIFEST starts with these 4 bytes, then a 4-byte version (badger/manifest.go, magicText). */
const BADGER_MANIFEST_MAGIC = 'Bdgr';
/** sett's file magics are all this long. */
const MAGIC_BYTES = 8;
/** Files read for a sett magic, at most: the first sett file found settles it, and a sample suffices. */
const probeFilesMax = 64;

const SETT_MAGICS: readonly Uint8Array[] = [MANIFEST_MAGIC, TABLE_MAGIC, WAL_MAGIC, VLOG_MAGIC, DISCARD_MAGIC, KEY_REGISTRY_MAGIC];
/** Names sett gives files other than NNNNNN.{mem,sst,vlog}. */
const SETT_NAMES: ReadonlySet<string> = new Set([MANIFEST_FILE, MANIFEST_REWRITE_FILE, DISCARD_FILE, DISCARD_TMP_FILE, KEY_REGISTRY_FILE, KEY_REGISTRY_TMP_FILE]);

export type ForeignEngine = 'Badger' | 'LevelDB' | 'RocksDB';

export interface ForeignDirectory {
  /** The engine whose files it holds, when recognised. */
  looksLike: ForeignEngine | undefined;
  /** Why it is not a sett database, for a message: "it looks like a Badger database (…)". */
  reason: string;
}

/** The lock (sett's LOCK directory, proper-lockfile's leftovers) and what a crashed creation leaves. */
function isHousekeeping(name: string): boolean {
  return name === 'LOCK' || name.startsWith('LOCK.') || name === MANIFEST_REWRITE_FILE || name === KEY_REGISTRY_FILE || name === KEY_REGISTRY_TMP_FILE;
}

function hasSettName(name: string): boolean {
  return parseFileName(name) !== undefined || SETT_NAMES.has(name);
}

/** The first `n` bytes of a file (fewer if it is shorter); undefined if it cannot be read (a directory, gone). */
function readHead(fs: FileSystem, path: string, n: number): Uint8Array | undefined {
  try {
    const handle = fs.open(path, 'r');
    try {
      const buf = new Uint8Array(n);
      return buf.subarray(0, handle.read(buf, 0, n, 0));
    } finally {
      handle.close();
    }
  } catch {
    return undefined;
  }
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/** Whether some sett-named file of `dir` starts with one of sett's magics. */
function holdsSettFile(fs: FileSystem, dir: string, names: readonly string[]): boolean {
  const candidates = names.filter((n) => n !== MANIFEST_FILE && hasSettName(n)).slice(0, probeFilesMax);
  for (const name of candidates) {
    const head = readHead(fs, joinPath(dir, name), MAGIC_BYTES);
    if (head !== undefined && SETT_MAGICS.some((m) => startsWith(head, m))) return true;
  }
  return false;
}

/** Bytes as a quoted string, unprintable ones as \xNN: `"Bdgr\x00\x00\x00\x08"`. */
function showBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return `"${out}"`;
}

function shown(names: readonly string[]): string {
  return names.slice(0, 3).join(', ') + (names.length > 3 ? ', …' : '');
}

/** Another engine's layout: its name and the files that show it. */
function recognise(fs: FileSystem, dir: string, names: readonly string[], manifestHead: Uint8Array | undefined): { engine: ForeignEngine; evidence: string } | undefined {
  if (manifestHead !== undefined && Buffer.from(manifestHead.subarray(0, 4)).toString('latin1') === BADGER_MANIFEST_MAGIC) {
    return { engine: 'Badger', evidence: `its MANIFEST starts with Badger's magic "${BADGER_MANIFEST_MAGIC}"` };
  }
  // Badger's memtable WALs are NNNNN.mem (five digits); its KEYREGISTRY exists even unencrypted.
  const badgerFiles = names.filter((n) => /^\d{5}\.mem$/.test(n) || /^\d+\.(vlog|sst)$/.test(n));
  if (names.includes(KEY_REGISTRY_FILE) && badgerFiles.length > 0) {
    return { engine: 'Badger', evidence: `it holds ${shown([KEY_REGISTRY_FILE, ...badgerFiles])}` };
  }
  // LevelDB and RocksDB: CURRENT names the live MANIFEST-NNNNNN; tables are NNNNNN.ldb (or .sst).
  const current = names.includes('CURRENT') ? readHead(fs, joinPath(dir, 'CURRENT'), 64) : undefined;
  const currentNames = current === undefined ? undefined : /^MANIFEST-\d+/.exec(Buffer.from(current).toString('latin1'))?.[0];
  const levelFiles = names.filter((n) => /^MANIFEST-\d+$/.test(n) || /^\d+\.ldb$/.test(n));
  if (currentNames === undefined && levelFiles.length === 0) return undefined;
  const rocks = names.some((n) => n === 'IDENTITY' || /^OPTIONS-\d+$/.test(n));
  return { engine: rocks ? 'RocksDB' : 'LevelDB', evidence: currentNames !== undefined ? `CURRENT names ${currentNames}` : `it holds ${shown(levelFiles)}` };
}

/**
 * Why `dir` is not a sett database, or undefined when it may be one: a database (its MANIFEST
 * starts with sett's magic, or is cut short before the magic ends), an empty or new directory, or
 * a damaged sett database (sett's files, by content or, for a directory of no recognised engine,
 * by name), which the open reports as CORRUPTION. `names` is the listing of `dir`.
 */
export function foreignDirectory(fs: FileSystem, dir: string, names: readonly string[]): ForeignDirectory | undefined {
  const hasManifest = names.includes(MANIFEST_FILE);
  let manifestHead: Uint8Array | undefined;
  if (hasManifest) {
    manifestHead = readHead(fs, joinPath(dir, MANIFEST_FILE), MAGIC_BYTES);
    if (manifestHead === undefined) return undefined; // unreadable: the open reports it
    if (startsWith(MANIFEST_MAGIC, manifestHead)) return undefined; // sett's, or sett's cut short
  } else if (names.every(isHousekeeping)) {
    return undefined; // empty: a new database
  }
  if (holdsSettFile(fs, dir, names)) return undefined;
  const known = recognise(fs, dir, names, manifestHead);
  if (known !== undefined) return { looksLike: known.engine, reason: `it looks like a ${known.engine} database (${known.evidence})` };
  // sett's names but none of sett's content: judged as sett's, as before (a file with a sett name
  // in a sett directory is sett's, and damage to it is CORRUPTION).
  if (names.some((n) => n !== MANIFEST_FILE && hasSettName(n) && !isHousekeeping(n))) return undefined;
  if (manifestHead === undefined) return { looksLike: undefined, reason: `no MANIFEST, but it holds ${shown(names.filter((n) => !isHousekeeping(n)))}` };
  return { looksLike: undefined, reason: `its MANIFEST starts with ${showBytes(manifestHead)}, not sett's magic "SETTMANF", and no other file in it is sett's` };
}

/**
 * Throws NOT_A_DATABASE if `dir` holds another engine's database or files that are not sett's.
 * Run before the LOCK is taken: a refused directory is left exactly as it was. A directory that
 * does not exist or cannot be listed passes (the open creates or reports it).
 */
export function checkNotForeign(fs: FileSystem, dir: string): void {
  let names: string[];
  try {
    if (!fs.exists(dir)) return;
    names = fs.list(dir);
  } catch {
    return;
  }
  const foreign = foreignDirectory(fs, dir, names);
  if (foreign !== undefined) throw new NotADatabaseError(dir, `not a sett database: ${foreign.reason}`);
}
