// SettLevel: sett behind abstract-level 3's interface (encodings, sublevels, events, hooks,
// deferred open come from abstract-level; this file is its private API over sett's DB).
//
// Reads are synchronous in sett (memory and positional file reads), so every read takes its
// version in the tick it is called: that is Level's implicit snapshot. Iterators and clear()
// hold a sett Snapshot for their whole life; explicit snapshots are sett Snapshots too.

import { join } from 'node:path';
import { AbstractLevel, type AbstractDatabaseOptions, type AbstractOpenOptions, type AbstractSnapshot } from 'abstract-level';
import { InvalidArgumentError } from '../base/index.js';
import { open, type BatchOperation, type DB, type OpenOptions, type Snapshot } from '../db/index.js';
import { nodeFS } from '../fs/index.js';
import { MANIFEST_FILE } from '../manifest/index.js';
import { Cursor, type CursorOptions } from './cursor.js';
import { databaseNotOpen, snapshotNotOpen, toLevelError } from './errors.js';
import { SettIterator, SettKeyIterator, SettValueIterator, type PrivateIteratorOptions } from './iterator.js';
import { toFormat, toSettKey, type DataFormat, type LevelData } from './keys.js';
import { boundsOf, type EncodedRange } from './range.js';
import { SettLevelSnapshot } from './snapshot.js';

/** Constructor options: abstract-level's, plus sett's own open options under `sett`. */
export interface SettLevelOptions<K, V> extends AbstractDatabaseOptions<K, V> {
  /**
   * sett's open options (SPEC §6), e.g. `{ syncWrites: true, memTableSize: 8 << 20 }`; also the
   * seams `fs`, `clock` and `executor`. `sett: { inMemory: true }` ignores the location.
   */
  sett?: OpenOptions | undefined;
}

/** db.open() options; a `sett` given here replaces the constructor's as a whole (for this open). */
export interface SettLevelOpenOptions extends AbstractOpenOptions {
  sett?: OpenOptions | undefined;
}

/** The options abstract-level passes to _open(): constructor options merged with open()'s. */
interface PrivateOpenOptions {
  createIfMissing: boolean;
  errorIfExists: boolean;
  sett?: OpenOptions | undefined;
}

/** Per-write options beyond Level's: sett's time to live (put, and batch or per operation). */
interface PrivateWriteOptions {
  ttl?: number | undefined;
}

interface PrivateReadOptions {
  keyEncoding: DataFormat;
  valueEncoding: DataFormat;
  snapshot?: AbstractSnapshot | undefined;
}

interface PrivateClearOptions extends EncodedRange {
  reverse: boolean;
  limit: number;
  keyEncoding: DataFormat;
  snapshot?: AbstractSnapshot | undefined;
}

type PrivateBatchOperation =
  | { type: 'put'; key: LevelData; value: LevelData; keyEncoding: DataFormat; valueEncoding: DataFormat; ttl?: number | undefined }
  | { type: 'del'; key: LevelData; keyEncoding: DataFormat };

type Manifest = ConstructorParameters<typeof AbstractLevel>[0];

/** Keys a clear() deletes per batch (each batch is also kept under an eighth of a memtable). */
const clearBatchKeysMax = 1000;

/**
 * An abstract-level database stored in sett: `new SettLevel(location, options?)`.
 * Keys live in their own key space inside sett (keys.ts): a Level key k is sett key 0x00‖k.
 */
export class SettLevel<KDefault = string, VDefault = string> extends AbstractLevel<LevelData, KDefault, VDefault> {
  readonly location: string;
  /** The constructor's sett options; kept apart so open hooks see only Level's options. */
  private readonly settOptions: OpenOptions | undefined;
  private settDb: DB | undefined;

  constructor(location: string, options: SettLevelOptions<KDefault, VDefault> = {}) {
    const inMemory = options.sett?.inMemory === true;
    if (typeof location !== 'string' || (location.length === 0 && !inMemory)) {
      throw new TypeError("The first argument 'location' must be a non-empty string");
    }
    const readOnly = options.sett?.readOnly === true;
    const manifest: Manifest & { getSync: boolean } = {
      encodings: { buffer: true, view: true, utf8: true },
      permanence: !inMemory,
      implicitSnapshots: true,
      explicitSnapshots: true,
      seek: true,
      has: true,
      getSync: true,
      // An in-memory database is always new, and a read-only open never creates one.
      createIfMissing: !inMemory && !readOnly,
      errorIfExists: !inMemory,
      additionalMethods: {},
    };
    const { sett, ...levelOptions } = options;
    super(manifest, levelOptions);
    this.location = location;
    this.settOptions = sett;
  }

  /** The sett database underneath (transactions, stats, backups...), while open. */
  get sett(): DB {
    if (this.settDb === undefined) throw databaseNotOpen();
    return this.settDb;
  }

  // ---- open and close ------------------------------------------------------------------

  /** abstract-level's open(), typed to take sett's options too. */
  override open(options?: SettLevelOpenOptions): Promise<void> {
    return options === undefined ? super.open() : super.open(options);
  }

  async _open(options: PrivateOpenOptions): Promise<void> {
    const settOptions: OpenOptions = { ...(options.sett ?? this.settOptions) };
    const inMemory = settOptions.inMemory === true;
    if (!inMemory) this.checkExistence(settOptions, options);
    try {
      this.settDb = await (inMemory && this.location === '' ? open(settOptions) : open(this.location, settOptions));
    } catch (err) {
      throw toLevelError(err);
    }
  }

  /** createIfMissing and errorIfExists, in LevelDB's words: a database exists if it has a MANIFEST. */
  private checkExistence(settOptions: OpenOptions, options: PrivateOpenOptions): void {
    const fs = settOptions.fs ?? nodeFS;
    const exists = fs.exists(join(this.location, MANIFEST_FILE));
    if (!exists && !options.createIfMissing) {
      throw new InvalidArgumentError(`${this.location} does not exist (createIfMissing is false)`);
    }
    if (exists && options.errorIfExists) {
      throw new InvalidArgumentError(`${this.location} exists (errorIfExists is true)`);
    }
  }

  async _close(): Promise<void> {
    const db = this.settDb;
    this.settDb = undefined;
    try {
      await db?.close();
    } catch (err) {
      throw toLevelError(err);
    }
  }

  // ---- reads -----------------------------------------------------------------------------

  /** Where a read looks: the live database, or the sett snapshot behind an explicit one. */
  private reader(snapshot: AbstractSnapshot | undefined): DB | Snapshot {
    if (snapshot === undefined || snapshot === null) return this.sett;
    return this.explicit(snapshot);
  }

  private explicit(snapshot: AbstractSnapshot): Snapshot {
    if (!(snapshot instanceof SettLevelSnapshot) || snapshot.root !== this) {
      throw new TypeError('The snapshot option must be a snapshot of this database (from db.snapshot())');
    }
    if (snapshot.sett.isReleased) throw snapshotNotOpen();
    return snapshot.sett;
  }

  private read(key: LevelData, snapshot: AbstractSnapshot | undefined): Buffer | undefined {
    try {
      return this.reader(snapshot).getSync(toSettKey(key));
    } catch (err) {
      throw toLevelError(err);
    }
  }

  _getSync(key: LevelData, options: PrivateReadOptions): LevelData | undefined {
    const value = this.read(key, options.snapshot);
    return value === undefined ? undefined : toFormat(value, options.valueEncoding);
  }

  async _get(key: LevelData, options: PrivateReadOptions): Promise<LevelData | undefined> {
    return this._getSync(key, options);
  }

  /** One synchronous pass, so every key is read at the same version (no commit lands mid-way). */
  async _getMany(keys: LevelData[], options: PrivateReadOptions): Promise<(LevelData | undefined)[]> {
    return keys.map((key) => this._getSync(key, options));
  }

  async _has(key: LevelData, options: PrivateReadOptions): Promise<boolean> {
    return this.read(key, options.snapshot) !== undefined;
  }

  async _hasMany(keys: LevelData[], options: PrivateReadOptions): Promise<boolean[]> {
    return keys.map((key) => this.read(key, options.snapshot) !== undefined);
  }

  // ---- writes ----------------------------------------------------------------------------

  async _put(key: LevelData, value: LevelData, options: PrivateWriteOptions): Promise<void> {
    try {
      await this.sett.put(toSettKey(key), value, options.ttl === undefined ? {} : { ttl: options.ttl });
    } catch (err) {
      throw toLevelError(err);
    }
  }

  async _del(key: LevelData): Promise<void> {
    try {
      await this.sett.delete(toSettKey(key));
    } catch (err) {
      throw toLevelError(err);
    }
  }

  /** One sett batch: atomic, one WAL record. A batch's options (ttl) reach every operation. */
  async _batch(operations: PrivateBatchOperation[]): Promise<void> {
    try {
      const ops: BatchOperation[] = operations.map((op) =>
        op.type === 'put'
          ? { type: 'put', key: toSettKey(op.key), value: op.value, ...(op.ttl === undefined ? {} : { ttl: op.ttl }) }
          : { type: 'del', key: toSettKey(op.key) },
      );
      await this.sett.batch(ops);
    } catch (err) {
      throw toLevelError(err);
    }
  }

  /**
   * Deletes the range as seen by a snapshot (the given one, or one taken now, so writes made
   * after the call are not deleted), in batches: not atomic as a whole, as Level allows.
   */
  async _clear(options: PrivateClearOptions): Promise<void> {
    const cursor = this.cursor(options, { reverse: options.reverse, keys: true, values: false });
    try {
      const db = this.sett;
      const chunkBytesMax = Math.floor(db.options.memTableSize / 8);
      let left = options.limit < 0 ? Infinity : options.limit;
      while (left > 0) {
        const ops: BatchOperation[] = [];
        let bytes = 0;
        while (left > 0 && ops.length < clearBatchKeysMax && bytes < chunkBytesMax) {
          const e = cursor.next();
          if (e === undefined) {
            left = 0;
            break;
          }
          ops.push({ type: 'del', key: e[0]! });
          bytes += e[0]!.length + 64;
          left--;
        }
        if (ops.length > 0) await db.batch(ops);
      }
    } catch (err) {
      throw toLevelError(err);
    } finally {
      cursor.close();
    }
  }

  // ---- iterators and snapshots -------------------------------------------------------------

  /** A cursor at the version of `options.snapshot`, or of a snapshot taken now (implicit). */
  private cursor(options: EncodedRange & { snapshot?: AbstractSnapshot | undefined }, mode: CursorOptions): Cursor {
    try {
      const explicit = options.snapshot !== undefined && options.snapshot !== null;
      const source = explicit ? this.explicit(options.snapshot!) : this.sett.snapshot();
      return new Cursor(source, !explicit, boundsOf(options), mode);
    } catch (err) {
      throw toLevelError(err);
    }
  }

  _iterator(options: PrivateIteratorOptions): SettIterator<this, KDefault, VDefault> {
    const mode = { reverse: options.reverse, keys: options.keys !== false, values: options.values !== false };
    return new SettIterator<this, KDefault, VDefault>(this, options, this.cursor(options, mode));
  }

  _keys(options: PrivateIteratorOptions): SettKeyIterator<this, KDefault> {
    return new SettKeyIterator<this, KDefault>(this, options, this.cursor(options, { reverse: options.reverse, keys: true, values: false }));
  }

  _values(options: PrivateIteratorOptions): SettValueIterator<this, KDefault, VDefault> {
    return new SettValueIterator<this, KDefault, VDefault>(this, options, this.cursor(options, { reverse: options.reverse, keys: false, values: true }));
  }

  _snapshot(options: { owner: object }): SettLevelSnapshot {
    try {
      return new SettLevelSnapshot(options, this, this.sett.snapshot());
    } catch (err) {
      throw toLevelError(err);
    }
  }
}
