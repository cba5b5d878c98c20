// Encryption at rest (docs/format.md §Encryption, docs/format.md §KEYREGISTRY): AES-CTR by byte
// position over node:crypto, per-file ciphers, and the KEYREGISTRY of data keys under the master key.
export { ctrAlgorithm, ctrTransform, ctrTransformInPlace, counterBlock, randomBytesOf, CTR_IV_BYTES, KEY_LENGTHS, type CtrAlgorithm } from './aes-ctr.js';
export { FileCipher, dataKeySource, type DataKey, type DataKeySource } from './file-cipher.js';
export {
  KEY_REGISTRY_MAGIC,
  KEY_REGISTRY_FILE,
  KEY_REGISTRY_TMP_FILE,
  KEY_REGISTRY_VERSION,
  KEY_REGISTRY_HEADER_BYTES,
  encodeKeyRegistry,
  decodeKeyRegistry,
  checkKeyRegistry,
  type RegistryKey,
  type SealedKey,
} from './key-registry.js';
export { KeyRing, keyRegistryExists, readKeyRegistry, writeKeyRegistry, type KeyRingOptions } from './key-ring.js';
export { rotateMasterKey, type RotateMasterKeyOptions } from './rotate-master.js';
