import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClosedError, InvalidArgumentError } from 'sett';
import { EmptyKeyError, KVStore } from '../../../examples/kv-store/index.js';
import { tempDir } from './helpers.js';

let store: KVStore;

beforeEach(async () => {
  // Synced writes cost an fsync each; these tests are about semantics, not durability.
  store = await KVStore.open({ path: tempDir(), syncWrites: false });
});
afterEach(async () => {
  await store.close();
});

const text = (b: Buffer | undefined): string | undefined => b?.toString('utf8');

describe('kv-store get', () => {
  it('a missing key is found: false with no value and no error', async () => {
    expect(await store.get('nope')).toEqual({ value: undefined, found: false });
  });

  it('refuses an empty key with EmptyKeyError ("Key cannot be empty") on every operation', async () => {
    for (const op of [() => store.get(''), () => store.put('', 'v'), () => store.delete('')]) {
      const err = await op().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EmptyKeyError);
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message).toBe('Key cannot be empty');
    }
    expect((await store.scan('')).size).toBe(0);
  });

  it('refuses a key that is not a string or holds a lone surrogate', async () => {
    await expect(store.get(42 as unknown as string)).rejects.toThrow(/key must be a string/);
    await expect(store.put('a\uD800', 'v')).rejects.toThrow(InvalidArgumentError);
  });

  it('keys with special characters round-trip exactly', async () => {
    const keys = ['key with spaces', 'a/b\\c', 'tab\tnew\nline', 'üñïçødé', '日本語', '🦀 crab', 'nul\u0000inside', "quote'\"`", '%20+&=?#'];
    for (const [i, k] of keys.entries()) await store.put(k, `v${i}`);
    for (const [i, k] of keys.entries()) expect(text((await store.get(k)).value)).toBe(`v${i}`);
    expect([...(await store.scan('')).keys()].sort()).toEqual([...keys].sort());
  });
});

describe('kv-store put', () => {
  it('overwrites: get returns the latest value', async () => {
    await store.put('k', 'one');
    await store.put('k', 'two');
    expect(await store.get('k')).toEqual({ value: Buffer.from('two'), found: true });
  });

  it('stores an empty value as found with zero bytes', async () => {
    await store.put('empty', new Uint8Array(0));
    const got = await store.get('empty');
    expect(got.found).toBe(true);
    expect(got.value?.length).toBe(0);
  });

  it('stores a 1 MiB value byte for byte', async () => {
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    await store.put('big', big);
    const got = await store.get('big');
    expect(got.found).toBe(true);
    expect(got.value!.equals(big)).toBe(true);
  });
});

describe('kv-store delete', () => {
  it('removes a key', async () => {
    await store.put('k', 'v');
    await store.delete('k');
    expect(await store.get('k')).toEqual({ value: undefined, found: false });
  });

  it('deleting a missing key succeeds', async () => {
    await expect(store.delete('never-written')).resolves.toBeUndefined();
  });
});

describe('kv-store scan', () => {
  beforeEach(async () => {
    for (const k of ['user:2', 'user:1', 'userinfo', 'user', 'user:10', 'admin:1', 'users:1']) await store.put(k, `v-${k}`);
  });

  it('"user:" matches only keys starting with "user:", never "userinfo", "user" or "users:1", in key order', async () => {
    const got = await store.scan('user:');
    expect([...got.keys()]).toEqual(['user:1', 'user:10', 'user:2']);
    expect(text(got.get('user:10'))).toBe('v-user:10');
  });

  it('an empty prefix returns every key in key order', async () => {
    expect([...(await store.scan('')).keys()]).toEqual(['admin:1', 'user', 'user:1', 'user:10', 'user:2', 'userinfo', 'users:1']);
  });

  it('a prefix nothing has gives an empty map', async () => {
    expect((await store.scan('zzz')).size).toBe(0);
  });

  it('leaves out deleted keys and shows overwritten ones once with the new value', async () => {
    await store.delete('user:1');
    await store.put('user:2', 'new');
    const got = await store.scan('user:');
    expect([...got.entries()].map(([k, v]) => [k, v.toString()])).toEqual([
      ['user:10', 'v-user:10'],
      ['user:2', 'new'],
    ]);
  });
});

describe('kv-store close', () => {
  it('every operation after close fails with ClosedError; a second close is fine', async () => {
    await store.close();
    for (const op of [() => store.get('k'), () => store.put('k', 'v'), () => store.delete('k'), () => store.scan('')]) {
      const err = await op().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClosedError);
      expect((err as ClosedError).code).toBe('CLOSED');
    }
    expect(() => store.engine).toThrow(ClosedError);
    await expect(store.close()).resolves.toBeUndefined();
  });
});

describe('kv-store concurrent use', () => {
  it('many concurrent puts and gets all land and read back', async () => {
    const n = 2000;
    await Promise.all(Array.from({ length: n }, (_, i) => store.put(`c:${String(i).padStart(5, '0')}`, `value-${i}`)));
    const reads = await Promise.all(Array.from({ length: n }, (_, i) => store.get(`c:${String(i).padStart(5, '0')}`)));
    expect(reads.every((r, i) => r.found && r.value!.toString() === `value-${i}`)).toBe(true);
    expect((await store.scan('c:')).size).toBe(n);
  });

  it('interleaved concurrent writers to the same keys leave one of the written values each', async () => {
    const ops: Promise<unknown>[] = [];
    for (let w = 0; w < 8; w++) {
      for (let k = 0; k < 50; k++) {
        ops.push(store.put(`s:${k}`, `w${w}`));
        ops.push(store.get(`s:${k}`));
      }
    }
    await Promise.all(ops);
    // Writes resolve in submission order (one writer queue), so the last writer's value wins.
    for (let k = 0; k < 50; k++) expect(text((await store.get(`s:${k}`)).value)).toBe('w7');
  });
});

describe('kv-store concurrent use with synced writes (the default)', () => {
  it('concurrent puts on a default store all land and survive a reopen', async () => {
    const dir = tempDir();
    const synced = await KVStore.openPath(dir);
    await Promise.all(Array.from({ length: 300 }, (_, i) => synced.put(`p:${i}`, `${i}`)));
    await synced.close();
    const again = await KVStore.openPath(dir);
    expect((await again.scan('p:')).size).toBe(300);
    await again.close();
  });
});
