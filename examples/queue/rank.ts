// An item's place in its state's line: when it is due (ms since the epoch) and a position drawn
// from a per-partition counter (keys.ts, key N) that breaks ties (items due in the same millisecond, a retried
// item behind everything already waiting).
//
//   +------------------------------+------------------------------+
//   | due: 7 groups of 7 bits      | position: 7 groups of 7 bits |   14 bytes, each 0x80 | bits,
//   +------------------------------+------------------------------+   most significant first
//
// Compared bytewise, ranks order as (due, position), so a line key (keys.ts) that starts with
// one orders the line. The 7-bit groups (no 0x00 byte) come from the table-layer version, whose
// tuple codec escaped zero bytes; kept so the record and key layout stay as documented.

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
