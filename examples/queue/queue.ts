// A durable work queue (seed 002, Querator's storage) on sett: partitions, each its own database
// directory, placed across storage directories by affinity; produce, lease, complete, retry,
// lease expiry and redelivery, max attempts with a dead-letter queue, list and stats.
//
// Items route to a partition by a hash of their sourceId (so dedupe sees every earlier copy) or,
// without one, a whole produce call goes to the next partition in turn. Order is FIFO within a
// partition (by due time, then position); lease visits partitions in turn, so across partitions
// it is fair, not strictly ordered. Writes to one partition run one at a time (Partition.exclusive);
// complete and retry over several partitions take their locks in partition order and check every
// id before writing anything.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ClosedError, InvalidArgumentError, systemClock, type Clock, type OpenOptions } from 'sett';
import { NotLeasedError, UnknownItemError } from './errors.js';
import { DEAD, LEASED, Partition, type NewItem, type StoredItem } from './partition.js';
import { MAX_PARTITIONS, parsePartitionDirName, partitionDirName, placePartitions, type StorageDir } from './placement.js';
import { RANK_FIELD_MAX, rankDue } from './rank.js';
import type { Item, LeaseOptions, ListOptions, ProduceItem, ProduceResult, QueueOptions, QueueStats, RetryOptions, StateCounts } from './types.js';

/** Items one produce call takes at most (one engine transaction per partition holds them). */
export const MAX_PRODUCE_ITEMS = 50_000;
/** Items one lease call hands out at most. */
export const MAX_LEASE_COUNT = 10_000;
/** Ids one complete or retry call takes at most. */
export const MAX_IDS_PER_CALL = 50_000;
export const DEFAULT_LIST_LIMIT = 100;

const NAME = /^[A-Za-z0-9_.-]{1,200}$/;
const ID = /^(\d{1,7}):(\d{1,16})$/;

export async function openQueue(options: QueueOptions): Promise<Queue> {
  const o = checkOptions(options);
  const storages = typeof o.storage === 'string' ? [{ dir: o.storage, affinity: 1 }] : o.storage;
  const locations = locatePartitions(o.name, o.partitions, storages);
  // No conflict detection: every write to a partition runs alone (Partition.exclusive), so no
  // transaction can overwrite another's reads, and the engine need not remember its writes.
  const engine: OpenOptions = { ...o.engine, syncWrites: o.syncWrites, detectConflicts: false };
  const opened = await Promise.allSettled(
    locations.map((s, i) => Partition.open(i, join(storages[s]!.dir, partitionDirName(o.name, i)), storages[s]!.name ?? storages[s]!.dir, engine)),
  );
  const failed = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const partitions = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (failed !== undefined) {
    await Promise.allSettled(partitions.map((p) => p.close()));
    throw failed.reason;
  }
  return new Queue(o.name, partitions, o.maxAttempts, o.clock);
}

/**
 * The storage directory of each partition: where its directory already is, else by affinity.
 * A queue opened with fewer partitions than it has on disk is refused (their items would vanish).
 */
function locatePartitions(name: string, count: number, storages: readonly StorageDir[]): number[] {
  const found = new Map<number, number>();
  storages.forEach((s, si) => {
    if (!existsSync(s.dir)) return;
    for (const entry of readdirSync(s.dir)) {
      const index = parsePartitionDirName(name, entry);
      if (index === undefined) continue;
      const elsewhere = found.get(index);
      if (elsewhere !== undefined) {
        throw new InvalidArgumentError(`partition ${index} of queue '${name}' is in two storage directories: ${storages[elsewhere]!.dir} and ${s.dir}`);
      }
      if (index >= count) {
        throw new InvalidArgumentError(`queue '${name}' has partition ${index} in ${s.dir}, but was opened with ${count} partitions; open it with at least ${index + 1}`);
      }
      found.set(index, si);
    }
  });
  const planned = placePartitions(count, storages.map((s) => s.affinity));
  return planned.map((s, i) => found.get(i) ?? s);
}

export class Queue {
  private produceNext = 0;
  private leaseNext = 0;
  private closed = false;

  /** @internal Use `openQueue`. */
  constructor(
    readonly name: string,
    private readonly parts: readonly Partition[],
    readonly maxAttempts: number,
    private readonly clock: Clock,
  ) {}

  /** Where each partition lives. */
  get partitions(): { partition: number; dir: string; storage: string }[] {
    return this.parts.map((p) => ({ partition: p.index, dir: p.dir, storage: p.storage }));
  }

  /** Adds items; resolves once they are written (durable when syncWrites is on). */
  async produce(items: ProduceItem[]): Promise<ProduceResult> {
    this.checkOpen();
    if (!Array.isArray(items)) throw new InvalidArgumentError('produce takes an array of items');
    if (items.length > MAX_PRODUCE_ITEMS) throw new InvalidArgumentError(`produce takes at most ${MAX_PRODUCE_ITEMS} items per call, got ${items.length}`);
    const now = this.clock.nowMs();
    const batches = new Map<number, { items: NewItem[]; at: number[] }>();
    const unrouted = this.produceNext;
    this.produceNext = (this.produceNext + 1) % this.parts.length;
    items.forEach((raw, i) => {
      const it = checkItem(raw, i, now);
      const p = it.sourceId === null ? unrouted : hashString(it.sourceId) % this.parts.length;
      let b = batches.get(p);
      if (b === undefined) batches.set(p, (b = { items: [], at: [] }));
      b.items.push(it);
      b.at.push(i);
    });
    const ids = new Array<string>(items.length);
    let duplicates = 0;
    await Promise.all(
      [...batches].map(async ([p, b]) => {
        const part = this.parts[p]!;
        const result = await part.exclusive(() => part.produce(b.items, now));
        result.forEach((r, k) => {
          ids[b.at[k]!] = itemId(p, r.n);
          if (r.duplicate) duplicates++;
        });
      }),
    );
    return { ids, duplicates };
  }

  /**
   * Leases up to `count` ready items for `leaseMs`, visiting partitions in turn. Leases that
   * expired in a visited partition are taken back first (delivered again, or dead-lettered after
   * maxAttempts deliveries).
   */
  async lease(options: LeaseOptions): Promise<Item[]> {
    this.checkOpen();
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('lease takes { count, leaseMs }');
    const { count, leaseMs } = options;
    if (!Number.isSafeInteger(count) || count < 1 || count > MAX_LEASE_COUNT) throw new InvalidArgumentError(`count must be an integer in [1, ${MAX_LEASE_COUNT}], got ${String(count)}`);
    if (!Number.isSafeInteger(leaseMs) || leaseMs < 1) throw new InvalidArgumentError(`leaseMs must be a positive integer, got ${String(leaseMs)}`);
    const now = this.clock.nowMs();
    const start = this.leaseNext;
    this.leaseNext = (this.leaseNext + 1) % this.parts.length;
    const out: Item[] = [];
    for (let k = 0; k < this.parts.length && out.length < count; k++) {
      const part = this.parts[(start + k) % this.parts.length]!;
      const got = await part.exclusive(() => part.lease(count - out.length, leaseMs, now, this.maxAttempts));
      for (const s of got) out.push(toItem(part.index, s, now));
    }
    return out;
  }

  /** Removes leased items for good. Every id is checked before anything is written. */
  async complete(ids: string[]): Promise<void> {
    await this.onLeased(ids, 'completed', async (part, items) => part.complete(items));
  }

  /**
   * Gives leased items back: at once, behind every item waiting; or at `at`. An item that has had
   * maxAttempts deliveries goes to the dead letters instead.
   */
  async retry(ids: string[], options: RetryOptions = {}): Promise<void> {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('retry options must be { at? }');
    const at = options.at === undefined ? undefined : checkTime(options.at, 'at');
    await this.onLeased(ids, 'retried', async (part, items, now) => part.retry(items, Math.max(at ?? now, now), now, this.maxAttempts));
  }

  /** Live items (ready, scheduled, leased) from `pivot` on, included, in id order. */
  async list(options: ListOptions = {}): Promise<Item[]> {
    return this.listing(options, false);
  }

  /** The dead-letter queue: items that had maxAttempts deliveries, from `pivot` on, in id order. */
  async listDeadLetters(options: ListOptions = {}): Promise<Item[]> {
    return this.listing(options, true);
  }

  /** Items per state, per partition and in all; counts every index entry (an admin call). */
  async stats(): Promise<QueueStats> {
    this.checkOpen();
    const now = this.clock.nowMs();
    const partitions = [];
    for (const part of this.parts) {
      const c = await part.exclusive(() => part.counts(now));
      partitions.push({ partition: part.index, dir: part.dir, storage: part.storage, ...c });
    }
    const total: StateCounts = { ready: 0, scheduled: 0, leased: 0, expired: 0, dead: 0, total: 0 };
    for (const c of partitions) for (const k of Object.keys(total) as (keyof StateCounts)[]) total[k] += c[k];
    return { ...total, partitions };
  }

  /**
   * Resolves once no partition's database has a flush or compaction running or due: a bench
   * waits for it after filling, so the fill's compactions do not run inside what it measures.
   */
  async waitForBackgroundWork(): Promise<void> {
    this.checkOpen();
    await Promise.all(this.parts.map((p) => p.waitForBackgroundWork()));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const results = await Promise.allSettled(this.parts.map((p) => p.exclusive(() => p.close())));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- helpers ----------------------------------------------------------------------------

  /**
   * Checks that every id names an item under a live lease, holding the locks of every partition
   * involved (in partition order), then runs `write` on each partition's items.
   */
  private async onLeased(ids: string[], action: string, write: (part: Partition, items: StoredItem[], nowMs: number) => Promise<void>): Promise<void> {
    this.checkOpen();
    if (!Array.isArray(ids)) throw new InvalidArgumentError(`${action === 'completed' ? 'complete' : 'retry'} takes an array of ids`);
    if (ids.length > MAX_IDS_PER_CALL) throw new InvalidArgumentError(`at most ${MAX_IDS_PER_CALL} ids per call, got ${ids.length}`);
    const wanted = new Map<number, { ns: number[]; seen: Set<number> }>();
    const parsed = ids.map((id) => {
      const { p, n } = this.parseId(id, action);
      let w = wanted.get(p);
      if (w === undefined) wanted.set(p, (w = { ns: [], seen: new Set() }));
      if (!w.seen.has(n)) {
        w.seen.add(n);
        w.ns.push(n);
      }
      return { id, p, n };
    });
    const involved = [...wanted.keys()].sort((a, b) => a - b).map((p) => this.parts[p]!);
    await inOrder(involved, async () => {
      const now = this.clock.nowMs();
      const found = new Map(involved.map((part) => [part.index, part.read(wanted.get(part.index)!.ns)]));
      for (const { id, p, n } of parsed) {
        const s = found.get(p)!.get(n);
        if (s === undefined) throw new UnknownItemError(id, action);
        if (s.state === DEAD) throw new NotLeasedError(id, action, 'it is in the dead-letter queue');
        if (s.state !== LEASED) throw new NotLeasedError(id, action, 'it is waiting to be leased');
        if (rankDue(s.rank) <= now) throw new NotLeasedError(id, action, 'its lease expired');
      }
      for (const part of involved) {
        const items = wanted.get(part.index)!.ns.map((n) => found.get(part.index)!.get(n)!);
        await write(part, items, now);
      }
    });
  }

  private async listing(options: ListOptions, dead: boolean): Promise<Item[]> {
    this.checkOpen();
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('list options must be { pivot?, limit? }');
    const limit = options.limit ?? DEFAULT_LIST_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 0) throw new InvalidArgumentError(`limit must be a non-negative integer, got ${String(limit)}`);
    let { p, n } = options.pivot === undefined ? { p: 0, n: 0 } : this.parseId(options.pivot, 'listed');
    const now = this.clock.nowMs();
    const out: Item[] = [];
    for (; p < this.parts.length && out.length < limit; p++, n = 0) {
      const part = this.parts[p]!;
      for (const s of part.list(n, limit - out.length, dead)) out.push(toItem(p, s, now));
    }
    return out;
  }

  private parseId(id: unknown, action: string): { p: number; n: number } {
    if (typeof id !== 'string') throw new InvalidArgumentError(`an item id is a string '<partition>:<number>', got ${typeof id}`);
    const m = ID.exec(id);
    if (m === null) throw new InvalidArgumentError(`'${id}' is not an item id ('<partition>:<number>', e.g. '0:17')`);
    const p = Number(m[1]);
    const n = Number(m[2]);
    if (p >= this.parts.length || !Number.isSafeInteger(n)) throw new UnknownItemError(id, action);
    return { p, n };
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedError('queue');
  }
}

function inOrder<T>(parts: readonly Partition[], fn: () => Promise<T>): Promise<T> {
  if (parts.length === 0) return fn();
  return parts[0]!.exclusive(() => inOrder(parts.slice(1), fn));
}

function itemId(partition: number, n: number): string {
  return `${partition}:${n}`;
}

function toItem(partition: number, s: StoredItem, nowMs: number): Item {
  const dueAt = rankDue(s.rank);
  const state = s.state === LEASED ? 'leased' : s.state === DEAD ? 'dead' : dueAt > nowMs ? 'scheduled' : 'ready';
  return { id: itemId(partition, s.n), sourceId: s.sourceId, payload: s.payload, attempts: s.attempts, enqueuedAt: s.enqueuedAt, state, dueAt };
}

/** FNV-1a over UTF-16 code units: stable across runs and versions, which routing needs. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function checkTime(t: unknown, what: string): number {
  const ms = t instanceof Date ? t.getTime() : t;
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0 || ms > RANK_FIELD_MAX) {
    throw new InvalidArgumentError(`${what} must be a Date or integer ms since the epoch, got ${String(t)}`);
  }
  return ms;
}

function checkItem(raw: ProduceItem, i: number, nowMs: number): NewItem {
  if (typeof raw !== 'object' || raw === null) throw new InvalidArgumentError(`item ${i} must be an object`);
  const { sourceId, payload, enqueueAt } = raw;
  if (sourceId !== undefined && (typeof sourceId !== 'string' || sourceId.length === 0)) throw new InvalidArgumentError(`item ${i}: sourceId must be a non-empty string`);
  let bytes: Buffer;
  if (payload === undefined) bytes = Buffer.alloc(0);
  else if (typeof payload === 'string') bytes = Buffer.from(payload, 'utf8');
  else if (payload instanceof Uint8Array) bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  else throw new InvalidArgumentError(`item ${i}: payload must be a string or bytes`);
  // A time in the past means now: an item never jumps ahead of the ones already waiting.
  const dueMs = enqueueAt === undefined ? nowMs : Math.max(nowMs, checkTime(enqueueAt, `item ${i}: enqueueAt`));
  return { sourceId: sourceId ?? null, payload: bytes, dueMs };
}

interface CheckedOptions {
  name: string;
  storage: string | StorageDir[];
  partitions: number;
  maxAttempts: number;
  syncWrites: boolean;
  clock: Clock;
  engine: QueueOptions['engine'];
}

function checkOptions(options: QueueOptions): CheckedOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('openQueue takes { name, storage, ... }');
  const { name, storage, partitions = 1, maxAttempts, syncWrites = true, clock = systemClock, engine } = options;
  if (typeof name !== 'string' || !NAME.test(name)) throw new InvalidArgumentError(`queue name must be 1-200 of [A-Za-z0-9_.-], got ${JSON.stringify(name)}`);
  if (typeof storage === 'string') {
    if (storage.length === 0) throw new InvalidArgumentError('storage directory must not be empty');
  } else if (!Array.isArray(storage) || storage.length === 0) {
    throw new InvalidArgumentError('storage must be a directory or a non-empty array of { dir, affinity }');
  } else {
    for (const s of storage) {
      if (typeof s !== 'object' || s === null || typeof s.dir !== 'string' || s.dir.length === 0) throw new InvalidArgumentError('each storage entry needs a dir');
      if (typeof s.affinity !== 'number' || !Number.isFinite(s.affinity) || s.affinity <= 0) throw new InvalidArgumentError(`storage ${s.dir}: affinity must be a positive number, got ${String(s.affinity)}`);
    }
  }
  if (!Number.isSafeInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) throw new InvalidArgumentError(`partitions must be an integer in [1, ${MAX_PARTITIONS}], got ${String(partitions)}`);
  if (maxAttempts !== undefined && (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1)) throw new InvalidArgumentError(`maxAttempts must be a positive integer, got ${String(maxAttempts)}`);
  if (typeof syncWrites !== 'boolean') throw new InvalidArgumentError('syncWrites must be a boolean');
  if (typeof clock !== 'object' || clock === null || typeof clock.nowMs !== 'function') throw new InvalidArgumentError('clock must have nowMs()');
  return { name, storage, partitions, maxAttempts: maxAttempts ?? Infinity, syncWrites, clock, engine };
}
