// FaultFS: an in-memory FileSystem for tests that forgets what was not made durable, fails the
// operations a test picks, and lets a test stop the world before any operation (after Pebble's
// strict MemFS and error-injecting FS, and TigerBeetle's simulator: every outcome replays from a seed).
//
// What is durable (see fault-file.ts and fault-dir.ts for the precise models):
//   a file's bytes      as of its last handle.sync(); later appends, overwrites and truncates are not
//   a directory's names as of its last syncDir(); later creates, mkdirs, renames and unlinks are not
// crash(seed) returns a new FaultFS holding one state a power loss could leave; this one is left
// unchanged and usable, so a test can crash the same moment with many seeds.
//
// Names point to inodes: an unlinked or replaced file stays readable and writable through handles
// already open on it. Paths are posix; relative paths resolve against '/'.

import { Rng } from '../base/index.js';
import type { FileHandle, FileSystem, OpenFlags } from './file-system.js';
import { Inode, type FileCrashMode } from './fault-file.js';
import { commitAll, commitThrough, crashEntries, DirNode, renameAcross, type DirCrashMode, type FsNode } from './fault-dir.js';
import { fail, InjectedFault, normalizePath, OperationGate, SYSCALL, type FaultSpec, type FsOp, type OperationHook } from './fault-inject.js';
import { FaultFileHandle } from './fault-handle.js';

export interface FaultFSOptions {
  /**
   * mkdir makes the new directory's name durable at once, as if the parent were synced (which
   * commits the parent's other pending operations too). Default false: like any create, a mkdir
   * not followed by syncDir(parent) may vanish in a crash, with everything below it.
   */
  durableMkdir?: boolean;
  onOperation?: OperationHook;
  /**
   * File contents live in SharedArrayBuffers, so shareFile() can hand a file's bytes to a worker
   * thread without a copy (an inMemory database whose background jobs run on workers).
   */
  sharedMemory?: boolean;
}

/** 'random' picks per file and per directory; 'dropAll' is a power loss that keeps only what was made durable; 'keepAll' is a process kill. */
export type CrashMode = 'random' | 'dropAll' | 'keepAll';

export interface CrashOptions {
  mode?: CrashMode;
  /** Overrides `mode` for file contents; 'torn' tears every file that has unsynced changes. */
  files?: FileCrashMode;
  /** Overrides `mode` for directory entries. */
  dirs?: DirCrashMode;
  /** A torn write may be followed by garbage bytes: its size reached the disk, its data did not. */
  tornGarbage?: boolean;
}

export class FaultFS implements FileSystem {
  private readonly gate = new OperationGate();
  private readonly durableMkdir: boolean;
  private readonly sharedMemory: boolean;
  private nextId = 1;
  private root: DirNode;
  /** Every directory ever created, oldest first: the order crash() draws their fates in. */
  private dirs: DirNode[];

  constructor(options: FaultFSOptions = {}) {
    this.durableMkdir = options.durableMkdir ?? false;
    this.sharedMemory = options.sharedMemory ?? false;
    this.gate.hook = options.onOperation;
    this.root = new DirNode(this.nextId++);
    this.dirs = [this.root];
  }

  /** Called before each operation (after it is counted); throwing from it stops the operation before it has any effect. */
  get onOperation(): OperationHook | undefined {
    return this.gate.hook;
  }

  set onOperation(hook: OperationHook | undefined) {
    this.gate.hook = hook;
  }

  /** Operations so far (FileSystem and FileHandle calls; the *Direct helpers do not count). */
  get operationCount(): number {
    return this.gate.operationCount;
  }

  countOf(op: FsOp): number {
    return this.gate.countOf(op);
  }

  injectFault(spec: FaultSpec): InjectedFault {
    return this.gate.inject(spec);
  }

  clearFaults(): void {
    this.gate.clear();
  }

  // ---- FileSystem -------------------------------------------------------------------------------

  open(path: string, flags: OpenFlags): FileHandle {
    const key = normalizePath(path);
    this.throwIfFault('open', key);
    const { dir, name } = this.parentOf(key, 'open');
    const existing = dir.entries.get(name);
    if (existing !== undefined && flags === 'wx') fail('EEXIST', 'open', key); // O_EXCL wins, even over a directory
    if (existing?.kind === 'dir') fail('EISDIR', 'open', key);
    let inode: Inode;
    if (flags === 'r' || flags === 'r+') {
      if (existing === undefined) fail('ENOENT', 'open', key);
      inode = existing;
    } else if (flags === 'w' || flags === 'wx') {
      if (existing !== undefined) {
        inode = existing;
        inode.truncate(0);
      } else {
        inode = new Inode(this.nextId++, undefined, { shared: this.sharedMemory });
        dir.link(name, inode);
      }
    } else {
      throw new TypeError(`FaultFS.open: unsupported flags ${String(flags)}`);
    }
    return new FaultFileHandle(this.gate, path, key, inode, flags !== 'r');
  }

  exists(path: string): boolean {
    const key = normalizePath(path);
    this.throwIfFault('exists', key);
    return this.lookup(key) !== undefined;
  }

  size(path: string): number {
    const key = normalizePath(path);
    this.throwIfFault('size', key);
    const node = this.lookupStrict(key, 'size');
    return node.kind === 'file' ? node.size : 0;
  }

  rename(from: string, to: string): void {
    const src = normalizePath(from);
    const dst = normalizePath(to);
    this.throwIfFault('rename', src, dst);
    const s = this.parentOf(src, 'rename', dst);
    const d = this.parentOf(dst, 'rename');
    const node = s.dir.entries.get(s.name);
    if (node === undefined) fail('ENOENT', 'rename', src, dst);
    const target = d.dir.entries.get(d.name);
    if (target === node) return; // POSIX: renaming a name onto itself does nothing
    if (node.kind === 'file' && target?.kind === 'dir') fail('EISDIR', 'rename', src, dst);
    if (node.kind === 'dir') {
      if (target?.kind === 'file') fail('ENOTDIR', 'rename', src, dst);
      if (target?.kind === 'dir' && target.entries.size > 0) fail('ENOTEMPTY', 'rename', src, dst);
      if (dst.startsWith(src + '/')) fail('EINVAL', 'rename', src, dst); // into its own subtree
    }
    if (s.dir === d.dir) s.dir.renameWithin(s.name, d.name);
    else renameAcross(s.dir, s.name, d.dir, d.name);
  }

  unlink(path: string): void {
    const key = normalizePath(path);
    this.throwIfFault('unlink', key);
    const { dir, name } = this.parentOf(key, 'unlink');
    const node = dir.entries.get(name);
    if (node === undefined) fail('ENOENT', 'unlink', key);
    if (node.kind === 'dir') fail('EISDIR', 'unlink', key);
    dir.unlink(name);
  }

  list(dir: string): string[] {
    const key = normalizePath(dir);
    this.throwIfFault('list', key);
    const node = this.lookupStrict(key, 'list');
    if (node.kind !== 'dir') fail('ENOTDIR', 'list', key);
    return [...node.entries.keys()].sort();
  }

  mkdir(dir: string): void {
    const key = normalizePath(dir);
    this.throwIfFault('mkdir', key);
    this.mkdirs(key, 'mkdir', this.durableMkdir);
  }

  async syncDir(dir: string): Promise<void> {
    const key = normalizePath(dir);
    this.throwIfFault('syncDir', key);
    const node = this.lookupStrict(key, 'syncDir');
    if (node.kind !== 'dir') fail('ENOTDIR', 'syncDir', key);
    commitAll(node);
  }

  // ---- Test helpers: no counting, no hook, no faults --------------------------------------------

  /** The current bytes of a file (what a read sees), whether durable or not. */
  readFileDirect(path: string): Uint8Array {
    const key = normalizePath(path);
    const node = this.lookupStrict(key, 'open');
    if (node.kind !== 'file') fail('EISDIR', 'open', key);
    return node.current();
  }

  /**
   * Sets a file's bytes, durably: an existing file keeps its inode (open handles see the new bytes);
   * a new file is created, with missing parents, and its directory made durable (as syncDir would,
   * committing the directory's other pending operations too).
   */
  writeFileDirect(path: string, bytes: Uint8Array): void {
    const { key, dir, name } = this.durableParentOf(path);
    const existing = dir.entries.get(name);
    if (existing?.kind === 'dir') fail('EISDIR', 'open', key);
    if (existing !== undefined) {
      existing.replaceDurably(bytes);
      return;
    }
    commitThrough(dir, dir.link(name, new Inode(this.nextId++, bytes, { shared: this.sharedMemory })));
  }

  // ---- Sharing files with worker threads (sharedMemory) -----------------------------------------

  /**
   * The current bytes of a file as a view of its SharedArrayBuffer storage, not a copy: posted to
   * a worker, both threads see the same memory. The file must not be written or truncated while
   * anyone reads the view (the tables an inMemory database shares are immutable once written).
   * `fit`: first cut the storage to exactly the file's bytes (one copy, once), so a view kept
   * for the file's life holds no room to grow.
   */
  shareFile(path: string, fit = false): Uint8Array {
    if (!this.sharedMemory) throw new TypeError('FaultFS.shareFile needs a FaultFS made with { sharedMemory: true }');
    const key = normalizePath(path);
    const node = this.lookupStrict(key, 'open');
    if (node.kind !== 'file') fail('EISDIR', 'open', key);
    return node.view(fit);
  }

  /**
   * Creates `path` (durably, with missing parents) holding `bytes` as they are, without a copy:
   * the file is that memory from now on, and nothing else may write it. A path that exists fails
   * with EEXIST.
   */
  adoptFile(path: string, bytes: Uint8Array): void {
    const { key, dir, name } = this.durableParentOf(path);
    if (dir.entries.has(name)) fail('EEXIST', 'open', key);
    commitThrough(dir, dir.link(name, new Inode(this.nextId++, bytes, { shared: this.sharedMemory, adopt: true })));
  }

  /** Paths of every file reachable now, sorted. */
  listAll(): string[] {
    const out: string[] = [];
    const walk = (dir: DirNode, prefix: string): void => {
      for (const [name, node] of dir.entries) {
        const p = `${prefix}/${name}`;
        if (node.kind === 'file') out.push(p);
        else walk(node, p);
      }
    };
    walk(this.root, '');
    return out.sort();
  }

  /** Whether a crash now leaves the file at `path` exactly as it is: its bytes synced, its name (and its parents') durable. */
  isDurable(path: string): boolean {
    const key = normalizePath(path);
    let dir = this.root;
    const parts = key === '/' ? [] : key.slice(1).split('/');
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i]!;
      const node = dir.entries.get(name);
      if (node === undefined || !dir.isNameDurable(name)) return false;
      if (node.kind === 'file') return i === parts.length - 1 && !node.hasUnsynced;
      dir = node;
    }
    return parts.length === 0;
  }

  /**
   * One state a power loss could leave now, as a new FaultFS (no open handles, no faults, no hook,
   * counters at zero). Same state and seed, same result. This FaultFS is not changed.
   */
  crash(seed: number, options: CrashOptions = {}): FaultFS {
    const mode = options.mode ?? 'random';
    const fileMode: FileCrashMode = options.files ?? (mode === 'random' ? 'random' : mode === 'dropAll' ? 'drop' : 'keep');
    const dirMode: DirCrashMode = options.dirs ?? (mode === 'random' ? 'random' : mode === 'dropAll' ? 'drop' : 'keep');
    const rng = new Rng(seed);
    const names = crashEntries(this.dirs, rng, dirMode);
    const out = new FaultFS({ durableMkdir: this.durableMkdir, sharedMemory: this.sharedMemory });
    const files = new Map<Inode, Inode>();
    const seen = new Set<DirNode>([this.root]);
    const clone = (from: DirNode, to: DirNode): void => {
      const entries = names.get(from) ?? from.durable;
      for (const name of [...entries.keys()].sort()) {
        const node: FsNode = entries.get(name)!;
        let copy: FsNode;
        if (node.kind === 'file') {
          let file = files.get(node);
          if (file === undefined) {
            file = new Inode(out.nextId++, node.crashed(rng, fileMode, options.tornGarbage ?? false), { shared: this.sharedMemory });
            files.set(node, file);
          }
          copy = file;
        } else {
          // Renames across directories that half-survive are impossible (crashEntries), but a
          // directory moved back and forth may still end up reachable twice or in a cycle: keep
          // the first place it is found.
          if (seen.has(node)) continue;
          seen.add(node);
          const dir = new DirNode(out.nextId++);
          out.dirs.push(dir);
          clone(node, dir);
          copy = dir;
        }
        to.entries.set(name, copy);
        to.durable.set(name, copy);
      }
    };
    clone(this.root, out.root);
    return out;
  }

  // ---- internals --------------------------------------------------------------------------------

  private throwIfFault(op: FsOp, path: string, to?: string): void {
    const fault = this.gate.enter(op, path, to);
    if (fault !== undefined) throw fault.error(SYSCALL[op], path, to);
  }

  private lookup(key: string): FsNode | undefined {
    let node: FsNode = this.root;
    if (key === '/') return node;
    for (const name of key.slice(1).split('/')) {
      if (node.kind !== 'dir') return undefined;
      const next: FsNode | undefined = node.entries.get(name);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }

  /** The node at `key`; ENOENT if a component is missing, ENOTDIR if one is a file. */
  private lookupStrict(key: string, op: FsOp, dest?: string): FsNode {
    let node: FsNode = this.root;
    if (key === '/') return node;
    for (const name of key.slice(1).split('/')) {
      if (node.kind !== 'dir') fail('ENOTDIR', op, key, dest);
      const next: FsNode | undefined = node.entries.get(name);
      if (next === undefined) fail('ENOENT', op, key, dest);
      node = next;
    }
    return node;
  }

  /** The directory that holds (or would hold) `key`, and the name in it. */
  private parentOf(key: string, op: FsOp, dest?: string): { dir: DirNode; name: string } {
    if (key === '/') fail(op === 'open' ? 'EISDIR' : 'EINVAL', op, key, dest);
    const slash = key.lastIndexOf('/');
    const dir = this.lookupStrict(key.slice(0, slash) || '/', op, dest);
    if (dir.kind !== 'dir') fail('ENOTDIR', op, key, dest);
    return { dir, name: key.slice(slash + 1) };
  }

  /** The directory of a file the test helpers create, made (durably, with missing parents) if need be. */
  private durableParentOf(path: string): { key: string; dir: DirNode; name: string } {
    const key = normalizePath(path);
    if (key === '/') fail('EISDIR', 'open', key);
    const slash = key.lastIndexOf('/');
    return { key, dir: this.mkdirs(key.slice(0, slash) || '/', 'open', true), name: key.slice(slash + 1) };
  }

  private mkdirs(key: string, op: FsOp, durable: boolean): DirNode {
    let dir = this.root;
    if (key === '/') return dir;
    const parts = key.slice(1).split('/');
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i]!;
      const node = dir.entries.get(name);
      if (node?.kind === 'file') fail(i === parts.length - 1 ? 'EEXIST' : 'ENOTDIR', op, key);
      if (node !== undefined) {
        dir = node;
        continue;
      }
      const child = new DirNode(this.nextId++);
      this.dirs.push(child);
      const linked = dir.link(name, child);
      if (durable) commitThrough(dir, linked);
      dir = child;
    }
    return dir;
  }
}
