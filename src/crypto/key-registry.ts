// KEYREGISTRY: the data keys of an encrypted database, encrypted by the master key
// (docs/format.md §KEYREGISTRY). Big-endian; CRC-32 is IEEE.
//
//   header (66 bytes):
//   +-------------------+-------------+-----------+--------------------------+-----------+---------------+
//   | magic "SETTKEYS"  | version u16 | salt (16) | check (32)               | count u32 | headerCrc u32 |
//   |                   | = 1         | random    | HMAC-SHA256(master,      | records   | CRC-32 of     |
//   |                   |             |           |   magic‖version‖salt)    |           | [0, 62)       |
//   +-------------------+-------------+-----------+--------------------------+-----------+---------------+
//   0                   8             10          26                         58          62              66
//
//   record × count (33 + keyLength bytes each), keyId strictly ascending:
//   +-----------+-------------------+---------+---------------+---------------------------+---------+
//   | keyId u32 | createdAtMs u64   | iv (16) | keyLength u8  | encrypted key (keyLength) | crc u32 |
//   | >= 1      | ms since epoch    | random  | 16, 24 or 32  | AES-CTR(master, iv, 0)    | of the  |
//   |           |                   |         |               |                           | record  |
//   +-----------+-------------------+---------+---------------+---------------------------+---------+
//   0           4                   12        28              29                      29+keyLength
//
// The file ends exactly after the last record. Checks run in this order, so that damage is
// CORRUPTION and only an intact file with the wrong master key is WRONG_KEY: magic, version,
// header CRC, every record's CRC and fields, the length; then the check value.

import { CorruptionError, NotADatabaseError, WrongKeyError, crc32Range, hex32, readU32, writeU32 } from '../base/index.js';
import { CTR_IV_BYTES, KEY_LENGTHS, ctrTransform, equalBytes, hmacSha256, randomBytesOf } from './aes-ctr.js';

export const KEY_REGISTRY_FILE = 'KEYREGISTRY';
/** Written whole, synced, then renamed over KEYREGISTRY; a leftover one is ignored and overwritten. */
export const KEY_REGISTRY_TMP_FILE = 'KEYREGISTRY-TMP';

// Part of the on-disk format: never change, add a version.
export const KEY_REGISTRY_MAGIC: Uint8Array = new Uint8Array([0x53, 0x45, 0x54, 0x54, 0x4b, 0x45, 0x59, 0x53]); // "SETTKEYS"
// Part of the on-disk format: never change, add a version.
export const KEY_REGISTRY_VERSION = 1;
// Part of the on-disk format: never change, add a version.
export const KEY_REGISTRY_HEADER_BYTES = 66;
const SALT_OFFSET = 10;
const SALT_BYTES = 16;
const CHECK_OFFSET = 26;
const CHECK_BYTES = 32;
const COUNT_OFFSET = 58;
const HEADER_CRC_OFFSET = 62;
/** Record bytes besides the encrypted key. */
const RECORD_FIXED_BYTES = 33;
/** A registry holds at most this many data keys (a rotation every day for 2^16 days is 179 years). */
export const KEY_REGISTRY_KEYS_MAX = 1 << 16;

const TWO_32 = 0x1_0000_0000;

/** A data key as the registry holds it, decrypted. */
export interface RegistryKey {
  id: number;
  createdAtMs: number;
  key: Uint8Array;
}

function checkValue(masterKey: Uint8Array, header: Uint8Array): Uint8Array {
  return hmacSha256(masterKey, header.subarray(0, SALT_OFFSET + SALT_BYTES));
}

/** The whole file for `keys` (ascending ids) under `masterKey`, with a fresh salt and fresh IVs. */
export function encodeKeyRegistry(masterKey: Uint8Array, keys: readonly RegistryKey[]): Uint8Array {
  let size = KEY_REGISTRY_HEADER_BYTES;
  for (const k of keys) size += RECORD_FIXED_BYTES + k.key.length;
  const out = new Uint8Array(size);
  out.set(KEY_REGISTRY_MAGIC, 0);
  out[8] = KEY_REGISTRY_VERSION >>> 8;
  out[9] = KEY_REGISTRY_VERSION & 0xff;
  out.set(randomBytesOf(SALT_BYTES), SALT_OFFSET);
  out.set(checkValue(masterKey, out), CHECK_OFFSET);
  writeU32(out, COUNT_OFFSET, keys.length);
  writeU32(out, HEADER_CRC_OFFSET, crc32Range(out, 0, HEADER_CRC_OFFSET));
  let p = KEY_REGISTRY_HEADER_BYTES;
  let previous = 0;
  for (const k of keys) {
    if (!Number.isInteger(k.id) || k.id <= previous || k.id > 0xffff_ffff) throw new RangeError(`data key ids must ascend from 1, got ${k.id} after ${previous}`);
    if (!KEY_LENGTHS.includes(k.key.length)) throw new RangeError(`data key ${k.id} is ${k.key.length} bytes`);
    previous = k.id;
    const start = p;
    writeU32(out, p, k.id);
    writeU32(out, p + 4, Math.floor(k.createdAtMs / TWO_32));
    writeU32(out, p + 8, k.createdAtMs >>> 0);
    const iv = randomBytesOf(CTR_IV_BYTES);
    out.set(iv, p + 12);
    out[p + 28] = k.key.length;
    out.set(ctrTransform(masterKey, iv, 0, k.key), p + 29);
    p += 29 + k.key.length;
    writeU32(out, p, crc32Range(out, start, p));
    p += 4;
  }
  return out;
}

/**
 * Decodes the registry and decrypts its keys with `masterKey`. Damage is CORRUPTION naming
 * KEYREGISTRY and the offset; an intact registry made under another master key is WRONG_KEY.
 */
export function decodeKeyRegistry(bytes: Uint8Array, masterKey: Uint8Array): RegistryKey[] {
  const sealed = checkKeyRegistry(bytes);
  if (!equalBytes(checkValue(masterKey, bytes), bytes.subarray(CHECK_OFFSET, CHECK_OFFSET + CHECK_BYTES))) {
    throw new WrongKeyError('the encryption key is not the one this database was encrypted with', KEY_REGISTRY_FILE);
  }
  return sealed.map((s) => {
    const key = ctrTransform(masterKey, s.iv, 0, s.encrypted);
    return { id: s.id, createdAtMs: s.createdAtMs, key: new Uint8Array(key.buffer, key.byteOffset, key.byteLength) };
  });
}

/** A data key as stored: still encrypted under the master key. */
export interface SealedKey {
  id: number;
  createdAtMs: number;
  iv: Uint8Array;
  encrypted: Uint8Array;
}

/**
 * Checks everything in the registry that needs no key (magic, version, header and record CRCs,
 * ids ascending, lengths) and returns the sealed records; damage is CORRUPTION naming KEYREGISTRY
 * and the offset. verify() uses it on databases whose key it does not have.
 */
export function checkKeyRegistry(bytes: Uint8Array): SealedKey[] {
  const file = KEY_REGISTRY_FILE;
  for (let i = 0; i < KEY_REGISTRY_MAGIC.length; i++) {
    if (bytes[i] !== KEY_REGISTRY_MAGIC[i]) throw new CorruptionError(file, 0, 'bad magic: not a sett key registry');
  }
  if (bytes.length < KEY_REGISTRY_HEADER_BYTES) throw new CorruptionError(file, 0, `file of ${bytes.length} bytes is shorter than its ${KEY_REGISTRY_HEADER_BYTES}-byte header`);
  const version = (bytes[8]! << 8) | bytes[9]!;
  const storedCrc = readU32(bytes, HEADER_CRC_OFFSET);
  const headerCrc = crc32Range(bytes, 0, HEADER_CRC_OFFSET);
  if (storedCrc !== headerCrc) throw new CorruptionError(file, HEADER_CRC_OFFSET, `header checksum ${hex32(storedCrc)} != ${hex32(headerCrc)}`);
  if (version !== KEY_REGISTRY_VERSION) throw new NotADatabaseError(file, `key registry format version ${version} (this build reads ${KEY_REGISTRY_VERSION})`);
  const count = readU32(bytes, COUNT_OFFSET);
  if (count > KEY_REGISTRY_KEYS_MAX) throw new CorruptionError(file, COUNT_OFFSET, `${count} data keys (at most ${KEY_REGISTRY_KEYS_MAX})`);
  const sealed: SealedKey[] = [];
  let p = KEY_REGISTRY_HEADER_BYTES;
  let previous = 0;
  for (let i = 0; i < count; i++) {
    if (p + RECORD_FIXED_BYTES > bytes.length) throw new CorruptionError(file, p, `record ${i} of ${count} cut short (truncated)`);
    const keyLength = bytes[p + 28]!;
    const end = p + 29 + keyLength;
    if (end + 4 > bytes.length) throw new CorruptionError(file, p, `record ${i} of ${count} cut short (truncated)`);
    const stored = readU32(bytes, end);
    const crc = crc32Range(bytes, p, end);
    if (stored !== crc) throw new CorruptionError(file, p, `data key record checksum ${hex32(stored)} != ${hex32(crc)}`);
    const id = readU32(bytes, p);
    const createdAtMs = readU32(bytes, p + 4) * TWO_32 + readU32(bytes, p + 8);
    if (id <= previous) throw new CorruptionError(file, p, `data key id ${id} does not ascend from ${previous}`);
    if (!KEY_LENGTHS.includes(keyLength)) throw new CorruptionError(file, p + 28, `data key length ${keyLength}`);
    if (!Number.isSafeInteger(createdAtMs)) throw new CorruptionError(file, p + 4, `creation time ${createdAtMs} is not a safe integer`);
    previous = id;
    sealed.push({ id, createdAtMs, iv: bytes.subarray(p + 12, p + 28), encrypted: bytes.subarray(p + 29, end) });
    p = end + 4;
  }
  if (p !== bytes.length) throw new CorruptionError(file, p, `${bytes.length - p} bytes after the last data key record`);
  return sealed;
}
