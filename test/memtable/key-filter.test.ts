import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KeyFilter } from '../../src/memtable/key-filter.js';

describe('memtable key filter', () => {
  it('never says no to a key it was given', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 24 }), { maxLength: 300 }), (keys) => {
        const f = new KeyFilter(64 * 1024);
        for (const k of keys) f.add(KeyFilter.hash(k));
        for (const k of keys) expect(f.mayContain(KeyFilter.hash(k))).toBe(true);
      }),
    );
  });

  it('says no to most absent keys when as full as a memtable can make it', () => {
    const capacity = 1 << 20;
    const f = new KeyFilter(capacity);
    const enc = (s: string) => new TextEncoder().encode(s);
    const stored = capacity / 48; // the most small entries an arena of this size holds
    for (let i = 0; i < stored; i++) f.add(KeyFilter.hash(enc(`key${String(i).padStart(10, '0')}`)));
    let positives = 0;
    const probes = 50_000;
    for (let i = 0; i < probes; i++) if (f.mayContain(KeyFilter.hash(enc(`absent${String(i).padStart(10, '0')}`)))) positives++;
    const rate = positives / probes;
    console.log(`memtable key filter: ${(rate * 100).toFixed(2)}% false positives at ${stored} keys`);
    expect(rate).toBeLessThan(0.05);
  });
});
