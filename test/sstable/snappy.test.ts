// The raw Snappy decoder (src/sstable/snappy.ts): hand-built vectors from the format description,
// blocks written by @napi-rs/snappy 1.0.2 (the library it replaced: old tables must stay
// readable), round trips, agreement with a naive reference decoder on arbitrary and damaged
// input, and the bounds (declared length, offsets, truncation) that make a damaged block a
// CORRUPTION error instead of wrong bytes, an out-of-bounds read or a huge allocation.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { uncompress as snappyjsUncompress } from 'snappyjs';
import { isSettError } from '../../src/base/index.js';
import { snappyCompress, snappyCompressTransient, snappyDeclaredLength, snappyUncompress, snappyUncompressFromScratch } from '../../src/sstable/snappy.js';

const bytes = (...parts: (number | string | Uint8Array)[]): Uint8Array => {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else if (typeof p === 'string') for (const c of p) out.push(c.charCodeAt(0));
    else out.push(...p);
  }
  return Uint8Array.from(out);
};
const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

function corruptionOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isSettError(err, 'CORRUPTION'), String(err)).toBe(true);
    return String(err);
  }
  throw new Error('expected a CORRUPTION error, got a result');
}

/**
 * The format read as plainly as possible (arrays, no fast paths), for differential tests:
 * undefined wherever the block is inconsistent.
 */
function referenceDecode(src: Uint8Array): number[] | undefined {
  let pos = 0;
  let declared = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= src.length || shift > 28) return undefined;
    const b = src[pos++]!;
    declared += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (declared > 0xffffffff) return undefined;
  const out: number[] = [];
  const le = (at: number, n: number): number => {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + src[at + i]!;
    return v;
  };
  while (pos < src.length) {
    const tag = src[pos++]!;
    if ((tag & 3) === 0) {
      let n = (tag >> 2) + 1;
      if (n > 60) {
        if (pos + (n - 60) > src.length) return undefined;
        const k = n - 60;
        n = le(pos, k) + 1;
        pos += k;
      }
      if (pos + n > src.length || out.length + n > declared) return undefined;
      for (let i = 0; i < n; i++) out.push(src[pos + i]!);
      pos += n;
      continue;
    }
    const kind = tag & 3;
    const offsetBytes = kind === 1 ? 1 : kind === 2 ? 2 : 4;
    if (pos + offsetBytes > src.length) return undefined;
    const n = kind === 1 ? 4 + ((tag >> 2) & 7) : (tag >> 2) + 1;
    const offset = kind === 1 ? (tag >> 5) * 256 + src[pos]! : le(pos, offsetBytes);
    pos += offsetBytes;
    if (offset === 0 || offset > out.length || out.length + n > declared) return undefined;
    for (let i = 0; i < n; i++) out.push(out[out.length - offset]!);
  }
  return out.length === declared ? out : undefined;
}

/** Block-like data: random bytes, runs, and records of repeated key prefixes and half-random values. */
const blockData = fc.oneof(
  fc.uint8Array({ maxLength: 5000 }),
  fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 300 })), { maxLength: 40 }).map((runs) =>
    Uint8Array.from(runs.flatMap(([b, n]) => new Array<number>(n).fill(b))),
  ),
  fc.array(fc.tuple(fc.nat({ max: 99999 }), fc.uint8Array({ minLength: 8, maxLength: 50 })), { maxLength: 60 }).map((records) => {
    const parts: number[] = [];
    for (const [k, value] of records) parts.push(...latin1(`user${String(k).padStart(8, '0')}`), ...value, ...new Array<number>(value.length).fill(0x2d));
    return Uint8Array.from(parts);
  }),
);

describe('snappy decoder: vectors from the format description', () => {
  it('an empty block is its zero length varint alone', () => {
    expect(snappyUncompress(bytes(0x00))).toEqual(new Uint8Array(0));
    expect(snappyUncompress(snappyCompress(new Uint8Array(0)), 0)).toEqual(new Uint8Array(0));
  });

  it('a literal-only block, with the length in the tag and in 1 and 2 extra bytes', () => {
    // "hello": tag (5 - 1) << 2.
    expect(snappyUncompress(bytes(0x05, 0x10, 'hello'))).toEqual(latin1('hello'));
    // 100 bytes: tag 60 << 2 then length - 1 in one byte.
    const hundred = Uint8Array.from({ length: 100 }, (_, i) => i);
    expect(snappyUncompress(bytes(100, 0xf0, 99, hundred), 100)).toEqual(hundred);
    // 300 bytes: varint 300 = ac 02; tag 61 << 2 then length - 1 = 299 little-endian (2b 01).
    const three = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 255);
    expect(snappyUncompress(bytes(0xac, 0x02, 0xf4, 0x2b, 0x01, three), 300)).toEqual(three);
  });

  it('copies that overlap their own output repeat it (run-length)', () => {
    // 'a' then a 1-byte-offset copy (kind 01) of 11 at offset 1: 12 a's.
    expect(snappyUncompress(bytes(12, 0x00, 'a', ((11 - 4) << 2) | 1, 0x01))).toEqual(latin1('a'.repeat(12)));
    // 'a' then a 2-byte-offset copy (kind 10) of 63 at offset 1: 64 a's.
    expect(snappyUncompress(bytes(64, 0x00, 'a', ((63 - 1) << 2) | 2, 0x01, 0x00))).toEqual(latin1('a'.repeat(64)));
    // 'ab' then a copy of 7 at offset 2: abababab a.
    expect(snappyUncompress(bytes(9, 0x04, 'ab', ((7 - 4) << 2) | 1, 0x02))).toEqual(latin1('ababababa'));
  });

  it('a 4-byte-offset copy (kind 11) and an 11-bit offset in a 1-byte-offset copy', () => {
    expect(snappyUncompress(bytes(8, 0x0c, 'abcd', ((4 - 1) << 2) | 3, 0x04, 0x00, 0x00, 0x00))).toEqual(latin1('abcdabcd'));
    // 300 literal bytes, then copy 4 from offset 300 = 0x12c: high 3 bits (1) in the tag's top bits.
    const lit = Uint8Array.from({ length: 300 }, (_, i) => (i * 13) & 255);
    const out = snappyUncompress(bytes(0xb0, 0x02, 0xf4, 0x2b, 0x01, lit, (1 << 5) | ((4 - 4) << 2) | 1, 0x2c));
    expect(out).toEqual(Uint8Array.from([...lit, ...lit.subarray(0, 4)]));
  });

  it('reads blocks written by @napi-rs/snappy 1.0.2 (captured bytes: old tables stay readable)', () => {
    const records = latin1(
      Array.from({ length: 12 }, (_, i) => `user${String(i).padStart(8, '0')}value-${String((i * 7919) % 1000).padStart(3, '0')}${'-'.repeat(10)}`).join(''),
    );
    const cases: [Uint8Array, string][] = [
      [
        latin1('The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog.'),
        '59b054686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e20ae2d00',
      ],
      [new Uint8Array(200).fill(0x61), 'c8010061fe0100fe0100fe01000d01'],
      [
        records,
        'f4021075736572300d012476616c75652d3030302d15011d1f0031091f08393139151e2e1f000032091f08383338521f000033091f08373537521f000034091f08363736521f000035091f08353935521f0000360d1f043134521f000037091f08343333521f000038091f08333532521f000039091f083237314e1f0000312d3604313952360100312d36303130392d2d2d2d2d2d2d2d2d2d',
      ],
      [
        Uint8Array.from({ length: 80 }, (_, i) => (i * 37 + 11) & 255),
        '50f04f0b30557a9fc4e90e33587da2c7ec11365b80a5caef14395e83a8cdf2173c6186abd0f51a3f6489aed3f81d42678cb1d6fb20456a8fb4d9fe23486d92b7dc01264b7095badf04294e7398bde2072c5176',
      ],
    ];
    for (const [data, written] of cases) expect(snappyUncompress(hex(written), data.length)).toEqual(data);
  });
});

describe('snappy decoder: damaged blocks are CORRUPTION, never wrong bytes', () => {
  it('rejects an empty input and a bad length varint', () => {
    expect(corruptionOf(() => snappyUncompress(new Uint8Array(0)))).toContain('empty input');
    expect(corruptionOf(() => snappyUncompress(bytes(0x80)))).toContain('cut off');
    expect(corruptionOf(() => snappyUncompress(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01)))).toContain('longer than 5 bytes');
    expect(corruptionOf(() => snappyUncompress(bytes(0xff, 0xff, 0xff, 0xff, 0x1f, 0x00, 0x61)))).toContain('exceeds 2^32 - 1');
  });

  it('checks the declared length against the expected one and against what the body can make, before allocating', () => {
    expect(corruptionOf(() => snappyUncompress(bytes(0x05, 0x10, 'hello'), 6))).toContain('declares 5 uncompressed bytes, expected 6');
    // 2^32 - 1 declared by a 2-byte body: would allocate 4 GiB if believed.
    expect(corruptionOf(() => snappyUncompress(bytes(0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x61)))).toContain('more than 2 bytes of elements can make');
    // The bound is exact: a 3-byte copy makes 64 bytes at most, so 1 literal + 1 copy (5 body bytes) can make 65 ...
    expect(snappyUncompress(bytes(65, 0x00, 'a', (63 << 2) | 2, 0x01, 0x00))).toEqual(latin1('a'.repeat(65)));
    // ... and a declared 107 (> 5 * 64 / 3) fails before decoding.
    expect(corruptionOf(() => snappyUncompress(bytes(107, 0x00, 'a', (63 << 2) | 2, 0x01, 0x00)))).toContain('can make');
  });

  it('rejects output shorter or longer than declared', () => {
    // snappyjs returns "a\0\0\0\0" for this one.
    expect(corruptionOf(() => snappyUncompress(bytes(0x05, 0x00, 'a')))).toContain('elements make 1 bytes, the block declares 5');
    expect(corruptionOf(() => snappyUncompress(bytes(0x01, 0x04, 'ab')))).toContain('runs past the declared length');
    expect(corruptionOf(() => snappyUncompress(bytes(0x05, 0x00, 'a', ((4 - 4) << 2) | 1, 0x01, 0x00, 'b')))).toContain('runs past the declared length');
  });

  it('rejects literals and copies cut off by the end of the input', () => {
    expect(corruptionOf(() => snappyUncompress(bytes(0x05, 0x10, 'hel')))).toContain('runs past the input');
    expect(corruptionOf(() => snappyUncompress(bytes(0x02, 0xf0)))).toContain('literal length cut off');
    // A 4-byte literal length of 2^32: past the input, whatever the sign arithmetic.
    expect(corruptionOf(() => snappyUncompress(bytes(0x05, 0xfc, 0xff, 0xff, 0xff, 0xff)))).toContain('runs past the input');
    // snappyjs reads the missing offset byte as 0 / undefined for these.
    expect(corruptionOf(() => snappyUncompress(bytes(0x05, 0x00, 'a', 0x01)))).toContain('copy offset cut off');
    expect(corruptionOf(() => snappyUncompress(bytes(0x05, 0x00, 'a', 0x0e, 0x01)))).toContain('copy offset cut off');
    expect(corruptionOf(() => snappyUncompress(bytes(0x05, 0x00, 'a', 0x0f, 0x01, 0x00, 0x00)))).toContain('copy offset cut off');
  });

  it('rejects a copy from offset 0 or from before the start of the output', () => {
    expect(corruptionOf(() => snappyUncompress(bytes(0x05, 0x00, 'a', 0x01, 0x00)))).toContain('copy offset 0');
    expect(corruptionOf(() => snappyUncompress(bytes(0x05, 0x00, 'a', 0x01, 0x02)))).toContain('copy offset 2 with 1 bytes decoded');
    // Top bit set in a 4-byte offset: 2^31, not a negative number.
    expect(corruptionOf(() => snappyUncompress(bytes(0x08, 0x0c, 'abcd', 0x0f, 0x00, 0x00, 0x00, 0x80)))).toContain('copy offset 2147483648');
  });

  it('agrees with a naive reference decoder on arbitrary bytes and on damaged blocks', () => {
    const check = (src: Uint8Array): void => {
      const expected = referenceDecode(src);
      let out: Uint8Array | undefined;
      try {
        out = snappyUncompress(src);
      } catch (err) {
        expect(isSettError(err, 'CORRUPTION'), String(err)).toBe(true);
      }
      if (expected === undefined) expect(out).toBeUndefined();
      else expect(out).toEqual(Uint8Array.from(expected));
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (src) => check(src)), { numRuns: 2000 });
    fc.assert(
      fc.property(blockData, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }), fc.nat(), (data, flips, cut) => {
        const damaged = snappyCompress(data).slice();
        for (const [at, bit] of flips) damaged[at % damaged.length]! ^= 1 << bit;
        check(damaged);
        check(damaged.subarray(0, cut % (damaged.length + 1)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('snappy round trip (snappyjs compressor, our decoder)', () => {
  it('decodes what snappyCompress makes, and agrees with snappyjs on it', () => {
    fc.assert(
      fc.property(blockData, (data) => {
        const compressed = snappyCompress(data);
        expect(snappyDeclaredLength(compressed).length).toBe(data.length);
        expect(snappyUncompress(compressed, data.length)).toEqual(data);
        expect(snappyUncompress(compressed)).toEqual(snappyjsUncompress(compressed));
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips blocks larger than one 64 KiB compression fragment', () => {
    const data = new Uint8Array(200_000);
    for (let i = 0; i < data.length; i++) data[i] = i % 1000 < 500 ? (i * 2654435761) >>> 24 : 0x2d;
    const compressed = snappyCompress(data);
    expect(compressed.length).toBeLessThan(data.length);
    expect(snappyUncompress(compressed, data.length)).toEqual(data);
  });

  it('compresses Buffers and views into larger buffers to plain, exactly sized arrays', () => {
    const data = latin1('abcabcabcabc'.repeat(50));
    const file = new Uint8Array(data.length + 20).fill(0xee);
    file.set(data, 7);
    for (const input of [Buffer.from(data), file.subarray(7, 7 + data.length)]) {
      const compressed = snappyCompress(input);
      expect(Buffer.isBuffer(compressed)).toBe(false);
      expect(compressed.byteLength).toBe(compressed.buffer.byteLength);
      expect(snappyUncompress(compressed, data.length)).toEqual(data);
    }
  });
});

describe('snappyCompressTransient (the table builder: output in a reused scratch array)', () => {
  it('makes the same bytes as snappyCompress, in a view that the next call reuses (property)', () => {
    fc.assert(
      fc.property(blockData, blockData, (a, b) => {
        const first = snappyCompressTransient(a);
        expect(Buffer.compare(first, snappyCompress(a))).toBe(0);
        const kept = Uint8Array.from(first);
        const second = snappyCompressTransient(b);
        expect(Buffer.compare(second, snappyCompress(b))).toBe(0);
        expect(snappyUncompress(kept, a.length)).toEqual(a);
        // Both views share one scratch unless the second block needed a larger one.
        if (second.buffer === first.buffer) expect(first.byteOffset).toBe(second.byteOffset);
      }),
      { numRuns: 200 },
    );
  });

  it('gives a block too large for the scratch an array of its own', () => {
    const data = new Uint8Array(2 << 20);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 27;
    const small = snappyCompressTransient(latin1('abc'.repeat(100)));
    const large = snappyCompressTransient(data);
    expect(large.buffer).not.toBe(small.buffer);
    expect(snappyUncompress(large, data.length)).toEqual(data);
  });
});

describe('snappyUncompressFromScratch (the table reader: stored block in a reused scratch array)', () => {
  /** Decodes `block` from a scratch view (offset 3 in its buffer) with `room` bytes of garbage before it and 5 after. */
  const viaScratch = (block: Uint8Array, room: number, expectedLength?: number): Uint8Array => {
    const backing = new Uint8Array(3 + room + block.length + 5).fill(0xa5);
    const scratch = backing.subarray(3);
    scratch.set(block, room);
    return snappyUncompressFromScratch(scratch, room, room + block.length, expectedLength);
  };
  const outcome = (fn: () => Uint8Array): Uint8Array | string => {
    try {
      return fn();
    } catch (err) {
      expect(isSettError(err, 'CORRUPTION'), String(err)).toBe(true);
      return String(err);
    }
  };

  it('decodes what snappyCompress makes into a new, exactly sized array', () => {
    fc.assert(
      fc.property(blockData, fc.nat({ max: 64 }), (data, slack) => {
        const out = viaScratch(snappyCompress(data), data.length + slack, data.length);
        expect(out).toEqual(data);
        expect(out.byteLength).toBe(out.buffer.byteLength);
      }),
      { numRuns: 300 },
    );
  });

  it('fails exactly where snappyUncompress fails on damaged blocks, with the same message', () => {
    fc.assert(
      fc.property(blockData, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }), fc.nat(), (data, flips, cut) => {
        const damaged = snappyCompress(data).slice();
        for (const [at, bit] of flips) damaged[at % damaged.length]! ^= 1 << bit;
        const block = damaged.subarray(0, cut % (damaged.length + 1));
        // Room for anything the block may declare that the body bound lets through.
        const room = Math.ceil(((block.length + 1) * 64) / 3);
        expect(outcome(() => viaScratch(block, room))).toEqual(outcome(() => snappyUncompress(block)));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (block) => {
        expect(outcome(() => viaScratch(block, 2048))).toEqual(outcome(() => snappyUncompress(block)));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a block that declares more than the room before it, and a wrong expected length', () => {
    const block = snappyCompress(latin1('abcdefgh'.repeat(8)));
    expect(corruptionOf(() => viaScratch(block, 63))).toContain('more than the 63 bytes of scratch');
    expect(viaScratch(block, 64)).toEqual(latin1('abcdefgh'.repeat(8)));
    expect(corruptionOf(() => viaScratch(block, 100, 65))).toContain('expected 65');
  });
});
