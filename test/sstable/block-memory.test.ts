import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BlockMemory } from '../../src/sstable/block-memory.js';

describe('BlockMemory', () => {
  it('sizes its chunks at 1/64 of the cache, between 64 KiB and 1 MiB', () => {
    expect(new BlockMemory(0).chunkBytes).toBe(64 << 10);
    expect(new BlockMemory(8 << 20).chunkBytes).toBe(128 << 10);
    expect(new BlockMemory(256 << 20).chunkBytes).toBe(1 << 20);
    expect(new BlockMemory(16 * 2 ** 30).chunkBytes).toBe(1 << 20);
  });

  it('carves zero-filled, exactly sized, disjoint views out of chunks; large requests get arrays of their own', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 9000 }), fc.integer({ min: 0, max: 200_000 })), { maxLength: 300 }), (lengths) => {
        const memory = new BlockMemory(4 << 20); // 64 KiB chunks: requests over 8 KiB stand alone
        const views = lengths.map((n) => memory.allocate(n));
        const byBuffer = new Map<ArrayBufferLike, Uint8Array[]>();
        views.forEach((v, i) => {
          expect(v.length).toBe(lengths[i]);
          expect(v.every((b) => b === 0)).toBe(true);
          if (lengths[i]! > memory.chunkBytes / 8) {
            expect(v.byteOffset).toBe(0);
            expect(v.buffer.byteLength).toBe(lengths[i]);
          } else {
            expect(v.buffer.byteLength).toBe(memory.chunkBytes);
          }
          byBuffer.set(v.buffer, [...(byBuffer.get(v.buffer) ?? []), v]);
          v.fill(i % 255 + 1); // written now: a later view overlapping it would not read as zeros
        });
        for (const group of byBuffer.values()) {
          const sorted = [...group].sort((a, b) => a.byteOffset - b.byteOffset);
          for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.byteOffset).toBeGreaterThanOrEqual(sorted[i - 1]!.byteOffset + sorted[i - 1]!.length);
        }
      }),
    );
  });

  it('copy() puts a copy in the current chunk', () => {
    const memory = new BlockMemory(256 << 20);
    const a = memory.copy(new Uint8Array([1, 2, 3]));
    const b = memory.copy(new Uint8Array([4, 5]));
    expect([...a, ...b]).toEqual([1, 2, 3, 4, 5]);
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteOffset).toBe(a.byteOffset + 3);
  });
});
