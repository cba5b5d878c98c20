import { describe, expect, it } from 'vitest';
import { INSERT, OpStream, READ, RMW, SCAN, UPDATE, YCSB_MIXES, type Chunk, type YcsbName } from '../../bench/harness/ycsb.js';
import { key } from '../../bench/harness/data.js';

const SEED = 5;
const RECORDS = 10_000;
const OPS = 20_000;

function drawAll(name: YcsbName, seed = SEED): { kinds: number[]; numbers: number[]; scanLengths: number[]; inserted: number } {
  const state = { records: RECORDS, inserted: 0 };
  const stream = new OpStream(YCSB_MIXES[name], seed, state);
  const chunk: Chunk = { kinds: new Uint8Array(1000), keys: [], scanLengths: new Uint8Array(1000) };
  const out = { kinds: [] as number[], numbers: [] as number[], scanLengths: [] as number[], inserted: 0 };
  for (let at = 0; at < OPS; at += 1000) {
    const numbers = stream.draw(1000, chunk);
    numbers.forEach((n, i) => expect(chunk.keys[i]!.equals(key(n))).toBe(true));
    out.numbers.push(...numbers);
    out.kinds.push(...chunk.kinds);
    out.scanLengths.push(...chunk.scanLengths);
  }
  out.inserted = state.inserted;
  return out;
}

function share(kinds: number[], kind: number): number {
  return kinds.filter((k) => k === kind).length / kinds.length;
}

describe('YCSB operation streams (seed 5)', () => {
  it('mix operations in the core workloads\' proportions', () => {
    const within = (observed: number, p: number): void => expect(Math.abs(observed - p)).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / OPS) + 1e-9);
    const a = drawAll('ycsb-a').kinds;
    within(share(a, READ), 0.5);
    within(share(a, UPDATE), 0.5);
    const b = drawAll('ycsb-b').kinds;
    within(share(b, UPDATE), 0.05);
    expect(share(drawAll('ycsb-c').kinds, READ)).toBe(1);
    const f = drawAll('ycsb-f').kinds;
    within(share(f, RMW), 0.5);
    const e = drawAll('ycsb-e').kinds;
    within(share(e, SCAN), 0.95);
    within(share(e, INSERT), 0.05);
  });

  it('number inserts after the loaded records, in order, and never choose a key not yet inserted', () => {
    const d = drawAll('ycsb-d');
    const inserts = d.numbers.filter((_, i) => d.kinds[i] === INSERT);
    expect(inserts).toEqual(inserts.map((_, i) => RECORDS + i));
    expect(d.inserted).toBe(inserts.length);
    let existing = RECORDS;
    d.numbers.forEach((n, i) => {
      if (d.kinds[i] === INSERT) existing++;
      else expect(n).toBeLessThan(existing);
    });
  });

  it('read mostly the newest records in D', () => {
    const d = drawAll('ycsb-d');
    const reads = d.numbers.filter((_, i) => d.kinds[i] === READ);
    const recent = reads.filter((n) => n >= RECORDS - 100).length;
    expect(recent / reads.length).toBeGreaterThan(0.4);
  });

  it('scan 1 to 100 entries in E, and nothing elsewhere', () => {
    const e = drawAll('ycsb-e');
    const lengths = e.scanLengths.filter((_, i) => e.kinds[i] === SCAN);
    expect(Math.min(...lengths)).toBe(1);
    expect(Math.max(...lengths)).toBe(100);
    expect(e.scanLengths.filter((_, i) => e.kinds[i] !== SCAN).every((l) => l === 0)).toBe(true);
  });

  it('replay the same operations from the same seed, and others from another', () => {
    expect(drawAll('ycsb-a').numbers).toEqual(drawAll('ycsb-a').numbers);
    expect(drawAll('ycsb-a', SEED + 1).numbers).not.toEqual(drawAll('ycsb-a').numbers);
  });
});
