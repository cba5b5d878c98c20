// Power loss at every file-system operation, on FaultFS: what a restart sees is always the state
// after a prefix of the apply() calls, and that prefix holds every apply() that had resolved.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FaultFS, type CrashOptions, type FsOp } from '../../src/fs/index.js';
import { MANIFEST_REWRITE_FILE, Manifest, type ManifestChange, type ManifestOptions } from '../../src/manifest/index.js';
import { Model, expectSameState, randomGroups } from './helpers.js';

const DIR = '/db';

interface Snapshot {
  fs: FaultFS;
  /** apply() calls that had resolved when the power went. */
  resolved: number;
  /** apply() calls that had been made. */
  called: number;
  op: string;
}

/** Opens `fs`'s MANIFEST and returns which model it equals, between `lo` and `hi` groups applied. */
async function reopenedPrefix(fs: FaultFS, models: Model[], lo: number, hi: number, options: ManifestOptions): Promise<number> {
  const { manifest, state } = await Manifest.open(fs, DIR, options);
  let match = -1;
  for (let i = hi; i >= lo && match < 0; i--) {
    const m = models[i]!;
    if (state.tables.size === m.tables.size && [...m.tables.keys()].every((id) => state.tables.has(id))) match = i;
  }
  expect(match, `state with ${state.tables.size} tables is no prefix in [${lo}, ${hi}]`).toBeGreaterThanOrEqual(0);
  expectSameState(state, models[match]!);
  // Recovery leaves a file that takes appends and reopens clean.
  await manifest.apply([{ type: 'add', tableId: 2 ** 40, level: 0, compression: 0, keyId: 0 }]);
  manifest.close();
  const again = await Manifest.open(fs, DIR, options);
  expect(again.tornBytes).toBe(0);
  expect(again.state.tables.has(2 ** 40)).toBe(true);
  again.manifest.close();
  return match;
}

/**
 * Runs `groups` through a Manifest on FaultFS, `overlap` calls in flight at a time, and takes a
 * power-loss image before every file-system operation.
 */
async function runWithSnapshots(seed: number, groups: ManifestChange[][], overlap: number, options: ManifestOptions, crash: CrashOptions) {
  const fs = new FaultFS({ durableMkdir: true });
  fs.mkdir(DIR);
  const manifest = await Manifest.create(fs, DIR, options);
  const snapshots: Snapshot[] = [];
  let resolved = 0;
  let called = 0;
  let n = 0;
  fs.onOperation = (op: FsOp, path: string) => {
    snapshots.push({ fs: fs.crash(seed * 7919 + n++, crash), resolved, called, op: `${op} ${path}` });
  };
  for (let i = 0; i < groups.length; i += overlap) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(i + overlap, groups.length); j++) {
      called++;
      batch.push(manifest.apply(groups[j]!).then(() => void resolved++));
    }
    await Promise.all(batch);
  }
  fs.onOperation = undefined;
  snapshots.push({ fs: fs.crash(seed), resolved, called, op: 'end' });
  manifest.close();
  return snapshots;
}

function modelsOf(groups: ManifestChange[][]): Model[] {
  const model = new Model();
  const models = [model.clone()];
  for (const g of groups) {
    model.apply(g);
    models.push(model.clone());
  }
  return models;
}

describe('MANIFEST under power loss (FaultFS)', () => {
  it('reopens to a prefix of the applies that holds every resolved one, at every operation (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.constantFrom<CrashOptions>({}, { files: 'torn' }, { files: 'torn', tornGarbage: true }, { mode: 'dropAll' }),
        async (seed, overlap, rewrites, crash) => {
          const groups = randomGroups(seed, 25);
          const models = modelsOf(groups);
          const options: ManifestOptions = rewrites ? { deletionsRewriteThreshold: 2, deletionsRatio: 0.5 } : {};
          const snapshots = await runWithSnapshots(seed, groups, overlap, options, crash);
          // The last image is taken after every apply resolved, so it must hold them all.
          expect(snapshots[snapshots.length - 1]).toMatchObject({ resolved: groups.length, called: groups.length });
          for (const s of snapshots) {
            await reopenedPrefix(s.fs, models, s.resolved, s.called, options);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('keeps the full state through a power loss at every step of a rewrite, with either directory outcome', async () => {
    const groups = randomGroups(41, 40);
    const models = modelsOf(groups);
    const fs = new FaultFS({ durableMkdir: true });
    fs.mkdir(DIR);
    const manifest = await Manifest.create(fs, DIR);
    for (const g of groups) await manifest.apply(g);
    const images: { ops: string; fs: FaultFS }[] = [];
    const ops: string[] = [];
    fs.onOperation = (op, path, to) => {
      ops.push(`${op} ${path}${to === undefined ? '' : ` -> ${to}`}`);
      for (let seed = 1; seed <= 8; seed++) images.push({ ops: ops.join(', '), fs: fs.crash(seed) });
      images.push({ ops: ops.join(', '), fs: fs.crash(0, { mode: 'dropAll' }) });
      images.push({ ops: ops.join(', '), fs: fs.crash(0, { mode: 'keepAll' }) });
    };
    await manifest.rewrite();
    fs.onOperation = undefined;
    manifest.close();
    // The crash points cover the step between the rename and the directory sync.
    expect(ops).toContain(`rename ${DIR}/${MANIFEST_REWRITE_FILE} -> ${DIR}/MANIFEST`);
    expect(ops.indexOf(`syncDir ${DIR}`)).toBeGreaterThan(ops.indexOf(`rename ${DIR}/${MANIFEST_REWRITE_FILE} -> ${DIR}/MANIFEST`));
    const sawRewriteFile = new Set<boolean>();
    for (const image of images) {
      sawRewriteFile.add(image.fs.exists(`${DIR}/${MANIFEST_REWRITE_FILE}`));
      const { manifest: reopened, state } = await Manifest.open(image.fs, DIR);
      expectSameState(state, models[groups.length]!);
      expect(image.fs.exists(`${DIR}/${MANIFEST_REWRITE_FILE}`), `after ${image.ops}`).toBe(false);
      reopened.close();
    }
    expect(sawRewriteFile).toEqual(new Set([true, false])); // both "leftover" and "no leftover" images were tried
  });

  it('leaves a durable, clean MANIFEST after recovering a torn tail', async () => {
    const fs = new FaultFS({ durableMkdir: true });
    fs.mkdir(DIR);
    const manifest = await Manifest.create(fs, DIR);
    await manifest.apply([{ type: 'add', tableId: 1, level: 0, compression: 0, keyId: 0 }]);
    let image: FaultFS | undefined;
    fs.onOperation = (op) => {
      if (op === 'sync') image ??= fs.crash(3, { files: 'torn', tornGarbage: true });
    };
    await manifest.apply([{ type: 'add', tableId: 2, level: 0, compression: 0, keyId: 0 }]);
    manifest.close();
    const crashed = image!;
    const { manifest: m2, state, tornBytes } = await Manifest.open(crashed, DIR);
    expect(tornBytes).toBeGreaterThan(0);
    expect([...state.tables.keys()]).toEqual([1]);
    expect(crashed.isDurable(`${DIR}/MANIFEST`)).toBe(true);
    m2.close();
  });

  it('reopens to the full state when the process dies at any step of a rewrite', async () => {
    const groups = randomGroups(31, 30);
    const models = modelsOf(groups);
    // Record the steps of one rewrite, then kill the process right before each of them in turn.
    const steps = await rewriteSteps(groups, undefined);
    expect(steps).toEqual([
      `open ${DIR}/${MANIFEST_REWRITE_FILE}`,
      `append ${DIR}/${MANIFEST_REWRITE_FILE}`,
      `sync ${DIR}/${MANIFEST_REWRITE_FILE}`,
      `close ${DIR}/${MANIFEST_REWRITE_FILE}`,
      `close ${DIR}/MANIFEST`,
      `rename ${DIR}/${MANIFEST_REWRITE_FILE}`,
      `syncDir ${DIR}`,
      `open ${DIR}/MANIFEST`,
    ]);
    for (let step = 1; step <= steps.length; step++) {
      const images: FaultFS[] = [];
      await rewriteSteps(groups, { step, images });
      for (const image of images) {
        const { manifest, state } = await Manifest.open(image, DIR);
        expectSameState(state, models[groups.length]!);
        expect(image.exists(`${DIR}/${MANIFEST_REWRITE_FILE}`), `killed before step ${step}`).toBe(false);
        manifest.close();
      }
    }
  });

  it('survives creation cut by a power loss: either no MANIFEST or an empty, valid one', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const fs = new FaultFS({ durableMkdir: true });
      fs.mkdir(DIR);
      const images: FaultFS[] = [];
      fs.onOperation = () => void images.push(fs.crash(seed));
      (await Manifest.create(fs, DIR)).close();
      fs.onOperation = undefined;
      for (const image of images) {
        if (!Manifest.exists(image, DIR)) continue;
        const { manifest, state } = await Manifest.open(image, DIR);
        expect(state.tables.size).toBe(0);
        manifest.close();
      }
    }
  });
});

/**
 * Applies `groups`, then rewrites, logging each file-system operation of the rewrite. With `kill`,
 * the process dies right before operation `kill.step`: the rewrite must reject with IO_ERROR, and
 * `kill.images` receives what a restart could see (the files as they are, and power-loss images).
 */
async function rewriteSteps(groups: ManifestChange[][], kill: { step: number; images: FaultFS[] } | undefined): Promise<string[]> {
  const fs = new FaultFS({ durableMkdir: true });
  fs.mkdir(DIR);
  const manifest = await Manifest.create(fs, DIR);
  for (const g of groups) await manifest.apply(g);
  const steps: string[] = [];
  let dead = false;
  fs.onOperation = (op, path) => {
    if (dead) throw new Error('the process is dead');
    steps.push(`${op} ${path}`);
    if (kill !== undefined && steps.length === kill.step) {
      dead = true;
      kill.images.push(fs.crash(0, { mode: 'keepAll' }), fs.crash(0, { mode: 'dropAll' }));
      for (let seed = 1; seed <= 4; seed++) kill.images.push(fs.crash(seed));
      throw Object.assign(new Error('killed'), { code: 'EKILLED' });
    }
  };
  const result = await manifest.rewrite().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (kill !== undefined) expect(result, `killed before step ${kill.step}`).toMatchObject({ code: 'IO_ERROR' });
  else expect(result).toBeUndefined();
  fs.onOperation = undefined;
  manifest.close();
  return steps;
}
