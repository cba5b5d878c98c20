// `node dist/examples/kv-store/bench.js [--num N]`: put, get and scan through KVStore beside the
// same calls on a sett DB opened with the same options: the wrapper's cost as a ratio.
// Both sides run with syncWrites off (an fsync per put would hide the wrapper entirely), plus one
// row of synced puts, the store's default. Both databases are open at once and every phase runs
// in chunks that alternate between them (which side goes first flips each chunk), so a machine
// whose load changes mid-run colours both sides alike.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type DB } from 'sett';
import { KVStore } from './index.js';
import { intOption } from '../bench-args.js';

interface Side {
  put(key: string, value: Buffer): Promise<void>;
  get(key: string): Promise<unknown>;
  scan(prefix: string): Promise<number>;
}

const num = intOption('num', 1000, 100_000);
const SCAN_WIDTH = 100; // keys per scanned prefix
const CHUNKS = 20; // per phase and side
const WARMUP_OPS = 5_000;
const value = Buffer.alloc(100, 'v');
const keyOf = (i: number): string => `user:${String(i).padStart(8, '0')}`;

function engineSide(db: DB): Side {
  return {
    put: (k, v) => db.put(k, v),
    get: (k) => db.get(k),
    // Kept as pairs, as a caller of the engine would: the store's extra cost is its Map and keys as strings.
    scan: async (prefix) => {
      const out: [Buffer, Buffer][] = [];
      for (const [k, v] of db.iterator({ prefix })) out.push([k!, v!]);
      return out.length;
    },
  };
}

function storeSide(store: KVStore): Side {
  return {
    put: (k, v) => store.put(k, v),
    get: (k) => store.get(k),
    scan: async (prefix) => (await store.scan(prefix)).size,
  };
}

type Op = (side: Side, i: number) => Promise<void>;

/** Runs `count` ops on both sides in alternating chunks; returns ops/s per side. */
async function phase(sides: readonly [Side, Side], count: number, op: Op): Promise<[number, number]> {
  const spentMs = [0, 0];
  const chunk = Math.ceil(count / CHUNKS);
  for (let c = 0, from = 0; from < count; c++, from += chunk) {
    const to = Math.min(count, from + chunk);
    for (const which of c % 2 === 0 ? [0, 1] : [1, 0]) {
      const side = sides[which]!;
      const start = process.hrtime.bigint();
      for (let i = from; i < to; i++) await op(side, i);
      spentMs[which]! += Number(process.hrtime.bigint() - start) / 1e6;
    }
  }
  return [(count / spentMs[0]!) * 1000, (count / spentMs[1]!) * 1000];
}

const scans = Math.floor(num / SCAN_WIDTH);
const synced = Math.max(200, Math.floor(num / 200));
// Multiplying by a prime coprime to num visits every key once in a scattered order, the same
// order on both sides.
const putOp: Op = (side, i) => side.put(keyOf((i * 7919) % num), value);
const getOp: Op = async (side, i) => void (await side.get(keyOf((i * 104_729) % num)));
const scanOp: Op = async (side, s) => {
  const got = await side.scan(keyOf(s * SCAN_WIDTH).slice(0, -2));
  if (got !== SCAN_WIDTH) throw new Error(`scan ${s} saw ${got} keys, expected ${SCAN_WIDTH}`);
};
const syncedPutOp: Op = (side, i) => side.put(`s:${i}`, value);

const dirs = ['engine', 'store', 'engine-sync', 'store-sync'].map((k) => mkdtempSync(join(tmpdir(), `sett-kv-bench-${k}-`)));
const db = await open(dirs[0]!, { syncWrites: false, loggingLevel: 'error' });
const store = await KVStore.open({ path: dirs[1]!, syncWrites: false });
const syncedDb = await open(dirs[2]!, { syncWrites: true, loggingLevel: 'error' });
const syncedStore = await KVStore.openPath(dirs[3]!);
const rates: Record<string, [number, number]> = {};
try {
  const sides: [Side, Side] = [engineSide(db), storeSide(store)];
  // Warm the code paths on keys no scan prefix covers, so neither side pays for cold code.
  for (const side of sides) {
    for (let i = 0; i < WARMUP_OPS; i++) await side.put(`w:${i}`, value);
    for (let i = 0; i < WARMUP_OPS; i++) await side.get(`w:${i}`);
    for (let i = 0; i < WARMUP_OPS / SCAN_WIDTH; i++) await side.scan(`w:${i}`);
  }
  rates.put = await phase(sides, num, putOp);
  rates.get = await phase(sides, num, getOp);
  rates.scan = await phase(sides, scans, scanOp);
  rates.syncedPut = await phase([engineSide(syncedDb), storeSide(syncedStore)], synced, syncedPutOp);
} finally {
  await Promise.all([db.close(), store.close(), syncedDb.close(), syncedStore.close()]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const rows: [string, string][] = [
  ['put', `put (${fmt(num)} awaited, one at a time)`],
  ['get', `get (${fmt(num)} awaited, scattered order)`],
  ['scan', `scan (${fmt(scans)} prefixes x ${SCAN_WIDTH} keys)`],
  ['syncedPut', `put, syncWrites on (${fmt(synced)} awaited)`],
];
console.log(`kv-store: KVStore beside sett's DB, same options (syncWrites off unless said), 100-byte values, ${CHUNKS} alternating chunks per phase\n`);
console.log('| operation | sett DB ops/s | KVStore ops/s | KVStore / DB |');
console.log('|---|---:|---:|---:|');
for (const [op, label] of rows) {
  const [e, s] = rates[op]!;
  console.log(`| ${label} | ${fmt(e)} | ${fmt(s)} | ${(s / e).toFixed(2)}x |`);
}
