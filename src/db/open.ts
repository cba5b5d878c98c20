// open(): validate options, lock the directory, replay the MANIFEST, open its tables, delete
// what a crash left behind, replay the WALs in order, and continue versions from the highest found.

import { dirname } from 'node:path';
import {
  CorruptionError,
  InvalidArgumentError,
  WrongKeyError,
  NotADatabaseError,
  SettError,
  IoError,
  compareInternalKeys,
  systemClock,
  META_VALUE_POINTER,
  crc32,
  ValuePointer,
  type Entry,
} from '../base/index.js';
import { InlineExecutor, WorkerExecutor, WORKER_IDLE_MS, type Executor } from '../compaction/index.js';
import { KEY_REGISTRY_FILE, KEY_REGISTRY_TMP_FILE, KeyRing, keyRegistryExists, type DataKeySource } from '../crypto/index.js';
import { FaultFS, acquireDirLock, nodeFS, onRealFiles, readAll, type DirLock, type FileSystem } from '../fs/index.js';
import { MANIFEST_FILE, MANIFEST_REWRITE_FILE, Manifest } from '../manifest/index.js';
import { Memtable } from '../memtable/index.js';
import { DISCARD_FILE, DiscardStats, ValueLog } from '../vlog/index.js';
import { BlockCache, Table, type Block } from '../sstable/index.js';
import { DB } from './db.js';
import { fileName, joinPath, parseFileName } from './file-names.js';
import { checkNotForeign } from './foreign-dir.js';
import { LevelsVersion, sortL0 } from './levels.js';
import { Lsm } from './lsm.js';
import { levelLogger, resolveOptions, type Options } from './options.js';
import { newCounters, type Counters } from './stats.js';

export type OpenOptions = Partial<Options>;

/**
 * Opens (creating if needed) the database in `dir`, or an in-memory one:
 * `open(dir, options?)` or `open({ inMemory: true, ... })`.
 */
export async function open(dirOrOptions: string | OpenOptions, maybeOptions?: OpenOptions): Promise<DB> {
  let dir: string;
  let input: unknown;
  if (typeof dirOrOptions === 'string') {
    if (dirOrOptions.length === 0) throw new InvalidArgumentError('the database directory must be a non-empty string');
    dir = dirOrOptions;
    input = maybeOptions;
  } else if (typeof dirOrOptions === 'object' && dirOrOptions !== null) {
    // `dir` is a key of this form only, not an option: resolveOptions refuses unknown keys.
    const { dir: given, ...rest } = dirOrOptions as OpenOptions & { dir?: unknown };
    input = rest;
    if (typeof given === 'string' && given.length > 0) dir = given;
    else if (dirOrOptions.inMemory === true) dir = '/sett-in-memory';
    else throw new InvalidArgumentError('open() needs a directory, or { inMemory: true }');
  } else {
    throw new InvalidArgumentError(`open() needs a directory string or an options object, got ${dirOrOptions === null ? 'null' : typeof dirOrOptions}`);
  }
  const options = resolveOptions(input);
  if (options.inMemory) return openInMemory(dir, options);
  if (options.readOnly) return openReadOnly(dir, options);
  return openOnDisk(dir, options);
}

/** Attempts of a read-only open beside a writer that keeps changing the MANIFEST under it. */
const READ_ONLY_ATTEMPTS = 8;

/**
 * A read-only open takes no lock, so a live writer may flush, compact or delete files while it
 * reads the MANIFEST, the tables it names and the WALs it lists; what it assembled could then
 * miss a WAL flushed meanwhile, or fail on a table compacted away. Every such change appends to
 * the MANIFEST before the files go: an open during which the MANIFEST did not change saw one
 * state, and any other is done again (with a short backoff).
 */
async function openReadOnly(dir: string, options: Options): Promise<DB> {
  const fs = options.fs ?? nodeFS;
  const path = joinPath(dir, MANIFEST_FILE);
  const fingerprint = (): string => {
    try {
      const bytes = readAll(fs, path);
      return `${bytes.length}:${crc32(bytes)}`;
    } catch {
      return 'none'; // open itself reports a missing or unreadable MANIFEST
    }
  };
  for (let attempt = 1; ; attempt++) {
    const before = fingerprint();
    let db: DB | undefined;
    let error: unknown;
    try {
      db = await openOnDisk(dir, options);
    } catch (err) {
      error = err;
    }
    if (fingerprint() === before) {
      if (db !== undefined) return db;
      throw error;
    }
    await db?.close();
    if (attempt === READ_ONLY_ATTEMPTS) {
      throw new IoError(`the MANIFEST of ${dir} changed during each of ${READ_ONLY_ATTEMPTS} read-only opens (a live writer flushing or compacting); try again`, 'EBUSY', { file: MANIFEST_FILE });
    }
    await new Promise((resolve) => setTimeout(resolve, 2 ** attempt));
  }
}

/**
 * Entries an inMemory database's flush or compaction writes between yields: ~0.3-1 ms of work
 * (100-byte values), and a yield costs a few microseconds.
 */
const INMEMORY_JOB_SLICE_ENTRIES = 256;

async function openInMemory(dir: string, options: Options): Promise<DB> {
  // With executor 'worker' the files live in shared memory, which the workers read and write
  // without copies (compaction/shared-files.ts); by default flushes and compactions run on this
  // thread, in slices.
  const onWorkers = options.executor === 'worker';
  const fs = new FaultFS({ sharedMemory: onWorkers });
  fs.mkdir(dir);
  const counters = newCounters();
  const clock = options.clock ?? systemClock;
  const cache = new BlockCache<Block>(options.blockCacheSize);
  const executor =
    typeof options.executor === 'object'
      ? options.executor
      : onWorkers
        ? new WorkerExecutor(workerPoolSize(options), WORKER_IDLE_MS, fs)
        : new InlineExecutor(fs, { yieldEvery: INMEMORY_JOB_SLICE_ENTRIES });
  const log = levelLogger(options.logger, options.loggingLevel);
  const lsm = new Lsm(
    { dir, fs, options, executor, cache, manifest: undefined, counters, clock, durable: false, vlog: undefined, discard: undefined, log },
    Memtable.inMemory(options.memTableSize),
    [],
    LevelsVersion.empty(options.maxLevels),
    1,
  );
  return new DB({ dir, options, lsm, manifest: undefined, executor, cache, lock: undefined, counters, clock, lastVersion: 0, vlog: undefined, log });
}

async function openOnDisk(dir: string, options: Options): Promise<DB> {
  const fs = options.fs ?? nodeFS;
  const clock = options.clock ?? systemClock;
  const counters = newCounters();
  const log = levelLogger(options.logger, options.loggingLevel);
  let lock: DirLock | undefined;
  const opened: { tables: Table[]; memtables: Memtable[]; manifest?: Manifest; vlog?: ValueLog } = { tables: [], memtables: [] };
  try {
    checkNotForeign(fs, dir);
    if (!options.readOnly) {
      if (!fs.exists(dir)) {
        try {
          fs.mkdir(dir);
          // The directory's own entry must be durable before anything in it can be.
          await fs.syncDir(dirname(dir));
        } catch (err) {
          throw IoError.from(err, `create directory ${dir}`);
        }
      }
      // The lock lives on the real file system: FaultFS directories exist only in this process.
      if (onRealFiles(fs)) {
        lock = await acquireDirLock(dir, (err: Error) => log.error(`sett: the lock on ${dir} was compromised: ${err.message}`));
      }
    } else if (!fs.exists(dir)) {
      throw new NotADatabaseError(dir, 'the directory does not exist (a read-only open does not create a database)');
    }

    // The key is checked against KEYREGISTRY before any table, WAL or value-log byte is read.
    const keys = await openKeys(fs, dir, options, clock);
    const manifest = await openManifest(fs, dir, options, counters);
    opened.manifest = manifest;
    checkKeysFitManifest(manifest, keys, options);
    const cache = new BlockCache<Block>(options.blockCacheSize);
    const version = openTables(fs, dir, manifest, options, cache, opened.tables, keys);

    const names = fs.list(dir);
    let maxFileId = 0;
    for (const t of manifest.state.tables.keys()) maxFileId = Math.max(maxFileId, t);
    const walIds: number[] = [];
    const orphans: { id: number; name: string }[] = [];
    for (const name of names) {
      const parsed = parseFileName(name);
      if (parsed === undefined) continue;
      maxFileId = Math.max(maxFileId, parsed.id);
      if (parsed.kind === 'wal') walIds.push(parsed.id);
      else if (parsed.kind === 'table' && !manifest.state.tables.has(parsed.id)) orphans.push({ id: parsed.id, name });
    }
    walIds.sort((a, b) => a - b);
    // A read-only open deletes nothing, and beside a live writer the listing may hold tables newer
    // than the MANIFEST it read: verifyDirectory makes this check for read-only inspection.
    if (!options.readOnly) checkOrphans(fs, dir, manifest, orphans, new Set(walIds), keys);
    // A WAL a flush already emptied into a table, left behind because its deletion failed or a crash
    // came first: replaying it would put old versions in a memtable, above newer ones in the tables.
    while (walIds.length > 0 && walIds[0]! <= manifest.state.flushedWal) {
      const stale = walIds.shift()!;
      if (!options.readOnly) fs.unlink(joinPath(dir, fileName('wal', stale)));
    }
    // Written by a flush or compaction that crashed before its MANIFEST record (or left behind by
    // one that deleted them after it): garbage.
    if (!options.readOnly) for (const o of orphans) fs.unlink(joinPath(dir, o.name));

    const vlog = await ValueLog.open(fs, dir, {
      fileSizeBytes: options.valueLogFileSize,
      readOnly: options.readOnly,
      // Always: SPEC §4.2 promises a read never returns wrong bytes, and a value's CRC is the only
      // check that covers its bytes (verifyValueChecksum stays accepted for Badger parity).
      verifyChecksums: true,
      newFileId: () => ++maxFileId,
      ...(keys === undefined ? {} : { keys, currentKey: () => keys.current() }),
    });
    opened.vlog = vlog;
    if (vlog.tornBytes > 0) {
      counters.tornTailsTruncated++;
      counters.tornBytesTruncated += vlog.tornBytes;
    }

    // Flushes record the versions they saw: flatten or dropAll may have removed them since.
    let lastVersion = manifest.state.lastVersion;
    for (const t of version.tables()) lastVersion = Math.max(lastVersion, t.properties.maxVersion);
    const recovered: Memtable[] = [];
    // A WAL record pointing past the valid end of a value-log file (its bytes were lost in a
    // power loss with syncWrites off) was never committed: replay stops there, and every later
    // record and WAL goes with it, so the database opens to a prefix of the committed groups.
    let stopped = false;
    const pointsIntoLog = (entries: Entry[]): boolean => {
      for (const e of entries) {
        if ((e.meta & META_VALUE_POINTER) === 0) continue;
        const p = ValuePointer.decode(e.value);
        const end = vlog.validEnd(p.fileId);
        // A missing file older than the active one was collected by GC (older files are synced
        // whole before the log moves on, so a power loss cannot take them): the value was dead.
        if (end === undefined && p.fileId < vlog.activeFileId) continue;
        if (end === undefined || p.offset + p.length > end) {
          stopped = true;
          return false;
        }
      }
      return true;
    };
    for (let w = 0; w < walIds.length; w++) {
      const id = walIds[w]!;
      const path = joinPath(dir, fileName('wal', id));
      if (options.readOnly) {
        const r = Memtable.recoverReadOnly(fs, path, id, options.memTableSize, pointsIntoLog, keys);
        opened.memtables.push(r.memtable);
        recovered.push(r.memtable);
        lastVersion = Math.max(lastVersion, r.maxVersion);
        if (r.tornBytes > 0 || stopped) break;
        continue;
      }
      const replay = Memtable.replay(fs, path, id, options.memTableSize, pointsIntoLog, keys);
      const cut = replay.tornBytes > 0 || stopped;
      if (cut && w + 1 < walIds.length) {
        // Replay ended inside this WAL, so every later WAL holds records after the end: they go
        // first, durably, and only then is this WAL cut. Cutting first could let a power loss
        // keep the cut and lose the deletions, bringing later records back without earlier ones.
        for (const later of walIds.slice(w + 1)) fs.unlink(joinPath(dir, fileName('wal', later)));
        await fs.syncDir(dir);
      }
      const memtable = replay.resume();
      opened.memtables.push(memtable);
      recovered.push(memtable);
      lastVersion = Math.max(lastVersion, replay.maxVersion);
      if (cut) {
        // A cut is not durable until synced: new writes must not land after records it dropped.
        await memtable.sync();
        counters.tornTailsTruncated++;
        counters.tornBytesTruncated += replay.tornBytes;
        break;
      }
    }
    const executor = makeExecutor(options, fs);
    const discard = DiscardStats.load(fs, dir);
    const config = { dir, fs, options, executor, cache, manifest, counters, clock, durable: !options.readOnly, vlog, discard, keys, log };
    let active: Memtable;
    const newestFirst = recovered.reverse();
    if (options.readOnly) {
      active = newestFirst.shift() ?? Memtable.inMemory(options.memTableSize);
    } else {
      const newest = newestFirst[0];
      // An encrypted database never appends to a recovered WAL: after a cut, appending would reuse
      // the keystream of the bytes cut off. It continues in a fresh WAL (fresh IV, current key).
      if (newest !== undefined && !newest.isFull() && keys === undefined) {
        active = newestFirst.shift()!;
      } else {
        const id = ++maxFileId;
        // Encrypted like every WAL after it (found by the CLI helper: this first one was plaintext).
        active = Memtable.create(fs, joinPath(dir, fileName('wal', id)), id, options.memTableSize, keys === undefined ? undefined : { encryption: keys.current() });
        opened.memtables.push(active);
      }
      // Makes a new WAL's header, or a recovered WAL's truncated tail, durable before new writes
      // land after it (a crash must not bring back records recovery dropped).
      await active.sync();
      await fs.syncDir(dir);
    }
    const lsm = new Lsm(config, active, newestFirst, version, maxFileId + 1);
    return new DB({ dir, options, lsm, manifest, executor, cache, lock, counters, clock, lastVersion, vlog, log });
  } catch (err) {
    for (const m of opened.memtables) m.close();
    for (const t of opened.tables) t.close();
    opened.vlog?.close();
    opened.manifest?.close();
    await lock?.release();
    throw err instanceof SettError ? err : IoError.from(err, `open ${dir}`);
  }
}

function makeExecutor(options: Options, fs: FileSystem): Executor {
  if (typeof options.executor === 'object') return options.executor;
  // Workers reach files through node:fs only: any other FileSystem runs its jobs inline.
  if (options.executor === 'inline' || fs !== nodeFS) return new InlineExecutor(fs);
  return new WorkerExecutor(workerPoolSize(options));
}

/** Worker threads of a pool: at least one with numCompactors 0, since flushes run there too. */
function workerPoolSize(options: Options): number {
  return Math.max(1, options.numCompactors);
}

async function openManifest(fs: FileSystem, dir: string, options: Options, counters: Counters): Promise<Manifest> {
  if (Manifest.exists(fs, dir)) {
    const { manifest, tornBytes } = await Manifest.open(fs, dir, { readOnly: options.readOnly, deletionsRewriteThreshold: options.manifestRewriteThreshold });
    if (tornBytes > 0) {
      counters.tornTailsTruncated++;
      counters.tornBytesTruncated += tornBytes;
    }
    return manifest;
  }
  const names = fs.list(dir);
  // A MANIFEST-REWRITE without a MANIFEST is a creation that crashed before its rename: the
  // database never existed, so start over.
  if (names.includes(MANIFEST_REWRITE_FILE) && !options.readOnly) fs.unlink(joinPath(dir, MANIFEST_REWRITE_FILE));
  const foreign = names.filter((n) => n !== 'LOCK' && !n.startsWith('LOCK.') && n !== MANIFEST_REWRITE_FILE && n !== KEY_REGISTRY_FILE && n !== KEY_REGISTRY_TMP_FILE);
  const ours = foreign.filter((n) => parseFileName(n) !== undefined || n === DISCARD_FILE);
  if (ours.length > 0) {
    // sett's own files without the MANIFEST that lists them: a damaged database, not a foreign one.
    const shown = ours.slice(0, 3).join(', ') + (ours.length > 3 ? ', …' : '');
    throw new CorruptionError(MANIFEST_FILE, 0, `the MANIFEST is missing, yet ${dir} holds sett files (${shown})`);
  }
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? ', …' : '');
    throw new NotADatabaseError(dir, `not a sett database: no MANIFEST, but it holds ${shown}`);
  }
  if (options.readOnly) throw new NotADatabaseError(dir, 'no sett database here (a read-only open does not create one)');
  return Manifest.create(fs, dir, { deletionsRewriteThreshold: options.manifestRewriteThreshold });
}

/**
 * A table the MANIFEST does not name is garbage a crash left behind, unless it holds data from a
 * WAL that is gone and that no surviving record says was flushed: then the MANIFEST lost the
 * record of a finished flush (whose WAL was deleted only after the record was durable), and
 * deleting the table would lose acknowledged writes silently. That is CORRUPTION, and nothing is
 * deleted. A table that cannot be read was never finished (tables are synced before named).
 */
export function checkOrphans(
  fs: FileSystem,
  dir: string,
  manifest: Manifest,
  orphans: readonly { id: number; name: string }[],
  wals: ReadonlySet<number>,
  keys: DataKeySource | undefined,
): void {
  const flushed = manifest.state.flushedWal;
  for (const { id, name } of orphans) {
    let maxWalId: number;
    try {
      const t = Table.open(fs, joinPath(dir, name), id, { keys });
      maxWalId = t.properties.maxWalId;
      t.unref();
    } catch {
      continue;
    }
    if (maxWalId > flushed && !wals.has(maxWalId)) {
      throw new CorruptionError(
        MANIFEST_FILE,
        manifest.stats().fileBytes,
        `table ${name} holds data from WAL ${fileName('wal', maxWalId)}, which is gone, yet the MANIFEST records no flush past ${flushed === 0 ? 'none' : fileName('wal', flushed)}: records of finished work were lost`,
      );
    }
  }
}

function openTables(fs: FileSystem, dir: string, manifest: Manifest, options: Options, cache: BlockCache<Block>, opened: Table[], keys: KeyRing | undefined): LevelsVersion {
  const ids = manifest.state.levels(options.maxLevels);
  const levels: Table[][] = [];
  for (let level = 0; level < ids.length; level++) {
    const tables: Table[] = [];
    for (const id of ids[level]!) {
      const name = fileName('table', id);
      const path = joinPath(dir, name);
      if (!fs.exists(path)) throw new CorruptionError(name, 0, `table ${id} at L${level} is named by the MANIFEST but missing`);
      const t = Table.open(fs, path, id, { cache, keys });
      opened.push(t);
      tables.push(t);
    }
    // L0: newest first; deeper levels: by key range.
    if (level === 0) sortL0(tables);
    else tables.sort((a, b) => compareInternalKeys(a.properties.smallest, b.properties.smallest));
    levels.push(tables);
  }
  while (levels.length < options.maxLevels) levels.push([]);
  return new LevelsVersion(levels);
}

/**
 * The data keys of an encrypted database (undefined for a plain one), checked before any data is
 * read. A new database with a key gets its KEYREGISTRY before its MANIFEST, so a MANIFEST always
 * means the registry question is settled: a registry without a MANIFEST is a creation that
 * crashed, and starts over. Encrypted without a key, or with another key: WRONG_KEY. A plain
 * database opened with a key is refused with WRONG_KEY too (as Badger does): encrypting only new
 * files would leave the old ones readable while the user believes the database is protected.
 */
async function openKeys(fs: FileSystem, dir: string, options: Options, clock: { nowMs(): number }): Promise<KeyRing | undefined> {
  const registry = keyRegistryExists(fs, dir);
  const fresh = !Manifest.exists(fs, dir);
  const masterKey = options.encryptionKey;
  const ringOptions = { clock, rotationDays: options.encryptionKeyRotationDays, readOnly: options.readOnly };
  if (fresh) {
    if (options.readOnly) return undefined; // openManifest refuses: there is no database here
    // Anything else in the directory (sett files without their MANIFEST, or foreign files) makes
    // openManifest refuse; the registry is left as it is (its data keys may be all that is left).
    const others = fs.list(dir).filter((n) => n !== 'LOCK' && !n.startsWith('LOCK.') && n !== MANIFEST_REWRITE_FILE && n !== KEY_REGISTRY_FILE && n !== KEY_REGISTRY_TMP_FILE);
    if (others.length > 0) return undefined;
    if (registry) fs.unlink(joinPath(dir, KEY_REGISTRY_FILE));
    if (masterKey === undefined) return undefined;
    return await KeyRing.create(fs, dir, masterKey, ringOptions);
  }
  if (masterKey === undefined) {
    if (registry) throw new WrongKeyError(`${dir} is encrypted: open it with its encryptionKey`, KEY_REGISTRY_FILE);
    return undefined;
  }
  if (!registry) return undefined; // checkKeysFitManifest tells a plain database from a lost registry
  return await KeyRing.open(fs, dir, masterKey, ringOptions);
}

/** After the MANIFEST is read: a key on a plain database, or encrypted tables without a registry. */
function checkKeysFitManifest(manifest: Manifest, keys: KeyRing | undefined, options: Options): void {
  if (keys !== undefined) return;
  for (const t of manifest.state.tables.values()) {
    if (t.keyId !== 0) throw new CorruptionError(KEY_REGISTRY_FILE, 0, `KEYREGISTRY is missing, yet the MANIFEST names table ${fileName('table', t.tableId)} encrypted with data key ${t.keyId}`);
  }
  if (options.encryptionKey !== undefined) {
    throw new WrongKeyError('the database is not encrypted: open it without encryptionKey (an existing database cannot start encrypting)');
  }
}
