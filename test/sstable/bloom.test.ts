import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng, isSettError } from '../../src/base/index.js';
import { BLOOM_MAX_PROBES, BloomFilter, bitsPerKeyFor, hashKey } from '../../src/sstable/bloom.js';

const enc = new TextEncoder();

function userKey(i: number): Uint8Array {
  return enc.encode('user' + String(i).padStart(10, '0'));
}

function hashesOf(keys: readonly Uint8Array[]): Uint32Array {
  const out = new Uint32Array(keys.length);
  for (let i = 0; i < keys.length; i++) out[i] = hashKey(keys[i]!);
  return out;
}

describe('hashKey', () => {
  it('is murmur3_x86_32 with seed 0 (standard test vectors)', () => {
    expect(hashKey(new Uint8Array(0))).toBe(0);
    expect(hashKey(enc.encode('hello'))).toBe(0x248bfa47);
    expect(hashKey(enc.encode('The quick brown fox jumps over the lazy dog'))).toBe(0x2e4ff723);
    // Every tail length (0..3 bytes after the 4-byte blocks), checked against an independent reference
    // implementation that reproduces the published seed-0x9747b28c vectors.
    expect(hashKey(enc.encode('a'))).toBe(0x3c2569b2);
    expect(hashKey(enc.encode('ab'))).toBe(0x9bbfd75f);
    expect(hashKey(enc.encode('abc'))).toBe(0xb3dd93fa);
    expect(hashKey(enc.encode('abcd'))).toBe(0x43ed676a);
  });

  it('returns an unsigned 32-bit integer for any key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (k) => {
        const h = hashKey(k);
        return Number.isInteger(h) && h >= 0 && h <= 0xffffffff;
      }),
    );
  });
});

describe('bitsPerKeyFor', () => {
  it('rounds the optimum -ln(p)/ln(2)^2 up to a whole bit', () => {
    expect(bitsPerKeyFor(0.01)).toBe(10);
    expect(bitsPerKeyFor(0.1)).toBe(5);
    expect(bitsPerKeyFor(0.001)).toBe(15);
  });

  it('rejects rates outside (0, 1) with INVALID_ARGUMENT', () => {
    for (const p of [0, 1, -0.5, 2, Number.NaN]) {
      expect(() => bitsPerKeyFor(p)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});

describe('BloomFilter', () => {
  it('at p = 0.01 with 100,000 keys, measures at most 1.2% false positives over 200,000 absent keys', () => {
    const seed = 0x5e77b100;
    const n = 100_000;
    const keys: Uint8Array[] = [];
    for (let i = 0; i < n; i++) keys.push(userKey(i));
    const filter = BloomFilter.forKeys(hashesOf(keys), 0.01);

    // Absent keys of the same shape as the present ones (sequential, shared prefix)...
    let fpSequential = 0;
    const absentSequential = 100_000;
    for (let i = n; i < n + absentSequential; i++) if (filter.mayContain(hashKey(userKey(i)))) fpSequential++;
    // ...and random bytes (16 bytes: collisions with the "user…" keys are impossible).
    const rng = new Rng(seed);
    let fpRandom = 0;
    const absentRandom = 100_000;
    for (let i = 0; i < absentRandom; i++) if (filter.mayContain(hashKey(rng.bytes(16)))) fpRandom++;

    const rateSequential = fpSequential / absentSequential;
    const rateRandom = fpRandom / absentRandom;
    const rateAll = (fpSequential + fpRandom) / (absentSequential + absentRandom);
    console.log(
      `bloom p=0.01 n=${n} bits=${filter.bitCount} k=${filter.probeCount} seed=0x${seed.toString(16)}: ` +
        `sequential ${(rateSequential * 100).toFixed(3)}%, random ${(rateRandom * 100).toFixed(3)}%, all ${(rateAll * 100).toFixed(3)}%`,
    );
    expect(filter.probeCount).toBe(7);
    expect(rateSequential).toBeLessThanOrEqual(0.012);
    expect(rateRandom).toBeLessThanOrEqual(0.012);
  });

  it('never gives a false negative for an inserted key', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 24 }), { maxLength: 300 }),
        fc.double({ min: 0.0001, max: 0.5, noNaN: true }),
        (keys, p) => {
          const filter = BloomFilter.forKeys(hashesOf(keys), p);
          return keys.every((k) => filter.mayContain(hashKey(k)));
        },
      ),
    );
  });

  it('never gives a false negative for arbitrary 32-bit hashes, including ones at and above 2^31', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 0xffffffff }), { minLength: 1, maxLength: 500 }), (hashes) => {
        const filter = BloomFilter.forKeys(hashes, 0.01);
        return hashes.every((h) => filter.mayContain(h));
      }),
    );
  });

  it('round-trips through encode/decode: same bits, same answers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 300 }),
        fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 50 }),
        fc.double({ min: 0.0001, max: 0.5, noNaN: true }),
        (hashes, probes, p) => {
          const filter = BloomFilter.forKeys(hashes, p);
          const bytes = filter.encode();
          const decoded = BloomFilter.decode(bytes);
          expect(decoded.encode()).toEqual(bytes);
          expect(decoded.bitCount).toBe(filter.bitCount);
          expect(decoded.probeCount).toBe(filter.probeCount);
          for (const h of [...hashes, ...probes]) expect(decoded.mayContain(h)).toBe(filter.mayContain(h));
        },
      ),
    );
  });

  it('encodes as the bit array followed by the probe count byte', () => {
    const filter = BloomFilter.forKeys([12345], 0.01);
    const bytes = filter.encode();
    expect(bytes.length).toBe(64 / 8 + 1); // minimum 64 bits for a tiny table
    expect(bytes[bytes.length - 1]).toBe(7);
    let setBits = 0;
    for (let i = 0; i < bytes.length - 1; i++) for (let b = 0; b < 8; b++) if (bytes[i]! & (1 << b)) setBits++;
    expect(setBits).toBeGreaterThan(0);
    expect(setBits).toBeLessThanOrEqual(7);
  });

  it('an empty filter contains nothing', () => {
    const filter = BloomFilter.forKeys([], 0.01);
    fc.assert(fc.property(fc.nat({ max: 0xffffffff }), (h) => !filter.mayContain(h)));
  });

  it('decode does not alias its input: a reused read buffer cannot change the filter', () => {
    const filter = BloomFilter.forKeys([1, 2, 3], 0.01);
    const buf = filter.encode();
    const decoded = BloomFilter.decode(buf);
    buf.fill(0, 0, buf.length - 1);
    expect(decoded.mayContain(1)).toBe(true);
  });

  it('decode rejects short input and bad probe counts with CORRUPTION', () => {
    const bad: Uint8Array[] = [
      new Uint8Array(0),
      new Uint8Array([7]),
      new Uint8Array([0xff, 0xff, 0]),
      new Uint8Array([0xff, 0xff, BLOOM_MAX_PROBES + 1]),
      new Uint8Array([0xff, 0xff, 0xff]),
    ];
    for (const bytes of bad) {
      let caught: unknown;
      try {
        BloomFilter.decode(bytes);
      } catch (err) {
        caught = err;
      }
      expect(isSettError(caught, 'CORRUPTION'), `decode(${Array.from(bytes).join(',')})`).toBe(true);
    }
  });
});
