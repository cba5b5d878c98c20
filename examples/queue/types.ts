// The queue's public shapes.

import type { Clock, OpenOptions } from 'sett';
import type { StorageDir } from './placement.js';

export interface QueueOptions {
  /** The queue's name: letters, digits, `_`, `.`, `-`; it prefixes the partition directories. */
  name: string;
  /** One directory, or several with affinities (placement.ts). */
  storage: string | StorageDir[];
  /** Partitions (each its own database directory); 1 by default. Fixed once created. */
  partitions?: number;
  /** Deliveries an item gets before it goes to the dead-letter queue; unlimited by default. */
  maxAttempts?: number;
  /**
   * fsync every write before it is acknowledged; true by default. Off, an acknowledged write
   * still survives the process being killed (it is in the OS's page cache), not a power loss.
   */
  syncWrites?: boolean;
  /** Time for schedules and leases; the system clock by default (tests pass a ManualClock). */
  clock?: Clock;
  /** Other engine options for every partition (memTableSize, compression, ...). */
  engine?: Omit<OpenOptions, 'syncWrites' | 'inMemory' | 'readOnly'>;
}

export interface ProduceItem {
  /** The producer's id for the item: producing it again while it is in the queue adds nothing. */
  sourceId?: string;
  payload?: Uint8Array | string;
  /** Not leasable before this time (ms since the epoch, or a Date); now when absent or past. */
  enqueueAt?: number | Date;
}

export interface ProduceResult {
  /** The id of each item given, in order; a duplicate gets the id of the item already queued. */
  ids: string[];
  /** How many of the items were duplicates (of queued items or of earlier items of the call). */
  duplicates: number;
}

export type ItemState = 'ready' | 'scheduled' | 'leased' | 'dead';

export interface Item {
  /** `<partition>:<number>`, e.g. `0:17`. */
  id: string;
  sourceId: string | null;
  payload: Buffer;
  /** Deliveries so far (leases granted). */
  attempts: number;
  /** When it was first produced (ms since the epoch). */
  enqueuedAt: number;
  state: ItemState;
  /** ready, scheduled: when it becomes (or became) leasable. leased: the lease deadline. dead: when it was dead-lettered. */
  dueAt: number;
}

export interface LeaseOptions {
  /** Items wanted, at most; fewer (or none) come back when fewer are ready. */
  count: number;
  /** Lease length: not completed or retried by then, the item is delivered again. */
  leaseMs: number;
}

export interface RetryOptions {
  /** Leasable again at this time (ms or Date); absent, at once, behind every item waiting. */
  at?: number | Date;
}

export interface ListOptions {
  /** The id to start from, included; the queue's first item when absent. */
  pivot?: string;
  /** Items at most; 100 by default. */
  limit?: number;
}

export interface StateCounts {
  ready: number;
  scheduled: number;
  leased: number;
  /** Leases past their deadline, not yet taken back (the next lease call on the partition does that). */
  expired: number;
  dead: number;
  total: number;
}

export interface PartitionStats extends StateCounts {
  partition: number;
  dir: string;
  storage: string;
}

export interface QueueStats extends StateCounts {
  partitions: PartitionStats[];
}
