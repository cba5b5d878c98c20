// Naming what each file-system operation of a run is doing, without adding operations: a FaultFS
// that watches the records appended to the MANIFEST, the value log and the WAL; an inline executor
// that remembers which tables flushes and compactions write and read (and can lag, so jobs
// overlap writes as on a worker thread); and the engine step on the call stack. The suites build
// their categories (append:compaction-output, sync:vlog-gc, ...) from these.

import { getVarint } from '../../src/base/index.js';
import { InlineExecutor, type Executor, type Job, type JobResult } from '../../src/compaction/index.js';
import { FaultFS, type FileHandle, type OpenFlags } from '../../src/fs/index.js';

/**
 * The table changes in the first MANIFEST record of an append (docs/format.md §MANIFEST: a 12-byte
 * record header, a varint count, then changes: 0x01 add = table id varint + level, compression,
 * 4-byte key id; 0x02 delete = table id varint; 0x03 WAL = WAL id varint + last version varint,
 * which names no table).
 */
export function decodeManifestRecord(record: Uint8Array): { adds: number[]; deletes: number[] } {
  const adds: number[] = [];
  const deletes: number[] = [];
  const next = [0];
  const count = getVarint(record, 12, record.length, next);
  let p = next[0]!;
  for (let i = 0; i < count; i++) {
    const type = record[p]!;
    const id = getVarint(record, p + 1, record.length, next);
    p = next[0]!;
    if (type === 0x01) {
      adds.push(id);
      p += 6;
    } else if (type === 0x02) deletes.push(id);
    else if (type === 0x03) {
      getVarint(record, p, record.length, next); // the WAL's last version
      p = next[0]!;
    } else break; // a change this decoder does not know: the rest cannot be parsed
  }
  return { adds, deletes };
}

/** A handle that shows each append to `onRecord` before it happens. */
/** A WAL write that is a record, not preallocated zeros (a record's length is never 0). */
export function isWalRecord(data: Uint8Array): boolean {
  return data.length >= 4 && (data[0]! | data[1]! | data[2]! | data[3]!) !== 0;
}

export class RecordSpy implements FileHandle {
  constructor(
    private readonly inner: FileHandle,
    private readonly onRecord: (record: Uint8Array) => void,
    /** Positional writes; a preallocating WAL writes its zeros and its records with them. */
    private readonly onWrite?: (data: Uint8Array) => void,
  ) {}
  get path(): string {
    return this.inner.path;
  }
  read(buf: Uint8Array, offset: number, length: number, position: number): number {
    return this.inner.read(buf, offset, length, position);
  }
  append(data: Uint8Array): void {
    this.onRecord(data);
    this.inner.append(data);
  }
  write(data: Uint8Array, position: number): void {
    this.onWrite?.(data);
    this.inner.write(data, position);
  }
  sync(): Promise<void> {
    return this.inner.sync();
  }
  truncate(size: number): void {
    this.inner.truncate(size);
  }
  size(): number {
    return this.inner.size();
  }
  close(): void {
    this.inner.close();
  }
}

/** What a value-log append holds: a file header, a write group, or a GC rewrite group. */
export type VlogAppend = 'header' | 'group' | 'gc-rewrite';

const VLOG_MAGIC = 'SETTVLOG';

/** The [key, value] pairs of the entries in one value-log group append (docs/format.md §VLOG.entry). */
function groupEntries(data: Uint8Array): string[] {
  const out: string[] = [];
  const next = [0];
  const latin1 = (a: number, b: number): string => Buffer.from(data.buffer, data.byteOffset + a, b - a).toString('latin1');
  for (let p = 0; p + 12 <= data.length; ) {
    const length = ((data[p]! << 24) | (data[p + 1]! << 16) | (data[p + 2]! << 8) | data[p + 3]!) >>> 0;
    let q = p + 14; // length, bodyCrc, headerCrc, meta, userMeta
    const keyLength = getVarint(data, q, data.length, next);
    const valueLength = getVarint(data, next[0]!, data.length, next);
    getVarint(data, next[0]!, data.length, next); // version
    getVarint(data, next[0]!, data.length, next); // expiresAt
    q = next[0]!;
    out.push(`${latin1(q, q + keyLength)}\u0000${latin1(q + keyLength, q + keyLength + valueLength)}`);
    p += length;
  }
  return out;
}

/**
 * FaultFS that knows what is being appended (no extra operations): the changes of the MANIFEST
 * record being appended; whether a value-log append is a header, a write group or a GC rewrite
 * group (its entries were written before: every workload value is unique); and which value-log
 * group a WAL record follows.
 */
export class SpyFS extends FaultFS {
  /** The MANIFEST record appended last and not synced yet. */
  lastRecord: { adds: number[]; deletes: number[] } | undefined;
  /** The value-log append in progress. */
  vlogAppend: VlogAppend | undefined;
  /** What the WAL append in progress follows, and what the last one followed (for its sync). */
  walAppendAfter: VlogAppend | undefined;
  lastWalAppendAfter: VlogAppend | undefined;
  /** The last group append no WAL record has followed yet. */
  private groupBeforeWal: VlogAppend | undefined;
  /** Appends to each WAL (its header is one): a rotation syncs the old WAL, then the new one. */
  readonly walAppends = new Map<string, number>();
  /** Whether the last positional write to a WAL was a record (else zeros written ahead). */
  walWriteIsRecord = false;
  private readonly written = new Set<string>();

  constructor() {
    super({ durableMkdir: true });
  }

  override open(path: string, flags: OpenFlags): FileHandle {
    const handle = super.open(path, flags);
    if (path.endsWith('/MANIFEST')) {
      return new RecordSpy(handle, (record) => {
        this.lastRecord = decodeManifestRecord(record);
      });
    }
    if (path.endsWith('.vlog')) return new RecordSpy(handle, (data) => this.onVlogAppend(data));
    if (path.endsWith('.mem')) {
      const onRecord = (): void => {
        this.walAppends.set(path, (this.walAppends.get(path) ?? 0) + 1);
        this.walAppendAfter = this.groupBeforeWal;
        this.groupBeforeWal = undefined;
      };
      // Under syncWrites a WAL writes zeros ahead (WalWriter.preallocate) and each record over
      // them: a record's first four bytes (its length) are never all zero.
      return new RecordSpy(handle, onRecord, (data) => {
        this.walWriteIsRecord = isWalRecord(data);
        if (this.walWriteIsRecord) onRecord();
      });
    }
    return handle;
  }

  private onVlogAppend(data: Uint8Array): void {
    if (Buffer.from(data.buffer, data.byteOffset, Math.min(8, data.length)).toString('latin1') === VLOG_MAGIC) {
      this.vlogAppend = 'header';
      return;
    }
    const entries = groupEntries(data);
    this.vlogAppend = entries.some((e) => this.written.has(e)) ? 'gc-rewrite' : 'group';
    for (const e of entries) this.written.add(e);
    this.groupBeforeWal = this.vlogAppend;
  }
}

/**
 * The inline executor, remembering which tables flushes and compactions wrote and read. With
 * `lagTicks` > 0 each job waits that many microtasks first, so that a flush or a compaction
 * overlaps many writes as one on a worker thread does, yet every run with the same seed performs
 * the same operations in the same order (no timers, no real I/O).
 */
export class LaggingExecutor implements Executor {
  readonly kind = 'inline';
  readonly flushOutputs = new Set<string>();
  readonly compactionOutputs = new Set<string>();
  readonly compactionInputs = new Set<string>();
  private readonly inner: InlineExecutor;

  constructor(
    fs: FaultFS,
    private readonly lagTicks: number,
  ) {
    this.inner = new InlineExecutor(fs);
  }

  async run<J extends Job>(job: J): Promise<JobResult<J>> {
    const j: Job = job;
    if (j.kind === 'flush') this.flushOutputs.add(j.path);
    else if (j.kind !== 'verify') {
      for (const o of j.outputs) this.compactionOutputs.add(o.path);
      for (const i of j.inputs) this.compactionInputs.add(i.path);
    }
    for (let i = 0; i < this.lagTicks; i++) await null;
    return this.inner.run(job);
  }

  async close(): Promise<void> {}
}

/**
 * The call stack of the operation in progress (async frames included): the suites look in it for
 * the engine function an operation serves (flushOne, Compactor.execute, rewriteNow...). Called
 * from the operation hook, so it sees the engine mid-step.
 */
export function callStack(): string {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 60;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = saved;
  return stack;
}
