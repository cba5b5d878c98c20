import { describe, expect, it } from 'vitest';
import { MAX_VERSION, Rng, encodeInternalKey, encodeValueStruct, isSettError, userKeyOf, versionOf } from '../../src/base/index.js';
import { FaultFS } from '../../src/fs/index.js';
import {
  BLOCK_TRAILER_BYTES,
  BlockCache,
  HEADER_BYTES,
  Table,
  TableBuilder,
  ensureCompressionReady,
  type Block,
  type CompressionName,
} from '../../src/sstable/index.js';
import { hex, lowerBound, modelGet, randomEntries, type ModelEntry } from './table-model.js';

const PATH = '/db/000042.sst';

async function tableBytes(entries: readonly ModelEntry[], compression: CompressionName, blockSize = 128): Promise<Uint8Array> {
  if (compression === 'zstd') await ensureCompressionReady();
  const builder = new TableBuilder({ blockSize, bloomFalsePositive: 0.01, compression, zstdLevel: 3 });
  for (const e of entries) builder.add(e.key, e.value);
  return builder.finish().slice();
}

function withFile(bytes: Uint8Array): FaultFS {
  const fsys = new FaultFS();
  fsys.writeFileDirect(PATH, bytes);
  return fsys;
}

/**
 * Opens the (possibly damaged) table and reads everything through get, forward and backward
 * scans and seeks. Every answer that comes back must match the model; the only error allowed is
 * CORRUPTION (or NOT_A_DATABASE when `allowNotADatabase`). Returns whether an error was seen.
 */
function readsRightOrCorrupt(fsys: FaultFS, entries: readonly ModelEntry[], rng: Rng, what: string, allowNotADatabase = false): boolean {
  const allowed = (err: unknown): boolean => isSettError(err, 'CORRUPTION') || (allowNotADatabase && isSettError(err, 'NOT_A_DATABASE'));
  let table: Table;
  try {
    table = Table.open(fsys, PATH, 42, { cache: new BlockCache<Block>(1 << 20) });
  } catch (err) {
    if (!allowed(err)) throw new Error(`${what}: open threw ${String(err)}`);
    return true;
  }
  let sawError = false;
  const attempt = (f: () => void): void => {
    try {
      f();
    } catch (err) {
      if (!allowed(err)) throw new Error(`${what}: ${String(err)}`);
      sawError = true;
    }
  };
  for (const e of entries) {
    attempt(() => {
      const userKey = userKeyOf(e.key);
      const readVersion = rng.bool(0.5) ? MAX_VERSION : 1 + rng.int(60);
      const got = table.get(userKey, readVersion);
      const want = modelGet(entries, userKey, readVersion);
      if (hex(got?.key ?? new Uint8Array(0)) !== hex(want?.key ?? new Uint8Array(0)) || hex(got?.value ?? new Uint8Array(0)) !== hex(want?.value ?? new Uint8Array(0))) {
        throw new Error(`${what}: WRONG BYTES from get(${hex(userKey)}, ${readVersion})`);
      }
    });
  }
  const it = table.iterator();
  attempt(() => {
    let i = 0;
    for (it.seekToFirst(); it.valid(); it.next(), i++) expectEntry(it.key(), it.value(), entries[i], what);
    if (i !== entries.length) throw new Error(`${what}: WRONG forward scan length ${i}`);
  });
  attempt(() => {
    let i = entries.length - 1;
    for (it.seekToLast(); it.valid(); it.prev(), i--) expectEntry(it.key(), it.value(), entries[i], what);
    if (i !== -1) throw new Error(`${what}: WRONG backward scan length`);
  });
  for (let s = 0; s < 20; s++) {
    attempt(() => {
      const target = entries[rng.int(entries.length)]!.key;
      it.seek(target);
      expectEntry(it.key(), it.value(), entries[lowerBound(entries, target)], what);
    });
  }
  it.close();
  table.unref();
  return sawError;
}

function expectEntry(key: Uint8Array, value: Uint8Array, want: ModelEntry | undefined, what: string): void {
  if (want === undefined || hex(key) !== hex(want.key) || hex(value) !== hex(want.value)) {
    throw new Error(`${what}: WRONG BYTES from iterator at ${hex(key)}`);
  }
}

describe('table corruption', () => {
  for (const compression of ['none', 'snappy', 'zstd'] as const) {
    it(`a flipped bit anywhere in the file gives the right data or CORRUPTION, never wrong bytes (${compression})`, async () => {
      const seed = 9000 + compression.length;
      const rng = new Rng(seed);
      const entries = randomEntries(rng, 120);
      const good = await tableBytes(entries, compression);
      let detected = 0;
      // Every byte of the file, one random bit each: header, blocks, trailers, meta blocks, footer.
      for (let at = 0; at < good.length; at++) {
        const bad = good.slice();
        bad[at] = bad[at]! ^ (1 << rng.int(8));
        if (readsRightOrCorrupt(withFile(bad), entries, rng, `seed ${seed}, bit flip at byte ${at}`)) detected++;
      }
      // CRC-32 catches every single-bit error, and every byte is covered by a checksum or a magic.
      expect(detected).toBe(good.length);
    });
  }

  it('random multi-byte damage gives the right data or CORRUPTION, never wrong bytes', async () => {
    const seed = 31337;
    const rng = new Rng(seed);
    const entries = randomEntries(rng, 200);
    const good = await tableBytes(entries, 'snappy', 256);
    for (let trial = 0; trial < 300; trial++) {
      const bad = good.slice();
      const flips = 1 + rng.int(8);
      for (let f = 0; f < flips; f++) bad[rng.int(bad.length)] = rng.int(256);
      readsRightOrCorrupt(withFile(bad), entries, rng, `seed ${seed}, trial ${trial}`, true);
    }
  });

  it('a truncated table is CORRUPTION at open, at every length', async () => {
    const rng = new Rng(4);
    const entries = randomEntries(rng, 60);
    const good = await tableBytes(entries, 'snappy');
    for (let length = 0; length < good.length; length++) {
      const err = catchError(() => Table.open(withFile(good.subarray(0, length)), PATH, 1));
      if (!isSettError(err, 'CORRUPTION')) throw new Error(`truncated to ${length} bytes: ${String(err)}`);
      expect((err as Error).message).toContain('000042.sst');
    }
  });

  it('names the file, the block offset and the expected and found checksums', async () => {
    const rng = new Rng(8);
    const entries = randomEntries(rng, 300);
    const good = await tableBytes(entries, 'none');
    // The second data block starts right after the first block's trailer.
    const table = Table.open(withFile(good), PATH, 1);
    const secondBlock = findSecondBlock(table);
    table.unref();
    const bad = good.slice();
    bad[secondBlock.offset + 3] = bad[secondBlock.offset + 3]! ^ 0x10;
    const damaged = Table.open(withFile(bad), PATH, 1);
    const err = catchError(() => damaged.get(userKeyOf(secondBlock.firstKey), versionOf(secondBlock.firstKey)));
    expect(isSettError(err, 'CORRUPTION')).toBe(true);
    const e = err as Error & { file: string; offset: number };
    expect(e.file).toBe('000042.sst');
    expect(e.offset).toBe(secondBlock.offset);
    expect(e.message).toMatch(/000042\.sst at offset \d+: block checksum mismatch: expected 0x[0-9a-f]{8}, found 0x[0-9a-f]{8}/);
    damaged.unref();
  });

  it('a block that fails to decompress is CORRUPTION naming file and offset, even without checksum verification', async () => {
    const entries: ModelEntry[] = [];
    for (let i = 0; i < 100; i++) {
      entries.push({ key: encodeInternalKey(Uint8Array.of(0x6b, i), 1), value: encodeValueStruct({ meta: 0, userMeta: 0, expiresAt: 0, value: new Uint8Array(50).fill(7) }) });
    }
    const good = await tableBytes(entries, 'snappy', 1024);
    const bad = good.slice();
    // Snappy's stream opens with the uncompressed length as a varint: claim 2^28 - 1 bytes.
    bad.set([0xff, 0xff, 0xff, 0x7f], HEADER_BYTES);
    const table = Table.open(withFile(bad), PATH, 1, { verifyChecksums: false });
    const err = catchError(() => table.get(userKeyOf(entries[0]!.key), MAX_VERSION));
    expect(isSettError(err, 'CORRUPTION')).toBe(true);
    expect((err as Error & { offset: number }).offset).toBe(HEADER_BYTES);
    expect((err as Error).message).toContain('000042.sst');
    table.unref();
  });

  it('a missing table file is CORRUPTION; so is a file that is not a table at all, said so in the message', () => {
    const fsys = new FaultFS();
    fsys.mkdir('/db');
    expect(isSettError(catchError(() => Table.open(fsys, PATH, 1)), 'CORRUPTION')).toBe(true);
    const text = new TextEncoder().encode('this is a text file and not an sstable at all, although it is long enough to have a footer');
    const err = catchError(() => Table.open(withFile(text), PATH, 1));
    expect(isSettError(err, 'CORRUPTION')).toBe(true);
    expect(String(err)).toContain('not a sett table');
  });

  it('a newer format version is CORRUPTION at the footer version with a message naming the version', async () => {
    const entries = randomEntries(new Rng(1), 10);
    const good = await tableBytes(entries, 'none');
    const bad = good.slice();
    // Rewrite the footer's version and its CRC as a future writer would.
    const { crc32Range } = await import('../../src/base/index.js');
    const footer = bad.length - 50;
    bad[footer + 37] = 3; // 2 is an encrypted table (docs/format/encryption.md)
    const crc = crc32Range(bad, footer, footer + 38);
    new DataView(bad.buffer).setUint32(footer + 38, crc);
    const err = catchError(() => Table.open(withFile(bad), PATH, 1));
    expect(isSettError(err, 'CORRUPTION')).toBe(true);
    expect(err).toMatchObject({ offset: footer + 36 });
    expect((err as Error).message).toContain('version 3');
  });
});

/** Offset and first key of data block 1, found by walking the file's first trailer. */
function findSecondBlock(table: Table): { offset: number; firstKey: Uint8Array } {
  const index = table.index;
  expect(index.length).toBeGreaterThan(2);
  const offset = index.offsets[1]!;
  expect(offset).toBe(HEADER_BYTES + index.sizes[0]! + BLOCK_TRAILER_BYTES);
  const it = table.iterator();
  it.seek(index.lastKey(0));
  it.next();
  const firstKey = it.key().slice();
  it.close();
  return { offset, firstKey };
}

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
