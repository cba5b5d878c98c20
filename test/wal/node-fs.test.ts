// The WAL on the real file system: round trip, a torn tail made by truncating the file, recovery.

import * as nfs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng, type Entry } from '../../src/base/index.js';
import { nodeFS } from '../../src/fs/index.js';
import { WalWriter, replayWal } from '../../src/wal/index.js';
import { plainBatches, randomBatch, tempDir } from './helpers.js';

function replay(p: string): { batches: ReturnType<typeof plainBatches>; validEnd: number; tornBytes: number } {
  const got: Entry[][] = [];
  const r = replayWal(nodeFS, p, (entries) => void got.push(entries));
  return { batches: plainBatches(got), validEnd: r.validEnd, tornBytes: r.tornBytes };
}

describe('WAL on NodeFS', () => {
  it('round-trips batches through a real file, and recovers from a tail cut mid-record', async () => {
    const seed = 4242;
    const rng = new Rng(seed);
    const p = path.join(tempDir(), '000001.mem');
    const w = WalWriter.create(nodeFS, p);
    const batches: Entry[][] = [];
    const ends: number[] = [];
    for (let i = 0; i < 50; i++) {
      const b = randomBatch(rng, 1 + rng.int(20), 300);
      w.append(b);
      batches.push(b);
      ends.push(w.size());
    }
    await w.sync();
    w.close();
    expect(nfs.statSync(p).size).toBe(ends[49]);
    expect(replay(p)).toEqual({ batches: plainBatches(batches), validEnd: ends[49], tornBytes: 0 });

    const cut = ends[39]! + 7; // inside the 41st record
    nfs.truncateSync(p, cut);
    const torn = replay(p);
    expect(torn, `seed ${seed}`).toEqual({ batches: plainBatches(batches.slice(0, 40)), validEnd: ends[39], tornBytes: 7 });

    const w2 = WalWriter.openForAppend(nodeFS, p, torn.validEnd);
    const extra = randomBatch(rng, 3);
    w2.append(extra);
    await w2.sync();
    w2.close();
    expect(replay(p).batches).toEqual(plainBatches([...batches.slice(0, 40), extra]));
  });
});
