// FaultFS's operation gate: every operation passes here first, to be counted, shown to the test's
// hook (which may throw to "crash" right before it), and failed when an injected fault says so.

import * as path from 'node:path';
import { InvalidArgumentError } from '../base/index.js';
import { FaultFsError, type FsErrno } from './fault-errors.js';

/** The operations FaultFS counts, reports and can fail. `size` is both fs.size(path) and handle.size(). */
export type FsOp =
  | 'open'
  | 'read'
  | 'append'
  | 'write'
  | 'sync'
  | 'truncate'
  | 'rename'
  | 'unlink'
  | 'list'
  | 'mkdir'
  | 'syncDir'
  | 'size'
  | 'exists'
  | 'close';

export const FS_OPS: readonly FsOp[] = [
  'open',
  'read',
  'append',
  'write',
  'sync',
  'truncate',
  'rename',
  'unlink',
  'list',
  'mkdir',
  'syncDir',
  'size',
  'exists',
  'close',
];

/** node's syscall names, for error messages that read like node's. */
export const SYSCALL: Readonly<Record<FsOp, string>> = {
  open: 'open',
  read: 'read',
  append: 'write',
  write: 'write',
  sync: 'fdatasync',
  truncate: 'ftruncate',
  rename: 'rename',
  unlink: 'unlink',
  list: 'scandir',
  mkdir: 'mkdir',
  syncDir: 'fsync',
  size: 'stat',
  exists: 'access',
  close: 'close',
};

export function fail(code: FsErrno, op: FsOp, path: string, dest?: string): never {
  throw new FaultFsError(code, SYSCALL[op], path, dest);
}

/** Called before each operation with its normalised path (and a rename's target). May throw. */
export type OperationHook = (op: FsOp, path: string, to?: string) => void;

export interface FaultSpec {
  /** Operations that match; all when absent. */
  op?: FsOp | readonly FsOp[];
  /** Paths that match: a string is compared with the normalised absolute path. A rename matches by either path. */
  path?: string | RegExp | ((path: string) => boolean);
  /** Fail the nth matching operation (1-based; default 1). */
  nth?: number;
  errno: 'EIO' | 'ENOSPC';
  /** Keep failing every matching operation after the nth. */
  sticky?: boolean;
  /**
   * For append/write only: how many leading bytes land before the error (clamped to the data's
   * length). Default 0: a failed write changes nothing.
   */
  partialBytes?: number;
}

/** A fault that was injected: how often it matched and fired; `remove()` disarms it. */
export class InjectedFault {
  matched = 0;
  fired = 0;
  armed = true;
  readonly ops: ReadonlySet<FsOp> | undefined;
  readonly nth: number;
  readonly sticky: boolean;
  readonly partialBytes: number;
  private readonly pathMatch: ((p: string) => boolean) | undefined;

  constructor(readonly spec: FaultSpec) {
    const nth = spec.nth ?? 1;
    if (!Number.isInteger(nth) || nth < 1) throw new InvalidArgumentError(`injectFault: nth must be an integer >= 1, got ${nth}`);
    if (spec.errno !== 'EIO' && spec.errno !== 'ENOSPC') {
      throw new InvalidArgumentError(`injectFault: errno must be 'EIO' or 'ENOSPC', got ${String(spec.errno)}`);
    }
    const partial = spec.partialBytes ?? 0;
    if (!Number.isInteger(partial) || partial < 0) {
      throw new InvalidArgumentError(`injectFault: partialBytes must be an integer >= 0, got ${partial}`);
    }
    this.nth = nth;
    this.sticky = spec.sticky ?? false;
    this.partialBytes = partial;
    this.ops = spec.op === undefined ? undefined : new Set(typeof spec.op === 'string' ? [spec.op] : spec.op);
    const p = spec.path;
    if (p === undefined) this.pathMatch = undefined;
    else if (typeof p === 'string') {
      const want = normalizePath(p);
      this.pathMatch = (x) => x === want;
    } else if (p instanceof RegExp) this.pathMatch = (x) => matchRegExp(p, x);
    else this.pathMatch = p;
  }

  remove(): void {
    this.armed = false;
  }

  matches(op: FsOp, p: string, to: string | undefined): boolean {
    if (this.ops !== undefined && !this.ops.has(op)) return false;
    if (this.pathMatch === undefined) return true;
    return this.pathMatch(p) || (to !== undefined && this.pathMatch(to));
  }

  /** The error this fault raises for an operation on `p`. */
  error(syscall: string, p: string, to?: string): FaultFsError {
    return new FaultFsError(this.spec.errno, syscall, p, to);
  }
}

function matchRegExp(re: RegExp, s: string): boolean {
  re.lastIndex = 0; // a /g or /y regexp is stateful; matching must not depend on earlier calls
  return re.test(s);
}

/** Paths are posix and absolute inside FaultFS: `db/x`, `/db/x` and `/db//y/../x` are one file. */
export function normalizePath(p: string): string {
  return path.posix.resolve('/', p);
}

export class OperationGate {
  hook: OperationHook | undefined;
  private total = 0;
  private readonly counts = new Map<FsOp, number>();
  private faults: InjectedFault[] = [];

  get operationCount(): number {
    return this.total;
  }

  countOf(op: FsOp): number {
    return this.counts.get(op) ?? 0;
  }

  inject(spec: FaultSpec): InjectedFault {
    const fault = new InjectedFault(spec);
    this.faults.push(fault);
    return fault;
  }

  clear(): void {
    for (const f of this.faults) f.armed = false;
    this.faults = [];
  }

  /**
   * Counts the operation, runs the hook, and returns the fault that fails it, if any. Every armed
   * fault that matches counts the operation; when several are due at once, all of them fire (and
   * are spent unless sticky) and the first injected one gives the error.
   */
  enter(op: FsOp, p: string, to?: string): InjectedFault | undefined {
    this.total++;
    this.counts.set(op, (this.counts.get(op) ?? 0) + 1);
    this.hook?.(op, p, to);
    let firing: InjectedFault | undefined;
    let spent = false;
    for (const fault of this.faults) {
      if (!fault.armed || !fault.matches(op, p, to)) continue;
      fault.matched++;
      if (fault.matched === fault.nth || (fault.sticky && fault.matched > fault.nth)) {
        firing ??= fault;
        fault.fired++;
        if (!fault.sticky) {
          fault.armed = false;
          spent = true;
        }
      }
    }
    if (spent) this.faults = this.faults.filter((f) => f.armed);
    return firing;
  }
}
