// Property: after any sequence of creates, appends, syncs, renames and unlinks, and any crash, every
// file whose name was made durable holds at least its synced bytes (and nothing that was not written,
// unless torn garbage was asked for), and every durably removed name stays removed.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FaultFS, type FileHandle } from '../../src/fs/index.js';

const DIRS = ['/d', '/e'] as const;
const PATHS = ['/d/a', '/d/b', '/e/a', '/e/b'] as const;
type P = (typeof PATHS)[number];

type Op =
  | { t: 'create'; p: P }
  | { t: 'append'; p: P; n: number }
  | { t: 'sync'; p: P }
  | { t: 'syncDir'; d: (typeof DIRS)[number] }
  | { t: 'rename'; from: P; to: P }
  | { t: 'unlink'; p: P };

const pathArb = fc.constantFrom(...PATHS);
// Weighted so that runs often reach the interesting state: a durable name, synced bytes, then more.
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ t: fc.constant('create' as const), p: pathArb }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('append' as const), p: pathArb, n: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('sync' as const), p: pathArb }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('syncDir' as const), d: fc.constantFrom(...DIRS) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('rename' as const), from: pathArb, to: pathArb }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('unlink' as const), p: pathArb }) },
);

const dirOf = (p: string): string => p.slice(0, p.lastIndexOf('/'));

interface ModelFile {
  handle: FileHandle;
  bytes: number[];
  syncedLength: number;
}

async function run(ops: readonly Op[]): Promise<{ fs: FaultFS; bound: Map<string, ModelFile>; dirty: Set<string> }> {
  const fs = new FaultFS({ durableMkdir: true });
  for (const d of DIRS) fs.mkdir(d);
  const bound = new Map<string, ModelFile>();
  const dirty = new Set<string>(); // names changed since their directory's last syncDir
  let next = 0;
  for (const op of ops) {
    switch (op.t) {
      case 'create':
        if (bound.has(op.p)) break;
        bound.set(op.p, { handle: fs.open(op.p, 'wx'), bytes: [], syncedLength: 0 });
        dirty.add(op.p);
        break;
      case 'append': {
        const f = bound.get(op.p);
        if (f === undefined) break;
        const data = Uint8Array.from({ length: op.n }, () => (next++ % 251) + 1); // never 0: a hole would show
        f.handle.append(data);
        f.bytes.push(...data);
        break;
      }
      case 'sync': {
        const f = bound.get(op.p);
        if (f === undefined) break;
        await f.handle.sync();
        f.syncedLength = f.bytes.length;
        break;
      }
      case 'syncDir':
        await fs.syncDir(op.d);
        for (const p of [...dirty]) if (dirOf(p) === op.d) dirty.delete(p);
        break;
      case 'rename': {
        const f = bound.get(op.from);
        if (f === undefined || op.from === op.to) break;
        fs.rename(op.from, op.to);
        bound.delete(op.from);
        bound.set(op.to, f);
        dirty.add(op.from).add(op.to);
        break;
      }
      case 'unlink':
        if (!bound.has(op.p)) break;
        fs.unlink(op.p);
        bound.delete(op.p);
        dirty.add(op.p);
        break;
    }
  }
  return { fs, bound, dirty };
}

describe('FaultFS crash property', () => {
  it('every durably named file keeps at least its synced bytes; durably removed names stay removed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 60, size: 'max' }), fc.integer(), fc.boolean(), async (ops, seed, tornGarbage) => {
        const { fs, bound, dirty } = await run(ops);
        const crashed = fs.crash(seed, { tornGarbage });
        for (const p of PATHS) {
          if (dirty.has(p)) continue;
          const f = bound.get(p);
          if (f === undefined) {
            expect(crashed.exists(p), `${p} was durably removed (seed ${seed})`).toBe(false);
            continue;
          }
          expect(crashed.exists(p), `${p} was durably created (seed ${seed})`).toBe(true);
          const got = [...crashed.readFileDirect(p)];
          expect(got.slice(0, f.syncedLength), `${p} synced bytes (seed ${seed})`).toEqual(f.bytes.slice(0, f.syncedLength));
          expect(got.length).toBeLessThanOrEqual(f.bytes.length);
          if (!tornGarbage) expect(got, `${p} is a prefix of what was written (seed ${seed})`).toEqual(f.bytes.slice(0, got.length));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keepAll reproduces the current state exactly, and dropAll the durable model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 60, size: 'max' }), fc.integer(), async (ops, seed) => {
        const { fs, bound, dirty } = await run(ops);
        const kept = fs.crash(seed, { mode: 'keepAll' });
        expect(kept.listAll()).toEqual([...bound.keys()].sort());
        for (const [p, f] of bound) expect([...kept.readFileDirect(p)]).toEqual(f.bytes);
        const dropped = fs.crash(seed, { mode: 'dropAll' });
        for (const [p, f] of bound) {
          if (!dirty.has(p)) expect([...dropped.readFileDirect(p)]).toEqual(f.bytes.slice(0, f.syncedLength));
        }
      }),
      { numRuns: 200 },
    );
  });
});
