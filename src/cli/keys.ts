// Master keys on the command line (docs/cli.md §Encrypted databases): `--key-file PATH`, or the
// SETT_KEY_FILE environment variable when the flag is not given. A key file holds the raw key (16,
// 24 or 32 bytes) or that key as 32, 48 or 64 hex digits with an optional trailing newline.
//
// Also the part of KEYREGISTRY (docs/format.md §KEYREGISTRY) that needs no key: how many data
// keys there are and when each was made. `sett info` shows it without a key.

import { CorruptionError, WrongKeyError, crc32Range, hex32, isSettError, readU32 } from '../base/index.js';
import { KEY_LENGTHS, KEY_REGISTRY_FILE, KEY_REGISTRY_HEADER_BYTES, KEY_REGISTRY_VERSION, readKeyRegistry, type DataKey } from '../crypto/index.js';
import { nodeFS, readAll } from '../fs/index.js';
import { CliError, EXIT } from './errors.js';

export const KEY_FILE_ENV = 'SETT_KEY_FILE';

/** A master key and where it came from, for messages ("--key-file k.bin", "SETT_KEY_FILE=k.bin"). */
export interface MasterKey {
  bytes: Uint8Array;
  source: string;
}

function badKeyFile(source: string, why: string): CliError {
  return new CliError(`${source}: ${why}`, EXIT.usage, 'BAD_KEY_FILE');
}

/** Reads a key file (raw bytes or hex text); anything else is a usage error naming `source`. */
export function readKeyFile(path: string, source: string): Uint8Array {
  if (!nodeFS.exists(path)) throw badKeyFile(source, 'no such key file');
  let bytes: Uint8Array;
  try {
    bytes = readAll(nodeFS, path);
  } catch (err) {
    throw badKeyFile(source, `cannot read the key file: ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = Buffer.from(bytes).toString('latin1').replace(/\r?\n$/, '');
  // Hex first: a raw key that is all hex digits by chance has odds of (22/256)^16 at best.
  if (/^[0-9a-fA-F]+$/.test(text) && KEY_LENGTHS.includes(text.length / 2)) return Uint8Array.from(Buffer.from(text, 'hex'));
  if (KEY_LENGTHS.includes(bytes.length)) return bytes;
  throw badKeyFile(
    source,
    `holds ${bytes.length} bytes, which is not a key: a key file holds the raw key (16, 24 or 32 bytes) or the key as 32, 48 or 64 hex digits (a trailing newline is allowed)`,
  );
}

/** The master key of this run: `--key-file` when given, else SETT_KEY_FILE (unset or empty: none). */
export function masterKeyOf(flag: string | undefined, flagName = '--key-file'): MasterKey | undefined {
  if (flag !== undefined) {
    const source = `${flagName} ${flag}`;
    return { bytes: readKeyFile(flag, source), source };
  }
  const env = process.env[KEY_FILE_ENV];
  if (env === undefined || env === '') return undefined;
  const source = `${KEY_FILE_ENV}=${env}`;
  return { bytes: readKeyFile(env, source), source };
}

export function isEncryptedDir(names: readonly string[]): boolean {
  return names.includes(KEY_REGISTRY_FILE);
}

function join(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/**
 * Checks `key` against the database in `dir` (whose file names are `names`) before anything else
 * reads it, and returns its data keys (undefined for a plain database). An encrypted database
 * without a key (unless `keyOptional`), another key, or a key for a plain database: WRONG_KEY,
 * exit 1, with what to do.
 */
export function checkKey(dir: string, names: readonly string[], key: MasterKey | undefined, options: { keyOptional?: boolean } = {}): DataKey[] | undefined {
  if (!isEncryptedDir(names)) {
    if (key === undefined) return undefined;
    const unset = key.source.startsWith(KEY_FILE_ENV) ? ` (the key came from ${KEY_FILE_ENV}: set it empty)` : '';
    throw new CliError(`${dir}: this database is not encrypted: run without a key${unset}`, EXIT.failed, 'WRONG_KEY');
  }
  if (key === undefined) {
    if (options.keyOptional === true) return undefined;
    throw new CliError(`${dir}: the database is encrypted: pass --key-file FILE (or set ${KEY_FILE_ENV}) with its key`, EXIT.failed, 'WRONG_KEY');
  }
  return dataKeysOf(dir, key);
}

/** The data keys of the KEYREGISTRY in `dir`, decrypted with `key`; WRONG_KEY (exit 1) for another key. */
export function dataKeysOf(dir: string, key: MasterKey): DataKey[] {
  try {
    return readKeyRegistry(nodeFS, dir, key.bytes).map((k) => ({ id: k.id, key: k.key }));
  } catch (err) {
    if (err instanceof WrongKeyError) throw wrongKey(dir, key);
    throw err;
  }
}

export function wrongKey(dir: string, key: MasterKey, outcome = 'nothing was read'): CliError {
  return new CliError(`${dir}: the key from ${key.source} is not this database's key (WRONG_KEY); ${outcome}`, EXIT.failed, 'WRONG_KEY');
}

/** An engine WRONG_KEY, said the CLI's way (which flag to pass); other errors as they are. */
export function explainWrongKey(err: unknown, dir: string, key: MasterKey | undefined): unknown {
  if (!isSettError(err, 'WRONG_KEY')) return err;
  if (key !== undefined) return wrongKey(dir, key);
  return new CliError(`${dir}: the database is encrypted: pass --key-file FILE (or set ${KEY_FILE_ENV}) with its key`, EXIT.failed, 'WRONG_KEY');
}

// docs/format.md §KEYREGISTRY: the header's count and the records' ids, creation times and key
// lengths are plaintext; only the keys themselves are encrypted.
const COUNT_OFFSET = 58;
const HEADER_CRC_OFFSET = 62;
const RECORD_FIXED_BYTES = 33;
const MAGIC = 'SETTKEYS';

export interface RegistrySummary {
  version: number;
  keys: { id: number; createdAtMs: number; keyBytes: number }[];
}

/** The plaintext of a KEYREGISTRY, every CRC checked (CORRUPTION on damage); needs no key. */
export function summarizeKeyRegistry(bytes: Uint8Array): RegistrySummary {
  const file = KEY_REGISTRY_FILE;
  if (bytes.length < KEY_REGISTRY_HEADER_BYTES || Buffer.from(bytes.subarray(0, 8)).toString('latin1') !== MAGIC) {
    throw new CorruptionError(file, 0, `not a key registry (${bytes.length} bytes, magic ${Buffer.from(bytes.subarray(0, 8)).toString('hex')})`);
  }
  const stored = readU32(bytes, HEADER_CRC_OFFSET);
  const crc = crc32Range(bytes, 0, HEADER_CRC_OFFSET);
  if (stored !== crc) throw new CorruptionError(file, HEADER_CRC_OFFSET, `header checksum ${hex32(stored)} != ${hex32(crc)}`);
  const version = (bytes[8]! << 8) | bytes[9]!;
  if (version !== KEY_REGISTRY_VERSION) throw new CorruptionError(file, 8, `key registry format version ${version} (this build reads ${KEY_REGISTRY_VERSION})`);
  const count = readU32(bytes, COUNT_OFFSET);
  const keys: RegistrySummary['keys'] = [];
  let p = KEY_REGISTRY_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (p + RECORD_FIXED_BYTES > bytes.length) throw new CorruptionError(file, p, `record ${i} of ${count} cut short`);
    const keyBytes = bytes[p + 28]!;
    const end = p + 29 + keyBytes;
    if (end + 4 > bytes.length) throw new CorruptionError(file, p, `record ${i} of ${count} cut short`);
    const recordStored = readU32(bytes, end);
    const recordCrc = crc32Range(bytes, p, end);
    if (recordStored !== recordCrc) throw new CorruptionError(file, p, `data key record checksum ${hex32(recordStored)} != ${hex32(recordCrc)}`);
    keys.push({ id: readU32(bytes, p), createdAtMs: readU32(bytes, p + 4) * 0x1_0000_0000 + readU32(bytes, p + 8), keyBytes });
    p = end + 4;
  }
  return { version, keys };
}

export function readRegistrySummary(dir: string): RegistrySummary {
  return summarizeKeyRegistry(readAll(nodeFS, join(dir, KEY_REGISTRY_FILE)));
}
