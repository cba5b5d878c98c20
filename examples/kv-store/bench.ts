// `node dist/examples/kv-store/bench.js [--num N]`: put, get and scan through KVStore beside the
// same calls on a sett DB opened with the same options: the wrapper's cost as a ratio.
// Both sides run with syncWrites off (an fsync per put would hide the wrapper entirely), plus one
// row of synced puts, the store's default. Each side runs three times, alternating; the best run counts (the machine may be shared).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type DB } from 'sett';
import { KVStore } from './index.js';

interface Side {
  put(key: string, value: Buffer): Promise<void>;
  get(key: string): Promise<unknown>;
  scan(prefix: string): Promise<number>;
}

function parseNum(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const text = a.startsWith('--num=') ? a.slice(6) : a === '--num' ? argv[i + 1] : undefined;
    if (text === undefined) continue;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 1000) throw new Error(`--num takes an integer >= 1000, got ${JSON.stringify(text)}`);
    return n;
  }
  return 100_000;
}

const num = parseNum(process.argv.slice(2));
const SCAN_WIDTH = 100; // keys per scanned prefix
const ROUNDS = 3;
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

async function timed(count: number, body: () => Promise<void>): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.();
  const start = process.hrtime.bigint();
  await body();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return (count / ms) * 1000;
}

async function measure(side: Side, puts: number, syncedPuts: Side | undefined): Promise<Record<string, number>> {
  const r: Record<string, number> = {};
  // Shuffled order: neither side gets a sequential-key advantage the other lacks.
  r.put = await timed(puts, async () => {
    for (let i = 0; i < puts; i++) await side.put(keyOf((i * 7919) % puts), value);
  });
  r.get = await timed(puts, async () => {
    for (let i = 0; i < puts; i++) await side.get(keyOf((i * 104_729) % puts));
  });
  const scans = Math.floor(puts / SCAN_WIDTH);
  r.scan = await timed(scans, async () => {
    for (let s = 0; s < scans; s++) {
      const got = await side.scan(keyOf(s * SCAN_WIDTH).slice(0, -2));
      if (got !== SCAN_WIDTH) throw new Error(`scan ${s} saw ${got} keys, expected ${SCAN_WIDTH}`);
    }
  });
  if (syncedPuts !== undefined) {
    const synced = Math.max(200, Math.floor(puts / 200));
    r.syncedPut = await timed(synced, async () => {
      for (let i = 0; i < synced; i++) await syncedPuts.put(`s:${i}`, value);
    });
  }
  return r;
}

async function run(kind: 'engine' | 'store'): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), `sett-kv-bench-${kind}-`));
  const syncedDir = mkdtempSync(join(tmpdir(), `sett-kv-bench-${kind}-sync-`));
  try {
    if (kind === 'engine') {
      const db = await open(dir, { syncWrites: false, loggingLevel: 'error' });
      const synced = await open(syncedDir, { syncWrites: true, loggingLevel: 'error' });
      try {
        return await measure(engineSide(db), num, engineSide(synced));
      } finally {
        await db.close();
        await synced.close();
      }
    }
    const store = await KVStore.open({ path: dir, syncWrites: false });
    const synced = await KVStore.openPath(syncedDir);
    try {
      return await measure(storeSide(store), num, storeSide(synced));
    } finally {
      await store.close();
      await synced.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(syncedDir, { recursive: true, force: true });
  }
}

const best: Record<'engine' | 'store', Record<string, number>> = { engine: {}, store: {} };
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of ['engine', 'store'] as const) {
    const r = await run(kind);
    for (const [op, rate] of Object.entries(r)) best[kind][op] = Math.max(best[kind][op] ?? 0, rate);
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const rows: [string, string][] = [
  ['put', `put (${fmt(num)} awaited, one at a time)`],
  ['get', `get (${fmt(num)} awaited, random order)`],
  ['scan', `scan (${fmt(num / SCAN_WIDTH)} prefixes x ${SCAN_WIDTH} keys)`],
  ['syncedPut', `put, syncWrites on (${fmt(Math.max(200, Math.floor(num / 200)))} awaited)`],
];
console.log(`kv-store: KVStore beside sett's DB, same options (syncWrites off unless said), 100-byte values; best of ${ROUNDS} runs each\n`);
console.log('| operation | sett DB ops/s | KVStore ops/s | KVStore / DB |');
console.log('|---|---:|---:|---:|');
for (const [op, label] of rows) {
  const e = best.engine[op]!;
  const s = best.store[op]!;
  console.log(`| ${label} | ${fmt(e)} | ${fmt(s)} | ${(s / e).toFixed(2)}x |`);
}
