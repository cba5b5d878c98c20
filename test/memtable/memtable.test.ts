// Memtable = skiplist + WAL: one WAL record per batch, gets that decode the value struct, and
// recovery on FaultFS (round trip, torn tails after a power loss, a caller stopping the replay,
// read-only recovery, a WAL larger than the arena it is replayed into).

import { describe, expect, it } from 'vitest';
import {
  compareInternalKeys,
  encodeInternalKey,
  isSettError,
  MAX_VERSION,
  META_DELETE,
  Rng,
  valueStructLength,
  type Entry,
} from '../../src/base/index.js';
import { FaultFS } from '../../src/fs/index.js';
import { Memtable } from '../../src/memtable/index.js';
import { WalWriter } from '../../src/wal/index.js';
import { bytes, hex } from './helpers.js';

const DIR = '/db';
const P = '/db/000001.mem';
const CAPACITY = 1 << 20;

/** A batch as the db writes one: every entry at the commit's version. */
function randomBatch(rng: Rng, version: number): Entry[] {
  const batch: Entry[] = [];
  for (let n = 1 + rng.int(8); n > 0; n--) {
    const deleted = rng.bool(0.2);
    batch.push({
      key: bytes(`key-${rng.int(40)}`),
      version,
      meta: deleted ? META_DELETE : 0,
      userMeta: rng.int(256),
      expiresAt: rng.bool(0.2) ? 1_700_000_000_000 + rng.int(1000) : 0,
      value: deleted ? new Uint8Array(0) : rng.bytes(rng.int(rng.bool(0.1) ? 3000 : 60)),
    });
  }
  return batch;
}

/** What iterating a memtable holding `batches` must give: internal-key order, later writes of a (key, version) win. */
function expectedEntries(batches: Entry[][]): string[] {
  const byKey = new Map<string, { ik: Uint8Array; e: Entry }>();
  for (const b of batches) for (const e of b) byKey.set(hex(encodeInternalKey(e.key, e.version)), { ik: encodeInternalKey(e.key, e.version), e });
  return [...byKey.values()].sort((a, b) => compareInternalKeys(a.ik, b.ik)).map(({ ik, e }) => describeEntry(ik, e));
}

function describeEntry(ik: Uint8Array, v: { meta: number; userMeta: number; expiresAt: number; value: Uint8Array }): string {
  return `${hex(ik)} m${v.meta} u${v.userMeta} x${v.expiresAt} ${hex(v.value)}`;
}

/** Every entry of the memtable, read through get() at the entry's own version (so get is checked too). */
function contents(m: Memtable): string[] {
  const out: string[] = [];
  const it = m.iterator();
  for (it.seekToFirst(); it.valid(); it.next()) {
    const ik = it.key();
    const found = m.get(ik.subarray(0, ik.length - 8), it.version());
    expect(found?.version).toBe(it.version());
    out.push(describeEntry(ik.slice(), found!));
  }
  return out;
}

async function durableDir(): Promise<FaultFS> {
  const fs = new FaultFS();
  fs.mkdir(DIR);
  await fs.syncDir('/');
  return fs;
}

describe('Memtable.apply and get', () => {
  it('appends one WAL record per batch, then makes every entry visible with its value struct', async () => {
    const fs = await durableDir();
    const m = Memtable.create(fs, P, 1, CAPACITY);
    const sizer = WalWriter.create(fs, '/db/sizer.mem');
    const rng = new Rng(1);
    const batches: Entry[][] = [];
    for (let v = 1; v <= 30; v++) {
      const b = randomBatch(rng, v);
      const appendsBefore = fs.countOf('append');
      const walBefore = m.walBytes();
      m.apply(b);
      expect(fs.countOf('append') - appendsBefore).toBe(1);
      expect(m.walBytes() - walBefore).toBe(sizer.encodedSize(b));
      batches.push(b);
    }
    expect(contents(m)).toEqual(expectedEntries(batches));
    expect(m.maxVersion).toBe(30);
    expect(m.isEmpty()).toBe(false);
    m.close();
    sizer.close();
  });

  it('get returns the newest version at or below the read version, tombstones included', () => {
    const m = Memtable.inMemory(CAPACITY);
    expect(m.isEmpty()).toBe(true);
    const put = (version: number, meta: number, value: string): void =>
      m.apply([{ key: bytes('k'), version, meta, userMeta: 7, expiresAt: 0, value: bytes(value) }]);
    put(5, 0, 'five');
    put(8, META_DELETE, '');
    put(12, 0, 'twelve');
    const at = (rv: number): string | undefined => {
      const r = m.get(bytes('k'), rv);
      return r === undefined ? undefined : `${r.version}/${r.meta}/${r.userMeta}/${new TextDecoder().decode(r.value)}`;
    };
    expect(at(MAX_VERSION)).toBe('12/0/7/twelve');
    expect(at(11)).toBe(`8/${META_DELETE}/7/`);
    expect(at(7)).toBe('5/0/7/five');
    expect(at(4)).toBeUndefined();
    expect(m.get(bytes('j'), MAX_VERSION)).toBeUndefined();
    expect(m.walBytes()).toBe(0);
  });

  it('refuses a batch hasRoomFor rejects, before writing anything to the WAL', async () => {
    const fs = await durableDir();
    const m = Memtable.create(fs, P, 1, 64 * 1024);
    const big: Entry[] = [{ key: bytes('big'), version: 1, meta: 0, userMeta: 0, expiresAt: 0, value: new Uint8Array(70 * 1024) }];
    expect(m.hasRoomFor(big)).toBe(false);
    const walBefore = m.walBytes();
    expect(() => m.apply(big)).toThrow(/hasRoomFor/);
    expect(m.walBytes()).toBe(walBefore);
    expect(fs.readFileDirect(P).length).toBe(walBefore);
    expect(m.isEmpty()).toBe(true);
    m.close();
  });

  it('hasRoomFor never admits a batch that apply cannot finish, up to isFull', () => {
    const m = Memtable.inMemory(64 * 1024);
    const rng = new Rng(3);
    let v = 0;
    for (;;) {
      const b = randomBatch(rng, ++v);
      if (!m.hasRoomFor(b)) break;
      m.apply(b); // asserts internally that every entry fits
    }
    expect(m.skiplist.sizeBytes()).toBeLessThanOrEqual(64 * 1024);
    const tiny: Entry[] = [{ key: new Uint8Array(0), version: 1, meta: 0, userMeta: 0, expiresAt: 0, value: new Uint8Array(0) }];
    expect(m.isFull()).toBe(!m.hasRoomFor(tiny));
    expect(valueStructLength(tiny[0]!)).toBe(3);
  });

  it('an empty memtable takes any batch of small entries up to half its capacity at 64 bytes of overhead each', () => {
    // The db admits a batch when sum(key + value struct + 64) <= memTableSize / 2 and rotates
    // until the batch fits: hasRoomFor must never refuse such a batch on an empty memtable.
    for (let seed = 1; seed <= 20; seed++) {
      const capacity = 64 * 1024;
      const m = Memtable.inMemory(capacity, seed);
      const batch: Entry[] = [];
      for (let bytesCounted = 0; ; ) {
        const e: Entry = { key: Uint8Array.of(batch.length & 0xff, batch.length >> 8), version: 1, meta: 0, userMeta: 0, expiresAt: 0, value: new Uint8Array(0) };
        const cost = e.key.length + valueStructLength(e) + 64;
        if (bytesCounted + cost > capacity / 2) break;
        bytesCounted += cost;
        batch.push(e);
      }
      expect(m.hasRoomFor(batch), `seed ${seed}`).toBe(true);
      m.apply(batch);
      expect(m.skiplist.count).toBe(batch.length);
    }
  });
});

describe('Memtable.recover', () => {
  it('round-trips every batch through the WAL, and appends after the recovered end', async () => {
    const fs = await durableDir();
    const rng = new Rng(11);
    const batches: Entry[][] = [];
    const m = Memtable.create(fs, P, 1, CAPACITY);
    for (let v = 1; v <= 40; v++) {
      batches.push(randomBatch(rng, v));
      m.apply(batches[batches.length - 1]!);
    }
    await m.sync();
    m.close();

    const seen: number[] = [];
    const r = Memtable.recover(fs, P, 1, CAPACITY, (entries) => void seen.push(entries[0]!.version));
    expect(seen).toEqual(batches.map((b) => b[0]!.version));
    expect(r.tornBytes).toBe(0);
    expect(r.maxVersion).toBe(40);
    expect(r.memtable.fileId).toBe(1);
    expect(contents(r.memtable)).toEqual(expectedEntries(batches));

    const more = randomBatch(rng, 41);
    r.memtable.apply(more);
    batches.push(more);
    await r.memtable.sync();
    r.memtable.close();
    const again = Memtable.recover(fs, P, 1, CAPACITY);
    expect(contents(again.memtable)).toEqual(expectedEntries(batches));
    expect(again.maxVersion).toBe(41);
    again.memtable.close();
  });

  it('after a power loss recovers whole batches only: all synced ones and a prefix of the rest; truncates the torn tail', async () => {
    let tornSeen = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const rng = new Rng(seed);
      const fs = await durableDir();
      const m = Memtable.create(fs, P, 1, CAPACITY);
      await m.sync();
      await fs.syncDir(DIR);
      const batches: Entry[][] = [];
      let synced = 0;
      for (let v = 1; v <= 12; v++) {
        batches.push(randomBatch(rng, v));
        m.apply(batches[batches.length - 1]!);
        if (rng.bool(0.3)) {
          await m.sync();
          synced = batches.length;
        }
      }
      const crashed = fs.crash(seed, { files: 'torn', tornGarbage: rng.bool(0.5) });
      const r = Memtable.recover(crashed, P, 1, CAPACITY);
      const got = contents(r.memtable).join('\n');
      let kept = -1;
      for (let k = 0; k <= batches.length && kept < 0; k++) if (expectedEntries(batches.slice(0, k)).join('\n') === got) kept = k;
      expect(kept, `seed ${seed}: recovered entries are not a prefix of whole batches`).toBeGreaterThanOrEqual(0);
      expect(kept, `seed ${seed}: lost a synced batch`).toBeGreaterThanOrEqual(synced);
      if (r.tornBytes > 0) tornSeen++;
      // The torn tail is gone from the file, and appends after it recover.
      expect(crashed.readFileDirect(P).length).toBe(r.memtable.walBytes());
      const extra = randomBatch(rng, 100);
      r.memtable.apply(extra);
      await r.memtable.sync();
      r.memtable.close();
      const again = Memtable.recover(crashed, P, 1, CAPACITY);
      expect(again.tornBytes).toBe(0);
      expect(contents(again.memtable)).toEqual(expectedEntries([...batches.slice(0, kept), extra]));
      again.memtable.close();
    }
    expect(tornSeen).toBeGreaterThan(0);
  });

  it('stops where onBatch returns false, drops that batch and every later one, and truncates there', async () => {
    const fs = await durableDir();
    const rng = new Rng(5);
    const m = Memtable.create(fs, P, 1, CAPACITY);
    const batches: Entry[][] = [];
    for (let v = 1; v <= 10; v++) {
      batches.push(randomBatch(rng, v));
      m.apply(batches[batches.length - 1]!);
    }
    m.close();
    const sizeBefore = fs.readFileDirect(P).length;
    const r = Memtable.recover(fs, P, 1, CAPACITY, (entries) => entries[0]!.version < 7);
    expect(contents(r.memtable)).toEqual(expectedEntries(batches.slice(0, 6)));
    expect(r.maxVersion).toBe(6);
    expect(r.tornBytes).toBeGreaterThan(0);
    expect(fs.readFileDirect(P).length).toBe(sizeBefore - r.tornBytes);
    r.memtable.close();
  });

  it('recoverReadOnly leaves the file as it is and refuses writes', async () => {
    const fs = await durableDir();
    const m = Memtable.create(fs, P, 1, CAPACITY);
    const batches = [randomBatch(new Rng(2), 1)];
    m.apply(batches[0]!);
    m.close();
    fs.writeFileDirect(P, Uint8Array.from([...fs.readFileDirect(P), 1, 2, 3])); // a torn tail
    const before = fs.readFileDirect(P).slice();
    const r = Memtable.recoverReadOnly(fs, P, 1, CAPACITY);
    expect(r.tornBytes).toBe(3);
    expect(contents(r.memtable)).toEqual(expectedEntries(batches));
    expect(fs.readFileDirect(P)).toEqual(before);
    let err: unknown;
    try {
      r.memtable.apply(randomBatch(new Rng(3), 2));
    } catch (e) {
      err = e;
    }
    expect(isSettError(err, 'READ_ONLY')).toBe(true);
    r.memtable.close();
  });

  it('replays a WAL written with a larger memtable into a grown arena and reports it full', async () => {
    const fs = await durableDir();
    const rng = new Rng(9);
    const m = Memtable.create(fs, P, 1, CAPACITY);
    const batches: Entry[][] = [];
    for (let v = 1; m.skiplist.sizeBytes() < 200 * 1024; v++) {
      batches.push(randomBatch(rng, v));
      m.apply(batches[batches.length - 1]!);
    }
    m.close();
    const small = 64 * 1024;
    const r = Memtable.recover(fs, P, 1, small);
    expect(r.memtable.skiplist.capacityBytes()).toBeGreaterThan(small);
    expect(contents(r.memtable)).toEqual(expectedEntries(batches));
    expect(r.memtable.isFull()).toBe(true);
    expect(r.memtable.hasRoomFor(randomBatch(rng, 1000))).toBe(false);
    r.memtable.close();
  });
});
