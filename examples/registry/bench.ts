// `node dist/examples/registry/bench.js [--rounds N]`: seed 003's batching claim ("100 individual
// Sets: ~100ms, 1 BatchSet(100): ~10ms") on sett: 100 awaited set() calls beside one batchSet of
// the same 100 keys, with syncWrites on (an fsync per commit) and off, on the disk engine; the
// memory engine for reference. Median of N rounds (default 30) after 5 unrecorded warm-up rounds
// (cold code is several times slower), each round on fresh keys.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBadgerEngine, openMemoryEngine, type Engine } from './index.js';
import { intOption } from '../bench-args.js';

const BATCH = 100;
const WARMUP_ROUNDS = 5;

const rounds = intOption('rounds', 1, 30);
const value = Buffer.from(JSON.stringify({ address: '10.0.0.1', port: 8500, tags: ['primary', 'v1'] }));

async function ms(body: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await body();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function measure(engine: Engine): Promise<{ singles: number; batch: number }> {
  const singles: number[] = [];
  const batch: number[] = [];
  for (let r = -WARMUP_ROUNDS; r < rounds; r++) {
    const keys = Array.from({ length: BATCH }, (_, i) => `bench/${r}/${i}`);
    const single = await ms(async () => {
      for (const k of keys) await engine.set(`${k}/single`, value);
    });
    const items = new Map(keys.map((k) => [`${k}/batch`, value]));
    const one = await ms(() => engine.batchSet(items));
    if (r < 0) continue;
    singles.push(single);
    batch.push(one);
  }
  return { singles: median(singles), batch: median(batch) };
}

const rows: { label: string; singles: number; batch: number }[] = [];
for (const syncWrites of [true, false]) {
  const dir = mkdtempSync(join(tmpdir(), 'sett-registry-bench-'));
  const engine = await openBadgerEngine(join(dir, 'data'), { syncWrites });
  try {
    rows.push({ label: `disk, syncWrites ${syncWrites ? 'on' : 'off'}`, ...(await measure(engine)) });
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
const memory = await openMemoryEngine();
try {
  rows.push({ label: 'memory engine', ...(await measure(memory)) });
} finally {
  await memory.close();
}

console.log(`registry: ${BATCH} awaited set() calls vs one batchSet of ${BATCH} (${value.length}-byte values), median of ${rounds} rounds after ${WARMUP_ROUNDS} warm-up rounds\n`);
console.log(`| engine | ${BATCH} x set() | batchSet(${BATCH}) | singles / batch |`);
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.label} | ${r.singles.toFixed(2)} ms | ${r.batch.toFixed(2)} ms | ${(r.singles / r.batch).toFixed(1)}x |`);
console.log(`\nThe seed (Konsul on Badger) quotes ~100 ms vs ~10 ms (10x).`);
