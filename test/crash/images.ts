// Crash images of a FaultFS taken while a workload runs, each with what the workload had been
// told was acknowledged at that moment: the layers above the engine (tables, hybrid) check each
// recovered image against its own state.

import { Rng } from '../../src/base/index.js';
import type { FsOp } from '../../src/fs/index.js';
import type { FaultFS } from '../../src/index.js';

/** Operations that change what a crash can leave behind. */
export const CHANGING: readonly FsOp[] = ['append', 'write', 'sync', 'syncDir', 'rename', 'unlink', 'truncate'];

export interface StateImage<S> {
  fs: FaultFS;
  where: string;
  state: S;
}

export interface Capture<S> {
  images: StateImage<S>[];
  /** Changing operations seen so far. */
  changing: () => number;
  /** One more image, now. */
  final: (where: string) => void;
  stop: () => void;
}

/**
 * From now on, takes an image before every changing operation `pick` selects (by its 1-based
 * number), with what `state()` says was acknowledged; every third one a dropAll power loss.
 */
export function captureImages<S>(fs: FaultFS, pick: (n: number) => boolean, seed: number, state: () => S): Capture<S> {
  const images: StateImage<S>[] = [];
  let changing = 0;
  const rng = new Rng(seed);
  const take = (where: string): void => {
    const s = rng.int(2 ** 31);
    const dropAll = images.length % 3 === 2;
    images.push({ fs: fs.crash(s, { mode: dropAll ? 'dropAll' : 'random' }), where: `${where}, ${dropAll ? 'power loss (dropAll)' : `power loss (random, crash seed ${s})`}`, state: state() });
  };
  fs.onOperation = (op, path) => {
    if (!CHANGING.includes(op)) return;
    changing++;
    if (pick(changing)) take(`before changing operation ${changing} (${op} ${path})`);
  };
  return { images, changing: () => changing, final: (where) => take(where), stop: () => (fs.onOperation = undefined) };
}

/** A pick of every `every`-th changing operation, from the first (1: all). */
export const everyNth =
  (every: number) =>
  (n: number): boolean =>
    (n - 1) % every === 0;
