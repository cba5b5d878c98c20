// KEYREGISTRY (docs/format.md §KEYREGISTRY): round trip, wrong key vs. damage, crash-safe rewrite,
// master-key rotation.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock, isSettError } from '../../src/base/index.js';
import { KEY_REGISTRY_FILE, KeyRing, decodeKeyRegistry, encodeKeyRegistry, readKeyRegistry, rotateMasterKey, type RegistryKey } from '../../src/crypto/index.js';
import { open } from '../../src/db/index.js';
import { FaultFS } from '../../src/fs/index.js';

const DIR = '/db';
const OLD = new Uint8Array(16).fill(1);
const NEW = new Uint8Array(32).fill(2);

const keysArb = fc
  .array(
    fc.record({
      gap: fc.integer({ min: 1, max: 1000 }),
      createdAtMs: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      key: fc.constantFrom(16, 24, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
    }),
    { maxLength: 8 },
  )
  .map((rs) => {
    let id = 0;
    return rs.map((r): RegistryKey => ({ id: (id += r.gap), createdAtMs: r.createdAtMs, key: r.key }));
  });

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('KEYREGISTRY', () => {
  it('round-trips any list of data keys under any master key size', () => {
    fc.assert(
      fc.property(keysArb, fc.constantFrom(16, 24, 32), (keys, n) => {
        const master = Uint8Array.from({ length: n }, (_, i) => 255 - i);
        const bytes = encodeKeyRegistry(master, keys);
        const decoded = decodeKeyRegistry(bytes, master);
        expect(decoded.map((k) => ({ ...k, key: [...k.key] }))).toEqual(keys.map((k) => ({ ...k, key: [...k.key] })));
      }),
    );
  });

  it('never stores a data key in the clear', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => 0x41 + i);
    const bytes = Buffer.from(encodeKeyRegistry(OLD, [{ id: 1, createdAtMs: 5, key }]));
    expect(bytes.indexOf(Buffer.from(key.subarray(0, 8)))).toBe(-1);
  });

  it('tells an intact registry under another master key (WRONG_KEY) from any flipped bit (CORRUPTION or NOT_A_DATABASE, never WRONG_KEY, never wrong keys)', () => {
    const keys: RegistryKey[] = [
      { id: 1, createdAtMs: 1000, key: new Uint8Array(16).fill(5) },
      { id: 2, createdAtMs: 2000, key: new Uint8Array(16).fill(6) },
    ];
    const bytes = encodeKeyRegistry(OLD, keys);
    expect(thrown(() => decodeKeyRegistry(bytes, new Uint8Array(16).fill(9)))).toMatchObject({ code: 'WRONG_KEY', file: KEY_REGISTRY_FILE });
    expect(thrown(() => decodeKeyRegistry(bytes, NEW))).toMatchObject({ code: 'WRONG_KEY' });
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const bad = bytes.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      const err = thrown(() => decodeKeyRegistry(bad, OLD));
      expect(isSettError(err, 'CORRUPTION') || isSettError(err, 'NOT_A_DATABASE'), `bit ${bit}: ${String(err)}`).toBe(true);
    }
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(isSettError(thrown(() => decodeKeyRegistry(bytes.subarray(0, cut), OLD)), 'CORRUPTION'), `cut at ${cut}`).toBe(true);
    }
  });

  it('rotateMasterKey re-encrypts the registry: the new key opens the database, the old one is WRONG_KEY', async () => {
    const fs = new FaultFS({ durableMkdir: true });
    const db = await open(DIR, { fs, encryptionKey: OLD, memTableSize: 16 * 1024, valueThreshold: 16, executor: 'inline' });
    for (let i = 0; i < 300; i++) await db.put(`key-${i}`, `value-${i}-${'x'.repeat(i % 40)}`);
    await db.close();
    const before = readKeyRegistry(fs, DIR, OLD);
    await expect(rotateMasterKey(DIR, new Uint8Array(16), NEW, { fs })).rejects.toMatchObject({ code: 'WRONG_KEY' });
    await rotateMasterKey(DIR, OLD, NEW, { fs });
    expect(readKeyRegistry(fs, DIR, NEW).map((k) => [k.id, [...k.key]])).toEqual(before.map((k) => [k.id, [...k.key]]));
    await expect(open(DIR, { fs, encryptionKey: OLD })).rejects.toMatchObject({ code: 'WRONG_KEY' });
    const again = await open(DIR, { fs, encryptionKey: NEW, executor: 'inline' });
    for (let i = 0; i < 300; i += 37) expect(Buffer.from((await again.get(`key-${i}`))!).toString()).toBe(`value-${i}-${'x'.repeat(i % 40)}`);
    await again.close();
    await expect(rotateMasterKey(DIR, NEW, new Uint8Array(5), { fs })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('rotateMasterKey on a plain database is WRONG_KEY, on a directory without a database NOT_A_DATABASE', async () => {
    const fs = new FaultFS({ durableMkdir: true });
    const db = await open(DIR, { fs, executor: 'inline' });
    await db.close();
    await expect(rotateMasterKey(DIR, OLD, NEW, { fs })).rejects.toMatchObject({ code: 'WRONG_KEY' });
    fs.mkdir('/empty');
    await expect(rotateMasterKey('/empty', OLD, NEW, { fs })).rejects.toMatchObject({ code: 'NOT_A_DATABASE' });
  });

  it('survives a crash at every operation of a master-key rotation: the registry opens under the old key or the new one, never broken', async () => {
    const base = new FaultFS({ durableMkdir: true });
    const db = await open(DIR, { fs: base, encryptionKey: OLD, executor: 'inline' });
    await db.put('k', 'v');
    await db.close();
    // Count the operations of one rotation, then crash after each prefix of them.
    const probe = base.crash(0, { mode: 'keepAll' });
    let ops = 0;
    probe.onOperation = () => void ops++;
    await rotateMasterKey(DIR, OLD, NEW, { fs: probe });
    expect(ops).toBeGreaterThan(4);
    const seen = new Set<string>();
    for (let stop = 0; stop <= ops; stop++) {
      for (const seed of [1, 2, 3]) {
        const fs = base.crash(0, { mode: 'keepAll' });
        let n = 0;
        fs.onOperation = () => {
          if (n++ === stop) throw new Error('power cut');
        };
        await rotateMasterKey(DIR, OLD, NEW, { fs }).catch(() => undefined);
        fs.onOperation = undefined;
        const after = fs.crash(seed);
        const opened = await openEither(after);
        seen.add(opened);
        const reopened = await open(DIR, { fs: after, encryptionKey: opened === 'old' ? OLD : NEW, executor: 'inline' });
        expect(Buffer.from((await reopened.get('k'))!).toString()).toBe('v');
        await reopened.close();
      }
    }
    expect(seen).toEqual(new Set(['old', 'new']));
  });

  it('rotates data keys by the injected clock only when due, and never before the registry naming the new key is durable', async () => {
    const fs = new FaultFS({ durableMkdir: true });
    fs.mkdir(DIR);
    const clock = new ManualClock(0);
    const ring = await KeyRing.create(fs, DIR, OLD, { clock, rotationDays: 2, readOnly: false });
    expect(ring.current().id).toBe(1);
    clock.advance(2 * 86_400_000 - 1);
    expect(await ring.maybeRotate()).toBe(false);
    clock.advance(1);
    // The registry write fails: the ring keeps using key 1.
    fs.injectFault({ op: 'rename', errno: 'EIO' });
    await expect(ring.maybeRotate()).rejects.toMatchObject({ code: 'IO_ERROR' });
    expect(ring.current().id).toBe(1);
    fs.clearFaults();
    expect(await ring.maybeRotate()).toBe(true);
    expect(ring.current().id).toBe(2);
    expect(readKeyRegistry(fs, DIR, OLD).map((k) => k.id)).toEqual([1, 2]);
    expect(fs.isDurable(`${DIR}/${KEY_REGISTRY_FILE}`)).toBe(true);
  });
});

async function openEither(fs: FaultFS): Promise<'old' | 'new'> {
  try {
    readKeyRegistry(fs, DIR, OLD);
    return 'old';
  } catch (err) {
    if (!isSettError(err, 'WRONG_KEY')) throw err;
  }
  readKeyRegistry(fs, DIR, NEW);
  return 'new';
}
