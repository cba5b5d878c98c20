// Encodings through the adapter: utf8 by default, buffer and view stored without conversion,
// others (json) transcoded by abstract-level; and where Level keys live inside sett.

import { describe, expect, it } from 'vitest';
import { LEVEL_KEY_SPACE } from '../../src/level/index.js';
import { faultLevel } from './helpers.js';

describe('encodings', () => {
  it('defaults to utf8 and declares buffer, view and utf8 as its store encodings', async () => {
    const db = faultLevel();
    expect(db.keyEncoding().name).toBe('utf8');
    expect(db.valueEncoding().name).toBe('utf8');
    // Not transcoded: SettLevel stores each of these formats as it is.
    expect(db.keyEncoding('buffer').name).toBe('buffer');
    expect(db.keyEncoding('view').name).toBe('view');
    expect(db.valueEncoding('utf8').name).toBe('utf8');
    expect(db.supports.encodings).toMatchObject({ buffer: true, view: true, utf8: true, json: true });
    await db.put('🐄', 'moo');
    expect(await db.get('🐄')).toBe('moo');
    expect(await db.iterator().all()).toEqual([['🐄', 'moo']]);
    await db.close();
  });

  it('returns a Buffer for buffer and a plain Uint8Array for view', async () => {
    const db = faultLevel<Uint8Array, Uint8Array>(undefined, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    const key = Uint8Array.of(0, 255, 7);
    await db.put(key, Uint8Array.of(1, 2, 3));
    const asView = await db.get(key);
    expect(asView?.constructor).toBe(Uint8Array);
    expect(Array.from(asView!)).toEqual([1, 2, 3]);
    const asBuffer = await db.get<Uint8Array, Buffer>(key, { valueEncoding: 'buffer' });
    expect(Buffer.isBuffer(asBuffer)).toBe(true);
    const [[k, v]] = await db.iterator().all();
    expect(k!.constructor).toBe(Uint8Array);
    expect(Array.from(k!)).toEqual([0, 255, 7]);
    expect(Array.from(v!)).toEqual([1, 2, 3]);
    await db.close();
  });

  it('transcodes json to utf8 and back', async () => {
    const db = faultLevel<string, { n: number }>(undefined, { valueEncoding: 'json' });
    await db.put('a', { n: 1 });
    expect(await db.get('a')).toEqual({ n: 1 });
    expect(await db.get<string, string>('a', { valueEncoding: 'utf8' })).toBe('{"n":1}');
    await db.close();
  });

  it('stores the Level key k as sett key 0x00‖k, and accepts the empty key', async () => {
    const db = faultLevel();
    await db.batch([
      { type: 'put', key: '', value: 'empty' },
      { type: 'put', key: 'a', value: '1' },
    ]);
    const raw = [...db.sett.iterator()].map(([k, v]) => [Array.from(k!), v!.toString()]);
    expect(raw).toEqual([
      [[LEVEL_KEY_SPACE], 'empty'],
      [[LEVEL_KEY_SPACE, 0x61], '1'],
    ]);
    expect(await db.get('')).toBe('empty');
    await db.close();
  });

  it('neither sees nor clears keys written to sett outside the Level key space', async () => {
    const db = faultLevel();
    await db.put('a', '1');
    await db.sett.put('outside', 'x');
    await db.sett.put(Uint8Array.of(0x01), 'y');
    expect(await db.iterator().all()).toEqual([['a', '1']]);
    expect(await db.iterator({ reverse: true }).all()).toEqual([['a', '1']]);
    expect(await db.get('outside')).toBeUndefined();
    await db.clear();
    expect(await db.keys().all()).toEqual([]);
    expect(db.sett.getSync('outside')?.toString()).toBe('x');
    await db.close();
  });

  it('passes a ttl option through to sett (put and batch)', async () => {
    const db = faultLevel();
    await db.open();
    // ttl is an option of SettLevel's own, beyond abstract-level's declared put/batch options.
    const ttl: object = { ttl: 60_000 };
    await db.put('p', 'v', ttl);
    await db.batch([{ type: 'put', key: 'b', value: 'v' }], ttl);
    await db.put('forever', 'v');
    const meta = [...db.sett.iterator({ meta: true })].map((e) => [e[0]!.subarray(1).toString(), e.expiresAt! > 0]);
    expect(meta).toEqual([
      ['b', true],
      ['forever', false],
      ['p', true],
    ]);
    await db.close();
  });
});
