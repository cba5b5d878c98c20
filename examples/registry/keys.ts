// Namespacing (seed 003 "Key Prefixing Strategy"): KV keys under "kv:", services under "svc:", so
// one prefix scan lists either and a KV key can never collide with a service.

import { InvalidArgumentError } from 'sett';

export const KV_PREFIX = 'kv:';
export const SERVICE_PREFIX = 'svc:';

export function kvKey(key: unknown): string {
  if (typeof key !== 'string') throw new InvalidArgumentError(`key must be a string, got ${typeof key}`);
  if (key.length === 0) throw new InvalidArgumentError('key cannot be empty');
  return KV_PREFIX + key;
}

export function serviceKey(name: unknown): string {
  if (typeof name !== 'string') throw new InvalidArgumentError(`service name must be a string, got ${typeof name}`);
  if (name.length === 0) throw new InvalidArgumentError('service name cannot be empty');
  return SERVICE_PREFIX + name;
}

export function checkPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string') throw new InvalidArgumentError(`prefix must be a string, got ${typeof prefix}`);
  return prefix;
}
