// An item's place in its state's line: when it is due (ms since the epoch) and a position drawn
// from a per-partition sequence that breaks ties (items due in the same millisecond, a retried
// item behind everything already waiting).
//
//   +----------------+----------------+
//   | due u48 BE     | position u48 BE|   12 bytes, compared bytewise = (due, position)
//   +----------------+----------------+
//
// One BLOB column rather than two INT columns because the partition's cursors (partition.ts)
// need a single-column lower bound: `rank >= cursor` is a range the table planner reads as one
// index range; `(due, pos) >= (d, p)` over two columns it cannot express, and a bound on `due`
// alone would skip the tombstones of every item leased in that millisecond on every lease.

import { InvalidArgumentError } from 'sett';

export const RANK_BYTES = 12;
/** Largest due time and position a rank holds (2^48 - 1 ms is the year 10889). */
export const RANK_FIELD_MAX = 2 ** 48 - 1;

export function encodeRank(dueMs: number, position: number): Buffer {
  if (!Number.isSafeInteger(dueMs) || dueMs < 0 || dueMs > RANK_FIELD_MAX) throw new InvalidArgumentError(`due time must be an integer of ms in [0, 2^48), got ${String(dueMs)}`);
  if (!Number.isSafeInteger(position) || position < 0 || position > RANK_FIELD_MAX) throw new InvalidArgumentError(`position out of range: ${String(position)}`);
  const out = Buffer.allocUnsafe(RANK_BYTES);
  out.writeUIntBE(dueMs, 0, 6);
  out.writeUIntBE(position, 6, 6);
  return out;
}

/** The last rank due at `dueMs`: every item due then or earlier ranks at or below it. */
export function rankCeiling(dueMs: number): Buffer {
  return encodeRank(dueMs, RANK_FIELD_MAX);
}

export function rankDue(rank: Uint8Array): number {
  return Buffer.from(rank.buffer, rank.byteOffset, rank.byteLength).readUIntBE(0, 6);
}
