// Shared helpers for the value-log tests: arbitrary and seeded entries, a comparable form of an
// entry, opening a ValueLog on FaultFS with a file-id counter, and catching an expected error.

import fc from 'fast-check';
import { META_DELETE, META_DISCARD_EARLIER_VERSIONS, META_VALUE_POINTER, Rng, type ValuePointer } from '../../src/base/index.js';
import { FaultFS, type FileSystem } from '../../src/fs/index.js';
import { ValueLog, type ValueLogOptions, type VlogEntry } from '../../src/vlog/index.js';

export const DIR = '/db';

export function vlogPath(id: number): string {
  return `${DIR}/${String(id).padStart(6, '0')}.vlog`;
}

export const entryArb: fc.Arbitrary<VlogEntry> = fc
  .record({
    key: fc.uint8Array({ minLength: 1, maxLength: 40 }),
    version: fc.oneof(fc.nat({ max: 1000 }), fc.maxSafeNat()),
    meta: fc.constantFrom(0, META_DELETE, META_VALUE_POINTER, META_DISCARD_EARLIER_VERSIONS, META_DISCARD_EARLIER_VERSIONS | META_VALUE_POINTER),
    userMeta: fc.nat({ max: 255 }),
    expiresAt: fc.oneof(fc.constant(0), fc.maxSafeNat()),
    value: fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ minLength: 120, maxLength: 400 })),
  })
  .map((r) => ({ ...r }));

export function randomEntry(rng: Rng, valueBytesMax = 200): VlogEntry {
  return {
    key: rng.bytes(1 + rng.int(24)),
    version: 1 + rng.int(1_000_000),
    meta: rng.bool(0.1) ? META_DISCARD_EARLIER_VERSIONS : 0,
    userMeta: rng.int(256),
    expiresAt: rng.bool(0.2) ? 1_700_000_000_000 + rng.int(1_000_000) : 0,
    value: rng.bytes(rng.int(valueBytesMax + 1)),
  };
}

export function randomGroup(rng: Rng, n: number, valueBytesMax = 200): VlogEntry[] {
  const out: VlogEntry[] = [];
  for (let i = 0; i < n; i++) out.push(randomEntry(rng, valueBytesMax));
  return out;
}

export type PlainEntry = { key: string; version: number; meta: number; userMeta: number; expiresAt: number; value: string };

/** An entry as plain data, so that equality ignores which buffer a view points into. */
export function plain(e: VlogEntry): PlainEntry {
  return {
    key: Buffer.from(e.key).toString('hex'),
    version: e.version,
    meta: e.meta,
    userMeta: e.userMeta,
    expiresAt: e.expiresAt,
    value: Buffer.from(e.value).toString('hex'),
  };
}

export function plainPointer(p: ValuePointer): [number, number, number] {
  return [p.fileId, p.offset, p.length];
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Allocates file ids as the db does: one counter, starting above every id in the directory. */
export class Ids {
  next: number;
  constructor(start = 1) {
    this.next = start;
  }
  readonly newFileId = (): number => this.next++;
}

export function options(ids: Ids, over: Partial<ValueLogOptions> = {}): ValueLogOptions {
  return { fileSizeBytes: 1 << 20, readOnly: false, verifyChecksums: true, newFileId: ids.newFileId, ...over };
}

/** A FaultFS with the db directory made durable. */
export function newFaultFS(): FaultFS {
  const fs = new FaultFS({ durableMkdir: true });
  fs.mkdir(DIR);
  return fs;
}

export function openLog(fs: FileSystem, ids: Ids, over: Partial<ValueLogOptions> = {}): Promise<ValueLog> {
  return ValueLog.open(fs, DIR, options(ids, over));
}

/** Ids of the .vlog files in DIR, ascending. */
export function vlogIdsIn(fs: FileSystem): number[] {
  return fs
    .list(DIR)
    .filter((n) => n.endsWith('.vlog'))
    .map((n) => Number(n.slice(0, -5)))
    .sort((a, b) => a - b);
}

/** The error `fn` throws (fails the test when it returns). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error, but the call returned');
}

export async function rejected(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Flips bit `bit` of byte `offset` of the file at `path`, durably (FaultFS). */
export function flipBit(fs: FaultFS, path: string, offset: number, bit: number): void {
  const bytes = fs.readFileDirect(path);
  bytes[offset]! ^= 1 << bit;
  fs.writeFileDirect(path, bytes);
}
