import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ArrayIterator, compareInternalKeys, encodeInternalKey, type InternalKey } from '../../src/base/index.js';
import { MergeIterator } from '../../src/compaction/index.js';

type Op = { kind: 'seek' | 'seekForPrev'; key: InternalKey } | { kind: 'next' | 'prev' | 'first' | 'last' };

const ikey = fc
  .tuple(fc.uint8Array({ minLength: 1, maxLength: 3, max: 3 }), fc.nat({ max: 4 }))
  .map(([k, v]) => encodeInternalKey(k, v));

/** A source: sorted, unique internal keys; the value names the source so ties are visible. */
function source(index: number) {
  return fc.uniqueArray(ikey, { maxLength: 12, selector: (k) => Buffer.from(k).toString('hex') }).map((keys) =>
    keys.sort(compareInternalKeys).map((k) => [k, Uint8Array.of(index)] as const),
  );
}

const op: fc.Arbitrary<Op> = fc.oneof(
  ikey.map((key) => ({ kind: 'seek' as const, key })),
  ikey.map((key) => ({ kind: 'seekForPrev' as const, key })),
  fc.constantFrom<Op>({ kind: 'next' }, { kind: 'prev' }, { kind: 'first' }, { kind: 'last' }),
);

describe('MergeIterator', () => {
  it('behaves as one sorted list (ties: newest source first) under any mix of seeks and direction changes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => source(i)))),
        fc.array(op, { maxLength: 40 }),
        (sources, ops) => {
          const model = sources
            .flat()
            .sort((a, b) => compareInternalKeys(a[0], b[0]) || a[1][0]! - b[1][0]!);
          const it = new MergeIterator(sources.map((s) => new ArrayIterator(s)));
          let pos = -1;
          for (const o of ops) {
            if (o.kind !== 'seek' && o.kind !== 'seekForPrev' && o.kind !== 'first' && o.kind !== 'last' && !(pos >= 0 && pos < model.length)) continue;
            switch (o.kind) {
              case 'first': it.seekToFirst(); pos = 0; break;
              case 'last': it.seekToLast(); pos = model.length - 1; break;
              case 'seek': it.seek(o.key); pos = model.findIndex((e) => compareInternalKeys(e[0], o.key) >= 0); if (pos < 0) pos = model.length; break;
              case 'seekForPrev': {
                pos = -1;
                model.forEach((e, i) => { if (compareInternalKeys(e[0], o.key) <= 0) pos = i; });
                it.seekForPrev(o.key);
                break;
              }
              case 'next': it.next(); pos++; break;
              case 'prev': it.prev(); pos--; break;
            }
            const inRange = pos >= 0 && pos < model.length;
            expect(it.valid()).toBe(inRange);
            if (inRange) {
              expect(Buffer.from(it.key()).toString('hex')).toBe(Buffer.from(model[pos]![0]).toString('hex'));
              expect(it.value()[0]).toBe(model[pos]![1][0]);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
