import { describe, expect, it } from 'vitest';
import { isSettError } from '../../src/base/index.js';
import { ManifestState } from '../../src/manifest/index.js';

const add = (tableId: number, level = 0) => ({ type: 'add' as const, tableId, level, compression: 1, keyId: 0 });
const del = (tableId: number) => ({ type: 'delete' as const, tableId });

describe('ManifestState', () => {
  it('lists table ids per level in the order they were added', () => {
    const s = new ManifestState();
    s.apply([add(9, 0), add(3, 1)]);
    s.apply([add(5, 0)]);
    s.apply([add(1, 0), del(9)]);
    expect(s.levels(3)).toEqual([[5, 1], [3], []]);
    expect(s.tables.get(3)).toEqual({ tableId: 3, level: 1, compression: 1, keyId: 0 });
  });

  it('asserts on adding a live id or deleting a missing one, and changes nothing', () => {
    const s = new ManifestState();
    s.apply([add(1)]);
    expect(() => s.apply([add(2), add(1)])).toThrowError(/INTERNAL.*adds table 1/);
    expect(() => s.apply([del(7)])).toThrowError(/INTERNAL.*deletes table 7/);
    expect([...s.tables.keys()]).toEqual([1]);
  });

  it('checks a group in order: a later change sees an earlier one of the same group', () => {
    const s = new ManifestState();
    expect(s.check([add(1), del(1)])).toBeUndefined();
    expect(s.check([add(1), del(1), del(1)])).toMatch(/change 2 deletes table 1/);
    expect(s.check([add(1), add(1)])).toMatch(/change 1 adds table 1/);
  });

  it('clones deeply: changing the clone leaves the original alone', () => {
    const s = new ManifestState();
    s.apply([add(1), add(2, 3)]);
    const c = s.clone();
    c.apply([del(1)]);
    c.tables.get(2)!.level = 4;
    expect([...s.tables.keys()]).toEqual([1, 2]);
    expect(s.tables.get(2)!.level).toBe(3);
  });

  it('rejects a table at a level beyond maxLevels with INVALID_ARGUMENT naming both', () => {
    const s = new ManifestState();
    s.apply([add(4, 7)]);
    let err: unknown;
    try {
      s.levels(7);
    } catch (e) {
      err = e;
    }
    expect(isSettError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect(String(err)).toMatch(/table 4 at level 7.*maxLevels is 7/);
  });
});
