import { describe, expect, it } from 'vitest';
import { AGE_SPAN, CITIES, MIN_AGE, Mulberry32, UniformStream, UserData } from '../../bench/tables/data.js';

describe('bench:tables data', () => {
  it('mulberry32 is the reference generator (pinned first outputs for seed 1)', () => {
    const r = new Mulberry32(1);
    const first = [r.next(), r.next(), r.next()];
    // mulberry32's reference implementation, ((t ^ t >>> 14) >>> 0) / 2^32 scaled back to uint32.
    const ref = (seed: number): number[] => {
      let a = seed;
      const out: number[] = [];
      for (let i = 0; i < 3; i++) {
        a |= 0;
        a = (a + 0x6d2b79f5) | 0;
        let t = Math.imul(a ^ (a >>> 15), 1 | a);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        out.push((t ^ (t >>> 14)) >>> 0);
      }
      return out;
    };
    expect(first).toEqual(ref(1));
  });

  it('gives the same rows for the same seed, whatever order they are asked in', () => {
    const a = new UserData(301);
    const b = new UserData(301);
    const forward = a.rows(0, 2000);
    const backward: ReturnType<UserData['row']>[] = [];
    for (let i = 1999; i >= 0; i--) backward[i] = b.row(i);
    expect(backward).toEqual(forward);
    expect(a.rows(500, 510)).toEqual(forward.slice(500, 510));
    for (let i = 0; i < 2000; i += 97) {
      expect(a.email(i)).toBe(forward[i]!.email);
      expect(a.city(i)).toBe(forward[i]!.city);
    }
  });

  it('gives other rows for another seed', () => {
    const a = new UserData(301).rows(0, 100);
    const b = new UserData(302).rows(0, 100);
    expect(b.filter((row, i) => row.email === a[i]!.email).length).toBeLessThan(10);
  });

  it('makes unique emails and values within the schema (name 64, email 255, age 18..90, city from the list)', () => {
    const data = new UserData(7);
    const n = 200_000;
    const emails = new Set<string>();
    const ages = new Set<number>();
    const cities = new Set<string>();
    for (let i = 0; i < n; i++) {
      const row = data.row(i);
      emails.add(row.email);
      ages.add(row.age);
      cities.add(row.city);
      if (row.name.length > 64 || row.email.length > 255 || row.city.length > 64) throw new Error(`row ${i} is too wide: ${JSON.stringify(row)}`);
      if (!Number.isInteger(row.age) || row.age < MIN_AGE || row.age >= MIN_AGE + AGE_SPAN) throw new Error(`row ${i} has age ${row.age}`);
    }
    expect(emails.size).toBe(n);
    expect(ages.size).toBe(AGE_SPAN);
    expect([...cities].sort()).toEqual([...CITIES].sort());
  });

  it('streams seeded uniform integers in range, the same for the same seed', () => {
    const a = new UniformStream(301, 2, 1, 1000).fill([], 5000);
    const b = new UniformStream(301, 2, 1, 1000).fill([], 5000);
    expect(a).toEqual(b);
    expect(Math.min(...a)).toBe(1);
    expect(Math.max(...a)).toBe(1000);
    expect(new UniformStream(301, 3, 1, 1000).fill([], 5000)).not.toEqual(a);
  });
});
