// The data keys of an open encrypted database: loaded from KEYREGISTRY with the master key,
// rotated when the newest is older than encryptionKeyRotationDays, written crash-safely
// (docs/format.md §KEYREGISTRY). The master key stays here: files and background jobs only ever
// see data keys.

import { IoError, assert, type Clock } from '../base/index.js';
import { readAll, type FileSystem } from '../fs/index.js';
import { KEY_LENGTHS, randomBytesOf } from './aes-ctr.js';
import type { DataKey, DataKeySource } from './file-cipher.js';
import { KEY_REGISTRY_FILE, KEY_REGISTRY_KEYS_MAX, KEY_REGISTRY_TMP_FILE, decodeKeyRegistry, encodeKeyRegistry, type RegistryKey } from './key-registry.js';

const DAY_MS = 86_400_000;

export interface KeyRingOptions {
  clock: Clock;
  /** A new data key is made when the newest is at least this old (days; may be fractional). */
  rotationDays: number;
  readOnly: boolean;
}

function join(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

export function keyRegistryExists(fs: FileSystem, dir: string): boolean {
  return fs.exists(join(dir, KEY_REGISTRY_FILE));
}

/** Reads and decrypts the registry in `dir` (CORRUPTION, WRONG_KEY or IO_ERROR on failure). */
export function readKeyRegistry(fs: FileSystem, dir: string, masterKey: Uint8Array): RegistryKey[] {
  let bytes: Uint8Array;
  try {
    bytes = readAll(fs, join(dir, KEY_REGISTRY_FILE));
  } catch (err) {
    throw IoError.from(err, 'read key registry', KEY_REGISTRY_FILE);
  }
  return decodeKeyRegistry(bytes, masterKey);
}

/**
 * Replaces the registry in `dir`: KEYREGISTRY-TMP written, fdatasync'd, renamed over KEYREGISTRY,
 * directory synced. A crash leaves the old registry or the new one, never a mix or an empty file.
 */
export async function writeKeyRegistry(fs: FileSystem, dir: string, masterKey: Uint8Array, keys: readonly RegistryKey[]): Promise<void> {
  const bytes = encodeKeyRegistry(masterKey, keys);
  const tmp = join(dir, KEY_REGISTRY_TMP_FILE);
  try {
    const file = fs.open(tmp, 'w');
    try {
      file.append(bytes);
      await file.sync();
    } finally {
      file.close();
    }
    fs.rename(tmp, join(dir, KEY_REGISTRY_FILE));
    await fs.syncDir(dir);
  } catch (err) {
    throw IoError.from(err, 'write key registry', KEY_REGISTRY_FILE);
  }
}

export class KeyRing implements DataKeySource {
  private readonly byId = new Map<number, RegistryKey>();
  private newest: RegistryKey;
  /** A rotation in progress: flushes and compactions racing for one wait for it. */
  private rotation: Promise<void> | undefined;

  private constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
    private readonly masterKey: Uint8Array,
    keys: readonly RegistryKey[],
    private readonly options: KeyRingOptions,
  ) {
    assert(keys.length > 0, 'a key ring holds at least one data key');
    for (const k of keys) this.byId.set(k.id, k);
    this.newest = keys[keys.length - 1]!;
  }

  /** Makes the registry of a new database, with one data key of the master key's length. */
  static async create(fs: FileSystem, dir: string, masterKey: Uint8Array, options: KeyRingOptions): Promise<KeyRing> {
    assert(KEY_LENGTHS.includes(masterKey.length), 'master key length is validated with the options');
    const first: RegistryKey = { id: 1, createdAtMs: options.clock.nowMs(), key: randomBytesOf(masterKey.length) };
    await writeKeyRegistry(fs, dir, masterKey, [first]);
    return new KeyRing(fs, dir, masterKey, [first], options);
  }

  /** Loads the registry of an existing database; rotates at once when the newest key is due (not readOnly). */
  static async open(fs: FileSystem, dir: string, masterKey: Uint8Array, options: KeyRingOptions): Promise<KeyRing> {
    const keys = readKeyRegistry(fs, dir, masterKey);
    if (keys.length === 0) {
      // Only a registry this build never writes; a new key keeps the ring usable.
      if (options.readOnly) return new KeyRing(fs, dir, masterKey, [{ id: 1, createdAtMs: 0, key: new Uint8Array(masterKey.length) }], options);
      return await KeyRing.create(fs, dir, masterKey, options);
    }
    const ring = new KeyRing(fs, dir, masterKey, keys, options);
    await ring.maybeRotate();
    return ring;
  }

  dataKey(id: number): Uint8Array | undefined {
    return this.byId.get(id)?.key;
  }

  /** The data key new files are encrypted with. */
  current(): DataKey {
    return { id: this.newest.id, key: this.newest.key };
  }

  /** Every data key, ascending by id (for tests and tools). */
  keys(): RegistryKey[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  /** The data keys of `ids` (plus the current one), as plain data for a background job. */
  jobKeys(ids: Iterable<number>): DataKey[] {
    const out = new Map<number, DataKey>();
    out.set(this.newest.id, this.current());
    for (const id of ids) {
      const k = this.byId.get(id);
      if (k !== undefined) out.set(id, { id, key: k.key });
    }
    return [...out.values()];
  }

  /** The newest key is at least rotationDays old (by the injected clock). */
  isDue(): boolean {
    return this.options.clock.nowMs() - this.newest.createdAtMs >= this.options.rotationDays * DAY_MS;
  }

  /**
   * Adds a data key when the newest is due. The new key becomes current only once the registry
   * naming it is durable, so no file is ever encrypted with a key a crash could forget.
   */
  async maybeRotate(): Promise<boolean> {
    if (this.options.readOnly) return false;
    while (this.rotation !== undefined) await this.rotation;
    if (!this.isDue() || this.byId.size >= KEY_REGISTRY_KEYS_MAX) return false;
    const next: RegistryKey = { id: this.newest.id + 1, createdAtMs: this.options.clock.nowMs(), key: randomBytesOf(this.masterKey.length) };
    const all = [...this.keys(), next];
    this.rotation = writeKeyRegistry(this.fs, this.dir, this.masterKey, all);
    try {
      await this.rotation;
    } finally {
      this.rotation = undefined;
    }
    this.byId.set(next.id, next);
    this.newest = next;
    return true;
  }
}
