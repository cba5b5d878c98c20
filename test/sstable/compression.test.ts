import { beforeAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { decompress as fzstdDecompress } from 'fzstd';
import { uncompress as snappyjsUncompress } from 'snappyjs';
import { Rng, isSettError } from '../../src/base/index.js';
import {
  COMPRESSION_CODE,
  type CompressionName,
  compressBlock,
  compressionName,
  decompressBlock,
  ensureCompressionReady,
} from '../../src/sstable/compression.js';

const NAMES: readonly CompressionName[] = ['none', 'snappy', 'zstd'];

/** Block-like data: repetitive key prefixes, random value bytes, or both. */
const blockData = fc.oneof(
  fc.uint8Array({ maxLength: 5000 }),
  fc.array(fc.tuple(fc.constantFrom('user', 'order', 'k'), fc.nat({ max: 99999 })), { maxLength: 300 }).map((parts) =>
    new TextEncoder().encode(parts.map(([p, n]) => p + String(n).padStart(8, '0')).join('')),
  ),
  fc.constant(new Uint8Array(0)),
);

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('compression codes', () => {
  it('are fixed wire values and map back to their names', () => {
    expect(COMPRESSION_CODE).toEqual({ none: 0, snappy: 1, zstd: 2 });
    for (const name of NAMES) expect(compressionName(COMPRESSION_CODE[name])).toBe(name);
  });

  it('reject an unknown code as CORRUPTION', () => {
    for (const code of [3, 255, -1, 1.5]) {
      expect(isSettError(catchError(() => compressionName(code)), 'CORRUPTION')).toBe(true);
      expect(isSettError(catchError(() => decompressBlock(code, new Uint8Array(4))), 'CORRUPTION')).toBe(true);
    }
  });
});

describe('zstd before ensureCompressionReady', () => {
  it('compressBlock throws INTERNAL, while zstd decompression needs no initialisation', async () => {
    // A fresh copy of the module (and of src/base, so match the error by code, not by class),
    // whose wasm is not loaded yet.
    vi.resetModules();
    const fresh = await import('../../src/sstable/compression.js');
    const data = new Uint8Array(100).fill(1);
    expect(catchError(() => fresh.compressBlock('zstd', data, 1))).toMatchObject({ code: 'INTERNAL' });
    await fresh.ensureCompressionReady();
    const compressed = fresh.compressBlock('zstd', data, 1);
    vi.resetModules();
    const other = await import('../../src/sstable/compression.js');
    expect(other.decompressBlock(COMPRESSION_CODE.zstd, compressed, 100)).toEqual(data);
  });
});

describe('compressBlock / decompressBlock', () => {
  beforeAll(async () => {
    await ensureCompressionReady();
  });

  it('ensureCompressionReady is idempotent and shares one promise', async () => {
    const a = ensureCompressionReady();
    const b = ensureCompressionReady();
    expect(a).toBe(b);
    await a;
  });

  for (const name of NAMES) {
    it(`${name}: round-trips any block, including empty and incompressible ones`, () => {
      fc.assert(
        fc.property(blockData, fc.integer({ min: 1, max: 9 }), (data, level) => {
          const compressed = compressBlock(name, data, level);
          const out = decompressBlock(COMPRESSION_CODE[name], compressed, data.length);
          expect(out).toEqual(data);
          expect(decompressBlock(COMPRESSION_CODE[name], compressed)).toEqual(data);
        }),
      );
    });
  }

  it('snappy and zstd shrink repetitive blocks; none returns the input itself', () => {
    const data = new TextEncoder().encode('user00000001'.repeat(400));
    expect(compressBlock('snappy', data, 1).length).toBeLessThan(data.length / 4);
    expect(compressBlock('zstd', data, 1).length).toBeLessThan(data.length / 4);
    expect(compressBlock('none', data, 1)).toBe(data);
  });

  it('zstd blocks compressed by zstd-wasm decompress with fzstd directly (a standard frame)', () => {
    fc.assert(
      fc.property(blockData, fc.integer({ min: 1, max: 19 }), (data, level) => {
        const compressed = compressBlock('zstd', data, level);
        expect(Array.from(compressed.subarray(0, 4))).toEqual([0x28, 0xb5, 0x2f, 0xfd]);
        expect(fzstdDecompress(compressed)).toEqual(data);
      }),
      { numRuns: 50 },
    );
  });

  it('snappy blocks are the raw snappy format a stock decoder reads', () => {
    const data = new TextEncoder().encode('hello hello hello hello');
    const compressed = compressBlock('snappy', data, 1);
    expect(compressed[0]).toBe(data.length); // raw format starts with the uncompressed length varint
    expect(snappyjsUncompress(compressed)).toEqual(data);
  });

  it('decompresses from a view into a larger buffer (a block read out of a whole file)', () => {
    const data = new TextEncoder().encode('abcabcabcabc'.repeat(50));
    for (const name of ['snappy', 'zstd'] as const) {
      const compressed = compressBlock(name, data, 3);
      const file = new Uint8Array(compressed.length + 20).fill(0xee);
      file.set(compressed, 7);
      const view = file.subarray(7, 7 + compressed.length);
      expect(decompressBlock(COMPRESSION_CODE[name], view, data.length)).toEqual(data);
    }
  });

  it('rejects a bad zstd level with INVALID_ARGUMENT', () => {
    for (const level of [0, 23, 1.5, -1]) {
      expect(isSettError(catchError(() => compressBlock('zstd', new Uint8Array(10), level)), 'INVALID_ARGUMENT')).toBe(true);
    }
  });

  it('empty or truncated compressed input throws CORRUPTION instead of returning an empty block', () => {
    for (const name of ['snappy', 'zstd'] as const) {
      const code = COMPRESSION_CODE[name];
      expect(isSettError(catchError(() => decompressBlock(code, new Uint8Array(0))), 'CORRUPTION')).toBe(true);
      const compressed = compressBlock(name, new TextEncoder().encode('some block bytes '.repeat(30)), 1);
      for (const cut of [1, 2, 5, compressed.length - 1]) {
        const err = catchError(() => decompressBlock(code, compressed.subarray(0, cut)));
        expect(isSettError(err, 'CORRUPTION'), `${name} cut at ${cut}`).toBe(true);
      }
    }
  });

  it('a length other than the expected one is CORRUPTION, for every codec', () => {
    const data = new TextEncoder().encode('0123456789'.repeat(20));
    for (const name of NAMES) {
      const compressed = compressBlock(name, data, 1);
      const err = catchError(() => decompressBlock(COMPRESSION_CODE[name], compressed, data.length + 1));
      expect(isSettError(err, 'CORRUPTION'), name).toBe(true);
    }
  });

  it('a zstd header declaring a different size is rejected before decoding', () => {
    const data = new Uint8Array(300).fill(9);
    const compressed = compressBlock('zstd', data, 1);
    const err = catchError(() => decompressBlock(COMPRESSION_CODE.zstd, compressed, 299));
    expect(isSettError(err, 'CORRUPTION')).toBe(true);
    expect(String(err)).toContain('frame declares 300 bytes');
  });

  it('corrupted compressed blocks either throw CORRUPTION or decode to the expected length (never a wrong length)', () => {
    // Neither raw snappy nor a checksum-less zstd frame can always detect flipped literal bytes:
    // those decode to wrong bytes of the right length, which the block CRC (over the stored bytes)
    // catches. What decompressBlock promises is: no other exception type, and no wrong length.
    const seed = 0x00c0ffee;
    console.log(`compression corruption seed=0x${seed.toString(16)}`);
    const rng = new Rng(seed);
    const text = new TextEncoder().encode('key000123:value-value-value;'.repeat(150));
    const data = new Uint8Array(text.length + 512);
    data.set(text);
    data.set(rng.bytes(512), text.length);
    for (const name of ['snappy', 'zstd'] as const) {
      const compressed = compressBlock(name, data, 1);
      let thrown = 0;
      let wrongBytes = 0;
      for (let t = 0; t < 3000; t++) {
        const bad = compressed.slice();
        const flips = 1 + rng.int(3);
        for (let f = 0; f < flips; f++) bad[rng.int(bad.length)]! ^= 1 << rng.int(8);
        let out: Uint8Array | undefined;
        const err = catchError(() => {
          out = decompressBlock(COMPRESSION_CODE[name], bad, data.length);
        });
        if (err !== undefined) {
          expect(isSettError(err, 'CORRUPTION'), `${name}: ${String(err)}`).toBe(true);
          thrown++;
        } else {
          expect(out!.length).toBe(data.length);
          if (!out!.every((b, i) => b === data[i])) wrongBytes++;
        }
      }
      console.log(`${name}: 3000 corrupted blocks → ${thrown} CORRUPTION, ${wrongBytes} wrong bytes of the right length`);
    }
  });
});
