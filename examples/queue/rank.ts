// An item's place in its state's line: when it is due (ms since the epoch) and a position drawn
// from a per-partition sequence that breaks ties (items due in the same millisecond, a retried
// item behind everything already waiting).
//
//   +------------------------------+------------------------------+
//   | due: 7 groups of 7 bits      | position: 7 groups of 7 bits |   14 bytes, each 0x80 | bits,
//   +------------------------------+------------------------------+   most significant first
//
// Compared bytewise, ranks order as (due, position). Every byte has its high bit set, so a rank
// holds no 0x00: the table layer's tuple encoding escapes zero bytes in a BLOB, and decoding an
// escaped BLOB takes a slow path (pieces, Buffer.concat) on every index entry a lease reads.
//
// One BLOB column rather than two INT columns because the partition's cursors (partition.ts)
// need a single-column lower bound: `rank >= cursor` is a range the table planner reads as one
// index range; `(due, pos) >= (d, p)` over two columns it cannot express, and a bound on `due`
// alone would step over the tombstones of every item leased in that millisecond on every lease.

import { InvalidArgumentError } from 'sett';

const GROUPS = 7;
export const RANK_BYTES = 2 * GROUPS;
/** Largest due time and position a rank holds (2^49 - 1 ms is past the year 19800). */
export const RANK_FIELD_MAX = 2 ** (7 * GROUPS) - 1;

export function encodeRank(dueMs: number, position: number): Buffer {
  if (!Number.isSafeInteger(dueMs) || dueMs < 0 || dueMs > RANK_FIELD_MAX) throw new InvalidArgumentError(`due time must be an integer of ms in [0, 2^49), got ${String(dueMs)}`);
  if (!Number.isSafeInteger(position) || position < 0 || position > RANK_FIELD_MAX) throw new InvalidArgumentError(`position out of range: ${String(position)}`);
  const out = Buffer.allocUnsafe(RANK_BYTES);
  putField(out, 0, dueMs);
  putField(out, GROUPS, position);
  return out;
}

/** The last rank due at `dueMs`: every item due then or earlier ranks at or below it. */
export function rankCeiling(dueMs: number): Buffer {
  return encodeRank(dueMs, RANK_FIELD_MAX);
}

export function rankDue(rank: Uint8Array): number {
  let v = 0;
  for (let i = 0; i < GROUPS; i++) v = v * 128 + (rank[i]! & 0x7f);
  return v;
}

function putField(out: Buffer, at: number, value: number): void {
  for (let i = GROUPS - 1; i >= 0; i--) {
    out[at + i] = 0x80 | value % 128;
    value = Math.floor(value / 128);
  }
}
