// put/delete/batch copy the caller's keys and values when called (ownBytes), so a caller may
// reuse its buffers at once although the write lands later, in a commit group. The copy of a
// small request is a slice of Node's shared Buffer pool: later pool users must not see or change it.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { open } from '../../src/db/index.js';

const op = fc.record({
  kind: fc.constantFrom('put', 'batch', 'delete'),
  key: fc.integer({ min: 0, max: 30 }),
  // Small values share the pool; over 4 KiB a request gets a buffer of its own.
  size: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 4000, max: 9000 })),
  fill: fc.integer({ min: 1, max: 255 }),
});

const keyOf = (k: number) => Buffer.from(`key${String(k).padStart(3, '0')}`);

describe('caller buffers', () => {
  it('a write keeps the bytes it was given, whatever the caller and other pool users write afterwards', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const db = await open({ inMemory: true, memTableSize: 1 << 20 });
        const model = new Map<string, string>();
        const pending: Promise<void>[] = [];
        for (const o of ops) {
          const key = keyOf(o.key);
          const value = Buffer.alloc(o.size, o.fill);
          const k = key.toString('latin1');
          if (o.kind === 'delete') {
            pending.push(db.delete(key));
            model.delete(k);
          } else {
            pending.push(o.kind === 'put' ? db.put(key, value) : db.batch([{ type: 'put', key, value }]));
            model.set(k, value.toString('latin1'));
          }
          // Not awaited: the write is still queued when its buffers change.
          key.fill(0x7a);
          value.fill(0);
          Buffer.allocUnsafe(64).fill(0xee);
        }
        await Promise.all(pending);
        // Pool slices handed out after the commits land where no written byte may be.
        for (let i = 0; i < 200; i++) Buffer.allocUnsafe(48).fill(0xdd);
        const want = [...model].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        const got = [...db.iterator()].map(([k, v]) => [Buffer.from(k!).toString('latin1'), Buffer.from(v!).toString('latin1')]);
        expect(got).toEqual(want);
        for (const [k, v] of want) expect(db.getSync(Buffer.from(k, 'latin1'))?.toString('latin1')).toBe(v);
        await db.close();
      }),
      { numRuns: 60 },
    );
  });
});
