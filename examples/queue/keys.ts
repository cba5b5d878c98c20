// A partition's keys and values on the raw engine (format 2; examples/queue/README.md has the
// same layout as a table). Numbers are unsigned big-endian so keys order as their numbers.
//
//   'V'                     -> format version, one byte (2; 1 was a key per item in each line)
//   'N'                     -> counters: next item number u64, next position u64
//   'i' n:u64               -> the item record (below)
//   'r' rank:14             -> n:u64 ...: a run of waiting items, all due at rank's due time,
//                              in position order, the first at rank's position or later, all
//                              before the next run's (the ready line)
//   'l' rank:14             -> n:u64 ...: the items one lease call leased, rank = (deadline,
//                              a position of its own); an item is still in it only while its
//                              record says leased with this same rank (the lease line)
//   'd' n:u64               -> (empty) the dead letters, by item number
//   's' sourceId (UTF-8)    -> n:u64, while the item with that sourceId is stored
//
// Item record: state u8 (0 ready, 1 leased, 2 dead), rank (14 bytes, rank.ts), attempts u32,
// enqueuedAt u64 (ms), sourceId length u32 (0xffffffff: none), sourceId (UTF-8), payload (the rest).
//
// Runs rather than a key per item: one memtable insert per lease call instead of one per item in
// each line (the inserts were most of a lease's cost). A lease run is never edited when its items
// are completed or retried: the record no longer matches, and the run goes when lease takes back
// the expired ones after its deadline.

import { RANK_BYTES, rankCeiling } from './rank.js';

export const FORMAT_VERSION = 2;
export const FORMAT_KEY = Buffer.from('V');
export const COUNTERS_KEY = Buffer.from('N');
export const PREFIX = { item: 0x69, ready: 0x72, leased: 0x6c, dead: 0x64, source: 0x73 } as const;

/** An item as stored: `n` is its number within the partition. */
export interface StoredItem {
  n: number;
  state: string;
  rank: Buffer;
  attempts: number;
  sourceId: string | null;
  enqueuedAt: number;
  payload: Buffer;
}

const STATES = ['ready', 'leased', 'dead'];
const NO_SOURCE = 0xffffffff;
const HEADER = 1 + RANK_BYTES + 4 + 8 + 4;

export function itemKey(n: number): Buffer {
  const k = Buffer.allocUnsafe(9);
  k[0] = PREFIX.item;
  putNumber(k, 1, n);
  return k;
}

export function deadKey(n: number): Buffer {
  const k = Buffer.allocUnsafe(9);
  k[0] = PREFIX.dead;
  putNumber(k, 1, n);
  return k;
}

/** A ready or lease run's key: prefix, then the rank of its first item (ready) or of the lease call. */
export function runKey(prefix: number, rank: Uint8Array): Buffer {
  const k = Buffer.allocUnsafe(1 + RANK_BYTES);
  k[0] = prefix;
  k.set(rank, 1);
  return k;
}

export function runRank(key: Buffer): Buffer {
  return key.subarray(1, 1 + RANK_BYTES);
}

export function encodeNumbers(ns: readonly number[]): Buffer {
  const b = Buffer.allocUnsafe(8 * ns.length);
  for (let i = 0; i < ns.length; i++) putNumber(b, 8 * i, ns[i]!);
  return b;
}

export function decodeNumbers(b: Uint8Array): number[] {
  const ns = new Array<number>(b.length >>> 3);
  for (let i = 0; i < ns.length; i++) ns[i] = numberAt(b, 8 * i);
  return ns;
}

export function lineStart(prefix: number): Buffer {
  return Buffer.of(prefix);
}

/** Above every run key due at or before `nowMs`, below every one due later (an exclusive upper bound). */
export function lineCeiling(prefix: number, nowMs: number): Buffer {
  const k = Buffer.allocUnsafe(2 + RANK_BYTES);
  k[0] = prefix;
  rankCeiling(nowMs).copy(k, 1);
  // Ranks never use the last position; the extra byte keeps the bound above one that did.
  k[1 + RANK_BYTES] = 0xff;
  return k;
}

export function sourceKey(sourceId: string): Buffer {
  const k = Buffer.allocUnsafe(1 + Buffer.byteLength(sourceId, 'utf8'));
  k[0] = PREFIX.source;
  k.write(sourceId, 1, 'utf8');
  return k;
}

export function encodeCounters(n: number, position: number): Buffer {
  const b = Buffer.allocUnsafe(16);
  putNumber(b, 0, n);
  putNumber(b, 8, position);
  return b;
}

export function decodeCounters(b: Uint8Array): { n: number; position: number } {
  return { n: numberAt(b, 0), position: numberAt(b, 8) };
}

export function encodeItem(it: StoredItem): Buffer {
  const sourceBytes = it.sourceId === null ? 0 : Buffer.byteLength(it.sourceId, 'utf8');
  const b = Buffer.allocUnsafe(HEADER + sourceBytes + it.payload.length);
  b[0] = STATES.indexOf(it.state);
  it.rank.copy(b, 1);
  let at = 1 + RANK_BYTES;
  b.writeUInt32BE(it.attempts, at);
  putNumber(b, at + 4, it.enqueuedAt);
  b.writeUInt32BE(it.sourceId === null ? NO_SOURCE : sourceBytes, at + 12);
  at = HEADER;
  if (it.sourceId !== null) at += b.write(it.sourceId, at, 'utf8');
  it.payload.copy(b, at);
  return b;
}

/** Decodes item `n`'s record; `b` must be the caller's own (the payload is a view into it). */
export function decodeItem(n: number, b: Buffer): StoredItem {
  const state = STATES[b[0]!];
  if (state === undefined || b.length < HEADER) throw new Error(`queue item record is corrupt (state byte ${b[0]}, ${b.length} bytes)`);
  let at = 1 + RANK_BYTES;
  const attempts = b.readUInt32BE(at);
  const enqueuedAt = numberAt(b, at + 4);
  const sourceLength = b.readUInt32BE(at + 12);
  at = HEADER;
  let sourceId: string | null = null;
  if (sourceLength !== NO_SOURCE) {
    sourceId = b.toString('utf8', at, at + sourceLength);
    at += sourceLength;
  }
  return { n, state, rank: b.subarray(1, 1 + RANK_BYTES), attempts, sourceId, enqueuedAt, payload: b.subarray(at) };
}

/** A u64 big-endian (at most 2^53 - 1) at `at`. */
export function numberAt(b: Uint8Array, at: number): number {
  return (((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0) * 2 ** 32 + (((b[at + 4]! << 24) | (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!) >>> 0);
}

function putNumber(b: Buffer, at: number, n: number): void {
  b.writeUInt32BE(Math.floor(n / 2 ** 32), at);
  b.writeUInt32BE(n >>> 0, at + 4);
}
