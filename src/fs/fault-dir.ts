// FaultFS's directories: names that a power loss could lose, or bring back.
//
// Durability model (one directory):
//   durable   the entries as of the last syncDir
//   pending   every link (create, mkdir, rename in), unlink (unlink, rename out) and rename within
//             the directory since, in order
//   entries   durable + pending, what lookups see
// A power loss keeps the durable entries plus a prefix of the pending operations. A rename within a
// directory is one operation, so it is atomic. A rename across directories is two operations (unlink
// in the source, link in the destination) tied together: they survive together or not at all, and a
// prefix in one directory that drops one half drops the other half and everything after it in the
// other directory too. Syncing either directory commits both halves (and, as a journal would,
// everything pending before the other half in the other directory).

import type { Rng } from '../base/index.js';
import { assert } from '../base/index.js';
import type { Inode } from './fault-file.js';

export type FsNode = Inode | DirNode;

interface DirOpBase {
  committed: boolean;
  /** The other half of a rename across directories. */
  pair: { dir: DirNode; op: DirOp } | undefined;
}
export type DirOp =
  | (DirOpBase & { kind: 'link'; name: string; node: FsNode })
  | (DirOpBase & { kind: 'unlink'; name: string })
  | (DirOpBase & { kind: 'rename'; from: string; to: string });

/** What a power loss does to one directory's pending operations. */
export type DirCrashMode = 'random' | 'drop' | 'keep';

export class DirNode {
  readonly kind = 'dir';
  readonly entries = new Map<string, FsNode>();
  readonly durable = new Map<string, FsNode>();
  readonly pending: DirOp[] = [];

  constructor(readonly id: number) {}

  link(name: string, node: FsNode): DirOp {
    this.entries.set(name, node);
    return this.push({ kind: 'link', name, node, committed: false, pair: undefined });
  }

  unlink(name: string): DirOp {
    this.entries.delete(name);
    return this.push({ kind: 'unlink', name, committed: false, pair: undefined });
  }

  renameWithin(from: string, to: string): void {
    const node = this.entries.get(from);
    assert(node !== undefined, `renameWithin: no entry ${from}`);
    this.entries.delete(from);
    this.entries.set(to, node);
    this.push({ kind: 'rename', from, to, committed: false, pair: undefined });
  }

  /** Whether a power loss now could change what `name` refers to. */
  isNameDurable(name: string): boolean {
    if (this.durable.get(name) !== this.entries.get(name)) return false;
    for (const op of this.pending) {
      if (op.kind === 'rename' ? op.from === name || op.to === name : op.name === name) return false;
    }
    return true;
  }

  private push(op: DirOp): DirOp {
    this.pending.push(op);
    return op;
  }
}

/** Moves `node` from `src/from` to `dst/to` (different directories) as one atomic pair of operations. */
export function renameAcross(src: DirNode, from: string, dst: DirNode, to: string): void {
  const node = src.entries.get(from);
  assert(node !== undefined && src !== dst, 'renameAcross: bad arguments');
  const out = src.unlink(from);
  const into = dst.link(to, node);
  out.pair = { dir: dst, op: into };
  into.pair = { dir: src, op: out };
}

/** syncDir: every pending operation of `dir` becomes durable. */
export function commitAll(dir: DirNode): void {
  const last = dir.pending[dir.pending.length - 1];
  if (last !== undefined) commitThrough(dir, last);
}

/** Makes `last` and everything pending before it in `dir` durable, with the other halves of renames. */
export function commitThrough(dir: DirNode, last: DirOp): void {
  while (!last.committed) {
    const op = dir.pending.shift();
    assert(op !== undefined, 'commitThrough: operation not pending in its directory');
    applyOp(dir.durable, op);
    op.committed = true;
    if (op.pair !== undefined && !op.pair.op.committed) commitThrough(op.pair.dir, op.pair.op);
  }
}

function applyOp(entries: Map<string, FsNode>, op: DirOp): void {
  if (op.kind === 'link') {
    entries.set(op.name, op.node);
  } else if (op.kind === 'unlink') {
    entries.delete(op.name);
  } else {
    const node = entries.get(op.from);
    // A prefix replayed over the durable entries retraces history, so `from` is there.
    assert(node !== undefined, `rename replay: no entry ${op.from}`);
    entries.delete(op.from);
    entries.set(op.to, node);
  }
}

/**
 * The entries each directory holds after a power loss: durable + a prefix of pending, the prefixes
 * chosen by `rng` (in the order of `dirs`) and then shortened until no rename across directories
 * survives in one directory and not in the other.
 */
export function crashEntries(dirs: readonly DirNode[], rng: Rng, mode: DirCrashMode): Map<DirNode, Map<string, FsNode>> {
  const cut = new Map<DirNode, number>();
  for (const dir of dirs) {
    const n = dir.pending.length;
    cut.set(dir, mode === 'drop' ? 0 : mode === 'keep' ? n : rng.int(n + 1));
  }
  const cutOf = (dir: DirNode): number => cut.get(dir) ?? 0;
  for (let changed = true; changed; ) {
    changed = false;
    for (const dir of dirs) {
      const n = cutOf(dir);
      for (let i = 0; i < n; i++) {
        const pair = dir.pending[i]!.pair;
        if (pair === undefined) continue;
        const j = pair.dir.pending.indexOf(pair.op);
        assert(j >= 0, 'crash: half of a rename across directories is pending, the other is not');
        if (j >= cutOf(pair.dir)) {
          cut.set(dir, i);
          changed = true;
          break;
        }
      }
    }
  }
  const out = new Map<DirNode, Map<string, FsNode>>();
  for (const dir of dirs) {
    const entries = new Map(dir.durable);
    const n = cutOf(dir);
    for (let i = 0; i < n; i++) applyOp(entries, dir.pending[i]!);
    out.set(dir, entries);
  }
  return out;
}
