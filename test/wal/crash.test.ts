// The WAL across simulated power losses (FaultFS): every synced batch survives, the unsynced ones
// come back as a prefix, and recovery never reports an error.

import { describe, expect, it } from 'vitest';
import { Rng, type Entry } from '../../src/base/index.js';
import { FaultFS, type CrashOptions } from '../../src/fs/index.js';
import { WalWriter, replayWal } from '../../src/wal/index.js';
import { plainBatches, randomBatch } from './helpers.js';

const DIR = '/db';
const P = '/db/000001.mem';

/** A new WAL whose header and name are durable, as the db creates one. */
async function createDurable(fs: FaultFS): Promise<WalWriter> {
  fs.mkdir(DIR);
  const w = WalWriter.create(fs, P);
  await w.sync();
  await fs.syncDir(DIR);
  return w;
}

function replayPlain(fs: FaultFS, path = P): { batches: ReturnType<typeof plainBatches>; validEnd: number; tornBytes: number } {
  const got: Entry[][] = [];
  const r = replayWal(fs, path, (entries) => void got.push(entries));
  return { batches: plainBatches(got), validEnd: r.validEnd, tornBytes: r.tornBytes };
}

const CRASHES: CrashOptions[] = [{}, { files: 'torn' }, { files: 'torn', tornGarbage: true }, { mode: 'dropAll' }, { mode: 'keepAll' }];

describe('WAL after a crash (FaultFS)', () => {
  it('replays every synced batch and a prefix of the unsynced ones, for many crash seeds', async () => {
    let tornTails = 0;
    let lostUnsynced = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const rng = new Rng(seed);
      const fs = new FaultFS({ durableMkdir: true });
      const w = await createDurable(fs);
      const written: Entry[][] = [];
      let synced = 0;
      const rounds = 1 + rng.int(6);
      for (let r = 0; r < rounds; r++) {
        for (let i = rng.int(4); i > 0; i--) {
          const b = randomBatch(rng, 1 + rng.int(10), rng.bool(0.2) ? 5000 : 60);
          w.append(b);
          written.push(b);
        }
        if (rng.bool(0.6)) {
          await w.sync();
          synced = written.length;
        }
      }
      const all = plainBatches(written);
      for (const options of CRASHES) {
        const crashed = fs.crash(seed, options);
        const { batches, validEnd, tornBytes } = replayPlain(crashed);
        const where = `seed ${seed}, crash ${JSON.stringify(options)}`;
        expect(batches.length, where).toBeGreaterThanOrEqual(synced);
        expect(batches, where).toEqual(all.slice(0, batches.length));
        expect(validEnd + tornBytes, where).toBe(crashed.readFileDirect(P).length);
        if (options.mode === 'keepAll') expect(batches.length, where).toBe(written.length);
        if (tornBytes > 0) tornTails++;
        if (batches.length < written.length) lostUnsynced++;
      }
      w.close();
    }
    // The seeds must actually exercise torn tails and lost batches, or the checks above prove little.
    expect(tornTails).toBeGreaterThan(10);
    expect(lostUnsynced).toBeGreaterThan(10);
  });

  it('recovers, truncates the torn tail, appends, and survives a second crash', async () => {
    for (let seed = 100; seed < 130; seed++) {
      const rng = new Rng(seed);
      const fs = new FaultFS({ durableMkdir: true });
      const w = await createDurable(fs);
      const first: Entry[][] = [];
      for (let i = 0; i < 1 + rng.int(5); i++) first.push(randomBatch(rng, 1 + rng.int(5)));
      for (const b of first) w.append(b);
      w.close();
      const where = `seed ${seed}`;

      const afterCrash = fs.crash(seed, { files: 'torn', tornGarbage: true });
      const recovered = replayPlain(afterCrash);
      expect(recovered.batches, where).toEqual(plainBatches(first).slice(0, recovered.batches.length));

      const w2 = WalWriter.openForAppend(afterCrash, P, recovered.validEnd);
      await w2.sync(); // the truncation is durable before anything new is acknowledged
      const second: Entry[][] = [];
      for (let i = 0; i < 1 + rng.int(4); i++) second.push(randomBatch(rng, 1 + rng.int(5)));
      for (const b of second) w2.append(b);
      await w2.sync();
      w2.close();

      const again = replayPlain(afterCrash.crash(seed + 1));
      expect(again.tornBytes, where).toBe(0);
      expect(again.batches, where).toEqual([...recovered.batches, ...plainBatches(second)]);
    }
  });

  it('reads a WAL created but never synced as empty or as a prefix, never as an error, once its header is durable', async () => {
    for (let seed = 200; seed < 240; seed++) {
      const fs = new FaultFS({ durableMkdir: true });
      const w = await createDurable(fs);
      const rng = new Rng(seed);
      const written = [randomBatch(rng, 3), randomBatch(rng, 2)];
      for (const b of written) w.append(b);
      const crashed = fs.crash(seed, { files: 'torn', tornGarbage: true });
      const { batches } = replayPlain(crashed);
      expect(batches, `seed ${seed}`).toEqual(plainBatches(written).slice(0, batches.length));
      w.close();
    }
  });

  it('reads a file cut inside its unsynced header as empty, and openForAppend(0) makes it a WAL again', async () => {
    for (let seed = 300; seed < 320; seed++) {
      const fs = new FaultFS({ durableMkdir: true });
      fs.mkdir(DIR);
      WalWriter.create(fs, P).close();
      await fs.syncDir(DIR); // the name is durable, the header is not
      const crashed = fs.crash(seed, { files: 'torn' });
      const r = replayWal(crashed, P, () => {
        throw new Error('no record can be in a torn header');
      });
      expect(r, `seed ${seed}`).toMatchObject({ validEnd: 0, batches: 0 });
      const w = WalWriter.openForAppend(crashed, P, r.validEnd);
      w.append(randomBatch(new Rng(seed), 2));
      w.close();
      expect(replayPlain(crashed).batches.length, `seed ${seed}`).toBe(1);
    }
  });
});
