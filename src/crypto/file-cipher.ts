// The cipher of one encrypted file: its data key and its own random IV, and the lookup readers use
// to find a data key by the id a file header names (docs/format.md §Encryption).

import { CorruptionError, WrongKeyError } from '../base/index.js';
import { CTR_IV_BYTES, ctrTransform, ctrTransformInPlace, randomBytesOf } from './aes-ctr.js';

/** A data key: the AES key (16, 24 or 32 bytes) that encrypts files, and its KEYREGISTRY id (≥ 1). */
export interface DataKey {
  readonly id: number;
  readonly key: Uint8Array;
}

/** Finds a data key by id (the KEYREGISTRY, or the keys a background job was handed). */
export interface DataKeySource {
  dataKey(id: number): Uint8Array | undefined;
}

/** A DataKeySource over a plain list (jobs carry their keys as plain data across threads). */
export function dataKeySource(keys: readonly DataKey[]): DataKeySource {
  const map = new Map<number, Uint8Array>();
  for (const k of keys) map.set(k.id, k.key);
  return { dataKey: (id) => map.get(id) };
}

export class FileCipher {
  private constructor(
    readonly keyId: number,
    readonly key: Uint8Array,
    readonly iv: Uint8Array,
  ) {}

  /** A cipher for a new file: a fresh random IV (never derived from the file id, which can be reused). */
  static forNewFile(dataKey: DataKey): FileCipher {
    return new FileCipher(dataKey.id, dataKey.key, randomBytesOf(CTR_IV_BYTES));
  }

  /**
   * The cipher of an existing file whose header names `keyId` and `iv`; undefined for keyId 0
   * (not encrypted). No key source: WRONG_KEY (the database was opened without its key). A key id
   * the source does not hold: CORRUPTION at `keyIdOffset` of `file`.
   */
  static forFile(file: string, keyIdOffset: number, keyId: number, iv: Uint8Array, keys: DataKeySource | undefined): FileCipher | undefined {
    if (keyId === 0) return undefined;
    if (keys === undefined) throw new WrongKeyError(`${file} is encrypted (data key ${keyId}): open the database with its encryptionKey`, file);
    const key = keys.dataKey(keyId);
    if (key === undefined) throw new CorruptionError(file, keyIdOffset, `encrypted with data key ${keyId}, which KEYREGISTRY does not hold`);
    return new FileCipher(keyId, key, iv);
  }

  /** The bytes at file `position`, encrypted or decrypted (the same XOR); a new buffer. */
  transform(position: number, input: Uint8Array): Buffer {
    return ctrTransform(this.key, this.iv, position, input);
  }

  /** Transforms buf[start, end), the bytes at file `position`, in place. */
  transformInPlace(buf: Uint8Array, start: number, end: number, position: number): void {
    ctrTransformInPlace(this.key, this.iv, position, buf, start, end);
  }
}
