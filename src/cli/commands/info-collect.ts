// What `sett info` knows about a directory, read from its files without opening the database
// (no lock, no WAL replay): the MANIFEST, each table's properties, the DISCARD counts, file sizes.
// Beside a live writer a table can vanish between the MANIFEST read and its open (compacted
// away); the collection is then started over from a fresh MANIFEST, a few times, before a missing
// table is reported as missing.
//
// An encrypted database: KEYREGISTRY's plaintext (how many data keys, when each was made) and the
// MANIFEST (each table's level and data key id) need no key; a table's properties (entries, key
// range, compression) are encrypted, so without the key a table shows only its size and key id.

import { compareInternalKeys, type InternalKey } from '../../base/index.js';
import { KEY_REGISTRY_FILE, KEY_REGISTRY_TMP_FILE, dataKeySource, type DataKey, type DataKeySource } from '../../crypto/index.js';
import { nodeFS, readAll } from '../../fs/index.js';
import { ReadOnlyFS } from '../fs-views.js';
import { MANIFEST_FILE, MANIFEST_REWRITE_FILE, Manifest, type ManifestState } from '../../manifest/index.js';
import { Table } from '../../sstable/index.js';
import { DISCARD_FILE, DISCARD_TMP_FILE, decodeDiscard } from '../../vlog/index.js';
import { DB_FILE_PATTERN, databaseNames, heldByLiveProcess, joinPath, lockStatus, type LockStatus } from '../database.js';
import { readRegistrySummary } from '../keys.js';

export interface TableInfo {
  file: string;
  id: number;
  level: number;
  bytes: number;
  /** Data key id (0: not encrypted), from the MANIFEST. */
  keyId: number;
  /** Encrypted and no key given: the properties below are unknown (undefined). */
  sealed: boolean;
  /** Entries: every version, tombstones included. */
  keys: number | undefined;
  smallest: InternalKey | undefined;
  largest: InternalKey | undefined;
  compression: string | undefined;
  maxVersion: number | undefined;
  /** Value-log file id → bytes of values this table points at. */
  vlogBytes: Map<number, number>;
}

export interface LevelInfo {
  level: number;
  tables: number;
  bytes: number;
  keys: number;
  smallest: InternalKey | undefined;
  largest: InternalKey | undefined;
  compression: string[];
  /** Tables whose properties are encrypted and were not read (no key given). */
  sealed: number;
}

export interface SizedFile {
  file: string;
  id: number;
  bytes: number;
}

export interface VlogInfo extends SizedFile {
  discardBytes: number;
  /** discardBytes / bytes of entries (the file minus its header). */
  discardRatio: number;
  /** Bytes of values the tables point at in it (WAL records may point at more). */
  referencedBytes: number;
}

export type EncryptionInfo =
  | { encrypted: false }
  | {
      encrypted: true;
      keyGiven: boolean;
      /** From KEYREGISTRY's plaintext (no key needed); error when it cannot be read. */
      dataKeys?: number;
      newestKeyId?: number;
      newestKeyCreatedAtMs?: number;
      newestKeyCreatedAt?: string;
      error?: string;
    };

export interface DirectoryInfo {
  dir: string;
  encryption: EncryptionInfo;
  lock: LockStatus | undefined;
  manifest: { bytes: number; records: number; deletions: number; tornBytes: number; tables: number } | { error: string };
  levels: LevelInfo[];
  tables: TableInfo[];
  vlogs: VlogInfo[];
  wals: SizedFile[];
  discard: { present: boolean; error?: string };
  missing: string[];
  extra: string[];
  empty: string[];
  unreadable: { file: string; message: string }[];
  totals: {
    tableBytes: number;
    vlogBytes: number;
    walBytes: number;
    otherBytes: number;
    totalBytes: number;
    tableEntries: number;
    vlogDiscardBytes: number;
    /** Estimated: all bytes / (deepest non-empty level + value-log bytes not known to be garbage). */
    spaceAmplification: number;
  };
}

const VLOG_HEADER_BYTES = 34; // docs/format.md §VLOG.header
const COLLECT_ATTEMPTS = 4;
/** The engine's readers open files through it: info never changes a file. */
const readOnly = new ReadOnlyFS();

/** `dataKeys`: the database's data keys when the master key was given (checked by the caller). */
export async function collectInfo(dir: string, dataKeys?: readonly DataKey[]): Promise<DirectoryInfo> {
  const keys = dataKeys === undefined ? undefined : dataKeySource(dataKeys);
  let info = await collectOnce(dir, keys);
  for (let attempt = 1; attempt < COLLECT_ATTEMPTS && (info.missing.length > 0 || info.unreadable.length > 0) && heldByLiveProcess(dir); attempt++) {
    info = await collectOnce(dir, keys); // a live writer may have compacted the missing tables away
  }
  return info;
}

async function collectOnce(dir: string, keys: DataKeySource | undefined): Promise<DirectoryInfo> {
  const names = databaseNames(dir);
  const sizes = new Map<string, number>();
  for (const name of names) {
    if (name.startsWith('LOCK')) continue; // the lock is a directory (docs/format.md §LOCK)
    try {
      sizes.set(name, nodeFS.size(joinPath(dir, name)));
    } catch {
      // vanished (live writer) or not a file (the LOCK directory)
    }
  }
  const info: DirectoryInfo = {
    dir,
    encryption: { encrypted: false },
    lock: lockStatus(dir),
    manifest: { error: 'no MANIFEST' },
    levels: [],
    tables: [],
    vlogs: [],
    wals: [],
    discard: { present: false },
    missing: [],
    extra: [],
    empty: [],
    unreadable: [],
    totals: { tableBytes: 0, vlogBytes: 0, walBytes: 0, otherBytes: 0, totalBytes: 0, tableEntries: 0, vlogDiscardBytes: 0, spaceAmplification: 0 },
  };

  let state: ManifestState | undefined;
  if (names.includes(MANIFEST_FILE)) {
    try {
      const opened = await Manifest.open(readOnly, dir, { readOnly: true });
      const stats = opened.manifest.stats();
      opened.manifest.close();
      state = opened.state;
      info.manifest = { bytes: stats.fileBytes + opened.tornBytes, records: stats.records, deletions: stats.deletions, tornBytes: opened.tornBytes, tables: state.tables.size };
    } catch (err) {
      info.manifest = { error: messageOf(err) };
      info.unreadable.push({ file: MANIFEST_FILE, message: messageOf(err) });
    }
  } else {
    info.missing.push(MANIFEST_FILE);
  }

  if (names.includes(KEY_REGISTRY_FILE)) info.encryption = readEncryption(dir, keys !== undefined, info);
  const discard = readDiscard(dir, names, info);
  const present = new Set(names);
  if (state !== undefined) {
    for (const t of state.tables.values()) {
      const file = tableName(t.tableId);
      if (!present.has(file)) {
        info.missing.push(file);
        continue;
      }
      if (t.keyId !== 0 && keys === undefined) {
        const bytes = sizes.get(file) ?? 0;
        info.tables.push({ file, id: t.tableId, level: t.level, bytes, keyId: t.keyId, sealed: true, keys: undefined, smallest: undefined, largest: undefined, compression: undefined, maxVersion: undefined, vlogBytes: new Map() });
        continue;
      }
      try {
        const table = Table.open(readOnly, joinPath(dir, file), t.tableId, { verifyChecksums: true, keys });
        const p = table.properties;
        info.tables.push({ file, id: t.tableId, level: t.level, bytes: table.size, keyId: t.keyId, sealed: false, keys: p.count, smallest: p.smallest, largest: p.largest, compression: p.compression, maxVersion: p.maxVersion, vlogBytes: p.vlogBytes });
        table.close();
      } catch (err) {
        info.unreadable.push({ file, message: messageOf(err) });
      }
    }
  }
  info.tables.sort((a, b) => a.level - b.level || a.id - b.id);

  const referenced = new Map<number, number>();
  for (const t of info.tables) for (const [id, bytes] of t.vlogBytes) referenced.set(id, (referenced.get(id) ?? 0) + bytes);
  for (const name of names) {
    const bytes = sizes.get(name);
    if (bytes === 0) info.empty.push(name);
    const m = DB_FILE_PATTERN.exec(name);
    if (m === null) {
      if (!KNOWN_FILES.has(name) && !name.startsWith('LOCK')) info.extra.push(name);
      continue;
    }
    const id = Number(m[1]);
    if (m[2] === 'vlog') {
      const size = bytes ?? 0;
      const discardBytes = discard.get(id) ?? 0;
      const entryBytes = Math.max(0, size - VLOG_HEADER_BYTES);
      info.vlogs.push({ file: name, id, bytes: size, discardBytes, discardRatio: entryBytes === 0 ? 0 : Math.min(1, discardBytes / entryBytes), referencedBytes: referenced.get(id) ?? 0 });
    } else if (m[2] === 'mem') {
      info.wals.push({ file: name, id, bytes: bytes ?? 0 });
    } else if (state !== undefined && !state.tables.has(id)) {
      info.extra.push(name); // a table no MANIFEST record names: a crashed flush's leftover
    }
  }
  for (const name of [MANIFEST_REWRITE_FILE, DISCARD_TMP_FILE, KEY_REGISTRY_TMP_FILE]) if (present.has(name)) info.extra.push(name);
  info.extra.sort();

  info.levels = levelsOf(info.tables);
  const t = info.totals;
  t.tableBytes = info.tables.reduce((s, x) => s + x.bytes, 0);
  t.tableEntries = info.tables.reduce((s, x) => s + (x.keys ?? 0), 0);
  t.vlogBytes = info.vlogs.reduce((s, x) => s + x.bytes, 0);
  t.vlogDiscardBytes = info.vlogs.reduce((s, x) => s + x.discardBytes, 0);
  t.walBytes = info.wals.reduce((s, x) => s + x.bytes, 0);
  let all = 0;
  for (const bytes of sizes.values()) all += bytes;
  t.totalBytes = all;
  t.otherBytes = all - t.tableBytes - t.vlogBytes - t.walBytes;
  const deepest = [...info.levels].reverse().find((l) => l.tables > 0);
  const liveVlog = info.vlogs.reduce((s, v) => s + Math.max(0, v.bytes - VLOG_HEADER_BYTES - v.discardBytes), 0);
  const live = (deepest?.bytes ?? 0) + liveVlog;
  t.spaceAmplification = live === 0 ? 0 : all / live;
  return info;
}

const KNOWN_FILES = new Set([MANIFEST_FILE, DISCARD_FILE, MANIFEST_REWRITE_FILE, DISCARD_TMP_FILE, KEY_REGISTRY_FILE, KEY_REGISTRY_TMP_FILE]);

function readEncryption(dir: string, keyGiven: boolean, info: DirectoryInfo): EncryptionInfo {
  try {
    const summary = readRegistrySummary(dir);
    const newest = summary.keys.at(-1);
    if (newest === undefined) return { encrypted: true, keyGiven, dataKeys: 0 };
    return { encrypted: true, keyGiven, dataKeys: summary.keys.length, newestKeyId: newest.id, newestKeyCreatedAtMs: newest.createdAtMs, newestKeyCreatedAt: new Date(newest.createdAtMs).toISOString() };
  } catch (err) {
    info.unreadable.push({ file: KEY_REGISTRY_FILE, message: messageOf(err) });
    return { encrypted: true, keyGiven, error: messageOf(err) };
  }
}

function tableName(id: number): string {
  return String(id).padStart(6, '0') + '.sst';
}

function readDiscard(dir: string, names: readonly string[], info: DirectoryInfo): Map<number, number> {
  if (!names.includes(DISCARD_FILE)) return new Map();
  info.discard.present = true;
  try {
    const decoded = decodeDiscard(readAll(readOnly, joinPath(dir, DISCARD_FILE)));
    if (typeof decoded === 'string') {
      info.discard.error = decoded;
      return new Map();
    }
    return decoded;
  } catch (err) {
    info.discard.error = messageOf(err);
    return new Map();
  }
}

function levelsOf(tables: readonly TableInfo[]): LevelInfo[] {
  const maxLevel = tables.reduce((m, t) => Math.max(m, t.level), 0);
  const levels: LevelInfo[] = [];
  for (let level = 0; level <= Math.max(maxLevel, 6); level++) {
    const ts = tables.filter((t) => t.level === level);
    let smallest: InternalKey | undefined;
    let largest: InternalKey | undefined;
    for (const t of ts) {
      if (t.smallest !== undefined && (smallest === undefined || compareInternalKeys(t.smallest, smallest) < 0)) smallest = t.smallest;
      if (t.largest !== undefined && (largest === undefined || compareInternalKeys(t.largest, largest) > 0)) largest = t.largest;
    }
    levels.push({
      level,
      tables: ts.length,
      bytes: ts.reduce((s, t) => s + t.bytes, 0),
      keys: ts.reduce((s, t) => s + (t.keys ?? 0), 0),
      smallest,
      largest,
      compression: [...new Set(ts.flatMap((t) => (t.compression === undefined ? [] : [t.compression])))].sort(),
      sealed: ts.filter((t) => t.sealed).length,
    });
  }
  return levels;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
