import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KVStore } from '../../../examples/kv-store/index.js';
import { tempDir } from './helpers.js';

// Keys from a tiny alphabet so prefixes collide often ("u", "u:", "ui" ...).
const key = fc.stringMatching(/^[u:i1]{1,4}$/);
const op = fc.oneof(
  fc.record({ type: fc.constant('put' as const), key, value: fc.string({ maxLength: 8 }) }),
  fc.record({ type: fc.constant('delete' as const), key }),
  fc.record({ type: fc.constant('scan' as const), prefix: fc.stringMatching(/^[u:i1]{0,3}$/) }),
);

function modelScan(model: Map<string, string>, prefix: string): [string, string][] {
  return [...model.entries()].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

describe('kv-store against a Map model', () => {
  it('put/delete/scan/get agree with a Map after any sequence (fast-check; seed printed on failure)', async () => {
    const store = await KVStore.open({ path: tempDir(), syncWrites: false });
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
          // One store for every run: each run uses its own key space under a run number.
          const ns = `r${run++}/`;
          const model = new Map<string, string>();
          for (const o of ops) {
            if (o.type === 'put') {
              await store.put(ns + o.key, o.value);
              model.set(o.key, o.value);
            } else if (o.type === 'delete') {
              await store.delete(ns + o.key);
              model.delete(o.key);
            } else {
              const got = [...(await store.scan(ns + o.prefix))].map(([k, v]) => [k.slice(ns.length), v.toString()]);
              expect(got).toEqual(modelScan(model, o.prefix));
            }
          }
          for (const k of ['u', 'u:', 'ui', 'u:1', 'i']) {
            const got = await store.get(ns + k);
            expect(got.found).toBe(model.has(k));
            expect(got.value?.toString()).toBe(model.get(k));
          }
        }),
        { numRuns: 60 },
      );
    } finally {
      await store.close();
    }
  });
});
