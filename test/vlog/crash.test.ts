// The value log across simulated power losses (FaultFS): on reopen the active file's valid end is
// exactly the end of its last complete entry, every entry before it reads back, none after it
// does, every synced entry survives, the torn tail is truncated durably (not when read-only), and
// recovery never reports an error.

import { describe, expect, it } from 'vitest';
import { Rng, isSettError, type ValuePointer } from '../../src/base/index.js';
import { FaultFS, type CrashOptions } from '../../src/fs/index.js';
import { ValueLog, VLOG_HEADER_BYTES, type VlogEntry } from '../../src/vlog/index.js';
import { checkVlogHeader } from '../../src/vlog/format.js';
import { Ids, hex, newFaultFS, openLog, randomGroup, thrown, vlogIdsIn, vlogPath } from './helpers.js';

interface Written {
  entry: VlogEntry;
  pointer: ValuePointer;
}

const CRASHES: CrashOptions[] = [{}, { files: 'torn' }, { files: 'torn', tornGarbage: true }, { mode: 'dropAll' }, { mode: 'keepAll' }];
const FILE_BYTES = 3000;

/** A seeded workload of groups, syncs and rotations; `synced` counts the entries made durable. */
async function workload(log: ValueLog, rng: Rng, written: Written[], state: { synced: number }): Promise<void> {
  for (let r = 1 + rng.int(12); r > 0; r--) {
    if (log.needsRotation()) {
      await log.rotate(); // syncs the old file first
      state.synced = written.length;
    }
    const group = randomGroup(rng, 1 + rng.int(6), rng.bool(0.2) ? 900 : 120);
    const pointers = log.appendGroup(group);
    for (let i = 0; i < group.length; i++) written.push({ entry: group[i]!, pointer: pointers[i]! });
    if (rng.bool(0.4)) {
      await log.sync();
      state.synced = written.length;
    }
  }
}

interface Recovered {
  log: ValueLog;
  survivors: number;
  /** The newest file's header was torn (the crash came while it was being created). */
  headerTorn: boolean;
}

/** Opens the crashed image and checks everything the recovery promises; returns the log (left open). */
async function checkRecovered(crashed: FaultFS, written: readonly Written[], synced: number, where: string, readOnly = false): Promise<Recovered> {
  const ids = vlogIdsIn(crashed);
  const newest = ids[ids.length - 1]!;
  const bytesBefore = crashed.readFileDirect(vlogPath(newest));
  const log = await openLog(crashed, new Ids(1000), { readOnly, fileSizeBytes: FILE_BYTES });
  expect(log.activeFileId, where).toBe(newest);
  const validEnd = log.validEnd(newest)!;
  // The valid end is the header's end or the end of an entry that was written to that file.
  const ends = new Set([VLOG_HEADER_BYTES, ...written.filter((w) => w.pointer.fileId === newest).map((w) => w.pointer.offset + w.pointer.length)]);
  expect(ends.has(validEnd), `${where}: validEnd ${validEnd} is not an entry boundary`).toBe(true);
  // A torn header (the crash came while the file was being created) makes the whole file torn.
  const headerTorn = bytesBefore.length < VLOG_HEADER_BYTES || checkVlogHeader(bytesBefore).kind !== 'ok';
  expect(log.tornBytes, where).toBe(headerTorn ? bytesBefore.length : bytesBefore.length - validEnd);
  if (readOnly) {
    expect(hex(crashed.readFileDirect(vlogPath(newest))), where).toBe(hex(bytesBefore));
  } else {
    expect(crashed.readFileDirect(vlogPath(newest)).length, where).toBe(validEnd);
    if (headerTorn) expect(checkVlogHeader(crashed.readFileDirect(vlogPath(newest))).kind, where).toBe('ok');
    expect(crashed.isDurable(vlogPath(newest)), where).toBe(true);
  }
  // Survivors are a prefix of what was written, and include everything synced.
  let survivors = 0;
  for (const { entry, pointer } of written) {
    const end = log.validEnd(pointer.fileId);
    if (end !== undefined && pointer.offset + pointer.length <= end) {
      expect(survivors, `${where}: entry at ${pointer.fileId}:${pointer.offset} survived after a lost one`).toBe(written.indexOf(written.find((w) => w.pointer === pointer)!));
      expect(hex(log.read(pointer, entry.key)), where).toBe(hex(entry.value));
      survivors++;
    } else if (end !== undefined) {
      expect(isSettError(thrown(() => log.read(pointer, entry.key)), 'CORRUPTION'), where).toBe(true);
    }
  }
  expect(survivors, where).toBeGreaterThanOrEqual(synced);
  // entries() agrees with the pointers that survived.
  const listed = log.fileIds().reduce((n, id) => n + [...log.entries(id)].length, 0);
  expect(listed, where).toBe(survivors);
  return { log, survivors, headerTorn };
}

describe('value log after a crash (FaultFS)', () => {
  it('keeps a prefix with every synced entry, its valid end on an entry boundary, for many crash seeds', async () => {
    let tornTails = 0;
    let lost = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const rng = new Rng(seed);
      const fs = newFaultFS();
      const log = await openLog(fs, new Ids(), { fileSizeBytes: FILE_BYTES });
      const written: Written[] = [];
      const state = { synced: 0 };
      await workload(log, rng, written, state);
      for (const options of CRASHES) {
        const where = `seed ${seed}, crash ${JSON.stringify(options)}`;
        const { log: recovered, survivors } = await checkRecovered(fs.crash(seed, options), written, state.synced, where);
        if (options.mode === 'keepAll') expect(survivors, where).toBe(written.length);
        if (recovered.tornBytes > 0) tornTails++;
        if (survivors < written.length) lost++;
        recovered.close();
      }
      log.close();
    }
    // The seeds must exercise torn tails and lost entries, or the checks above prove little.
    expect(tornTails).toBeGreaterThan(10);
    expect(lost).toBeGreaterThan(10);
  });

  it('opened read-only after a crash: finds the same valid end and truncates nothing', async () => {
    let torn = 0;
    for (let seed = 200; seed < 220; seed++) {
      const rng = new Rng(seed);
      const fs = newFaultFS();
      const log = await openLog(fs, new Ids(), { fileSizeBytes: FILE_BYTES });
      const written: Written[] = [];
      const state = { synced: 0 };
      await workload(log, rng, written, state);
      const crashed = fs.crash(seed, { files: 'torn', tornGarbage: true });
      const where = `seed ${seed}`;
      const ro = await checkRecovered(crashed, written, state.synced, where, true);
      if (ro.log.tornBytes > 0) torn++;
      const rw = await checkRecovered(crashed, written, state.synced, where);
      expect(rw.log.validEnd(rw.log.activeFileId), where).toBe(ro.log.validEnd(ro.log.activeFileId));
      expect(rw.survivors, where).toBe(ro.survivors);
      ro.log.close();
      rw.log.close();
      log.close();
    }
    expect(torn).toBeGreaterThan(5);
  });

  it('recovers, appends after the valid end, and survives a second crash', async () => {
    for (let seed = 300; seed < 330; seed++) {
      const rng = new Rng(seed);
      const fs = newFaultFS();
      const log = await openLog(fs, new Ids(), { fileSizeBytes: FILE_BYTES });
      const written: Written[] = [];
      const state = { synced: 0 };
      await workload(log, rng, written, state);
      log.close();
      const where = `seed ${seed}`;
      const crashed = fs.crash(seed, { files: 'torn', tornGarbage: true });
      const first = await checkRecovered(crashed, written, state.synced, `${where}, first crash`);
      const image = first.log;
      // Continue from what survived, as the db does after WAL replay ends at the valid end.
      const kept = written.slice(0, first.survivors);
      const state2 = { synced: kept.length };
      await workload(image, rng, kept, state2);
      const second = await checkRecovered(crashed.crash(seed + 1, { files: 'torn', tornGarbage: true }), kept, state2.synced, `${where}, second crash`);
      second.log.close();
      image.close();
    }
  });

  it('recovers from a crash at any file-system operation, rotations included', async () => {
    let points = 0;
    let tornHeaders = 0;
    for (let seed = 400; seed < 410; seed++) {
      // Count the operations of the whole workload once, then crash before each of them in turn.
      const total = await countOperations(seed);
      for (let crashAt = 1; crashAt <= total; crashAt += 1 + (seed % 3)) {
        const fs = newFaultFS();
        const written: Written[] = [];
        const state = { synced: 0 };
        let log: ValueLog | undefined;
        let n = 0;
        fs.onOperation = () => {
          if (++n === crashAt) throw new Error('crash');
        };
        try {
          log = await openLog(fs, new Ids(), { fileSizeBytes: FILE_BYTES });
          await workload(log, new Rng(seed), written, state);
        } catch (err) {
          expect((err as Error).message, `seed ${seed}, crash at ${crashAt}`).toMatch(/crash/);
        }
        fs.onOperation = undefined;
        for (const options of CRASHES) {
          const crashed = fs.crash(seed * 1000 + crashAt, options);
          const where = `seed ${seed}, crash at op ${crashAt}, ${JSON.stringify(options)}`;
          if (vlogIdsIn(crashed).length === 0) {
            expect(state.synced, where).toBe(0); // the crash came before the first file was durable
            continue;
          }
          const { log: recovered, headerTorn } = await checkRecovered(crashed, written, state.synced, where);
          recovered.close();
          points++;
          if (headerTorn) tornHeaders++;
        }
        log?.close();
      }
    }
    expect(points).toBeGreaterThan(200);
    expect(tornHeaders).toBeGreaterThan(5); // crashes inside rotate(), between create and header sync
  });
});

async function countOperations(seed: number): Promise<number> {
  const fs = newFaultFS();
  const before = fs.operationCount;
  const log = await openLog(fs, new Ids(), { fileSizeBytes: FILE_BYTES });
  await workload(log, new Rng(seed), [], { synced: 0 });
  const total = fs.operationCount - before;
  log.close();
  return total;
}
