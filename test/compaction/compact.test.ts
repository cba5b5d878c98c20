import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  META_DELETE,
  META_DISCARD_EARLIER_VERSIONS,
  META_VALUE_POINTER,
  ValuePointer,
  compareInternalKeys,
  compareUserKeys,
  decodeValueStruct,
  encodeInternalKey,
  encodeValueStruct,
  isSettError,
  userKeyOf,
  versionOf,
} from '../../src/base/index.js';
import { InlineExecutor, WORKER_IDLE_MS, WorkerExecutor, runCompact, type CompactJob, type CompactResult } from '../../src/compaction/index.js';
import { FaultFS, nodeFS, type FileSystem } from '../../src/fs/index.js';
import { Table, TableBuilder, writeTable, type TableBuilderOptions } from '../../src/sstable/index.js';

const NOW_MS = 1000;
const TABLE: TableBuilderOptions = { blockSize: 256, bloomFalsePositive: 0.01, compression: 'none', zstdLevel: 1 };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface E {
  key: string;
  version: number;
  meta: number;
  userMeta: number;
  expiresAt: number;
  value: Uint8Array;
}

function put(key: string, version: number, extra: Partial<E> = {}): E {
  return { key, version, meta: 0, userMeta: 0, expiresAt: 0, value: encoder.encode(`${key}@${version}`), ...extra };
}

function del(key: string, version: number): E {
  return { key, version, meta: META_DELETE, userMeta: 0, expiresAt: 0, value: new Uint8Array(0) };
}

function ptr(key: string, version: number, fileId: number, length: number, extra: Partial<E> = {}): E {
  return { key, version, meta: META_VALUE_POINTER, userMeta: 0, expiresAt: 0, value: new ValuePointer(fileId, 0, length).encode(), ...extra };
}

function compareE(a: E, b: E): number {
  return compareInternalKeys(encodeInternalKey(encoder.encode(a.key), a.version), encodeInternalKey(encoder.encode(b.key), b.version));
}

function show(e: E): string {
  const kind = e.meta & META_DELETE ? 'del' : e.meta & META_VALUE_POINTER ? 'ptr' : 'put';
  return `${e.key}@${e.version}:${kind}:${e.userMeta}:${e.expiresAt}:${Buffer.from(e.value).toString('hex')}`;
}

async function writeInput(fs: FileSystem, file: string, entries: E[], options = TABLE): Promise<void> {
  const builder = new TableBuilder(options);
  for (const e of entries.slice().sort(compareE)) {
    builder.add(encodeInternalKey(encoder.encode(e.key), e.version), encodeValueStruct(e));
  }
  await writeTable(fs, file, builder);
}

function readTable(fs: FileSystem, file: string, fileId: number): E[] {
  const table = Table.open(fs, file, fileId);
  const it = table.iterator();
  const out: E[] = [];
  for (it.seekToFirst(); it.valid(); it.next()) {
    const vs = decodeValueStruct(it.value());
    out.push({ key: decoder.decode(userKeyOf(it.key())), version: versionOf(it.key()), ...vs, value: vs.value.slice() });
  }
  it.close();
  table.unref();
  return out;
}

type JobOptions = Partial<Omit<CompactJob, 'inputs' | 'outputs' | 'kind'>> & { outputNames?: number };

function makeJob(inputCount: number, o: JobOptions = {}): CompactJob {
  const { outputNames = 64, ...rest } = o;
  return {
    kind: 'compact',
    inputs: Array.from({ length: inputCount }, (_, i) => ({ path: `/in-${i}.sst`, fileId: i + 1 })),
    outputs: Array.from({ length: outputNames }, (_, i) => ({ path: `/out-${i}.sst`, fileId: 100 + i })),
    table: TABLE,
    targetTableBytes: 1 << 30,
    discardVersion: 0,
    numVersionsToKeep: 1,
    nowMs: NOW_MS,
    bottommost: true,
    deeperRanges: [],
    grandparents: [],
    maxGrandparentOverlapBytes: Number.MAX_SAFE_INTEGER,
    dropPrefixes: [],
    ...rest,
  };
}

/** Writes `inputs` (newest source first), compacts them, and reads every output back. */
async function compact(
  inputs: E[][],
  o: JobOptions = {},
  inputTable = TABLE,
): Promise<{ fs: FaultFS; job: CompactJob; result: CompactResult; tables: E[][] }> {
  const fs = new FaultFS();
  const job = makeJob(inputs.length, o);
  for (let i = 0; i < inputs.length; i++) await writeInput(fs, job.inputs[i]!.path, inputs[i]!, inputTable);
  const result = await runCompact(fs, job);
  const tables = result.outputs.map((out) => readTable(fs, out.path, out.fileId));
  return { fs, job, result, tables };
}

async function kept(inputs: E[][], o: JobOptions = {}): Promise<string[]> {
  const { tables } = await compact(inputs, o);
  return tables.flat().map((e) => `${e.key}@${e.version}`);
}

const k = (s: string): Uint8Array => encoder.encode(s);

describe('runCompact version dropping', () => {
  it('keeps every version above discardVersion, and numVersionsToKeep at or below it', async () => {
    const input = [put('a', 10), del('a', 9), put('a', 8), put('a', 5), put('a', 4), put('a', 3), put('b', 2), put('b', 1)];
    expect(await kept([input], { discardVersion: 5 })).toEqual(['a@10', 'a@9', 'a@8', 'a@5', 'b@2']);
    expect(await kept([input], { discardVersion: 5, numVersionsToKeep: 2 })).toEqual(['a@10', 'a@9', 'a@8', 'a@5', 'a@4', 'b@2', 'b@1']);
    expect(await kept([input], { discardVersion: 0, numVersionsToKeep: 1 })).toHaveLength(input.length);
  });

  it('drops a tombstone that every reader sees, with all older versions, when nothing below holds the key', async () => {
    const input = [put('a', 7), del('a', 5), put('a', 4), del('b', 3), put('b', 2), put('c', 1)];
    expect(await kept([input], { discardVersion: 6, numVersionsToKeep: 3 })).toEqual(['a@7', 'c@1']);
    expect(await kept([input], { discardVersion: 4, numVersionsToKeep: 3 })).toEqual(['a@7', 'a@5', 'a@4', 'c@1']);
  });

  it('keeps that tombstone (and drops what is older) when a deeper level may hold the key', async () => {
    const input = [del('a', 5), put('a', 4), del('b', 3), put('b', 2)];
    const notBottom = { discardVersion: 10, numVersionsToKeep: 3, bottommost: false };
    expect(await kept([input], { ...notBottom, deeperRanges: [[k('a'), k('a')]] })).toEqual(['a@5']);
    expect(await kept([input], { ...notBottom, deeperRanges: [[k('0'), k('z')]] })).toEqual(['a@5', 'b@3']);
    expect(await kept([input], { ...notBottom, deeperRanges: [[k('aa'), k('az')]] })).toEqual([]);
    // bottommost wins over any ranges given
    expect(await kept([input], { ...notBottom, bottommost: true, deeperRanges: [[k('a'), k('b')]] })).toEqual([]);
  });

  it('treats expired entries as tombstones at or below discardVersion, and keeps them above it', async () => {
    const input = [
      put('a', 9, { expiresAt: 500 }),
      put('a', 4, { expiresAt: NOW_MS }), // expiry is inclusive: expired at exactly nowMs
      put('a', 3),
      put('b', 4, { expiresAt: NOW_MS + 1 }),
      put('b', 3),
    ];
    expect(await kept([input], { discardVersion: 5, numVersionsToKeep: 5 })).toEqual(['a@9', 'b@4', 'b@3']);
  });

  it('stops at a discard-earlier-versions entry at or below discardVersion, not above it', async () => {
    const dev = { meta: META_DISCARD_EARLIER_VERSIONS };
    const input = [put('a', 8, dev), put('a', 7), put('a', 5, dev), put('a', 4), put('a', 3)];
    expect(await kept([input], { discardVersion: 6, numVersionsToKeep: 5 })).toEqual(['a@8', 'a@7', 'a@5']);
  });

  it('counts a kept tombstone as a kept version and drops everything older', async () => {
    const input = [put('a', 6), del('a', 5), put('a', 4)];
    const o = { discardVersion: 10, numVersionsToKeep: 5, bottommost: false, deeperRanges: [[k('a'), k('a')]] as [Uint8Array, Uint8Array][] };
    expect(await kept([input], o)).toEqual(['a@6', 'a@5']);
    // with nothing below, a tombstone shadowed by a newer version goes, and what it hid with it
    expect(await kept([input], { ...o, bottommost: true })).toEqual(['a@6']);
  });

  it('drops every version of keys under a dropped prefix, and counts their value-log bytes', async () => {
    const input = [ptr('ab', 50, 3, 100), ptr('ab', 4, 3, 10), put('b', 1), ptr('ac', 2, 4, 7)];
    const { tables, result } = await compact([input], { discardVersion: 5, dropPrefixes: [k('a')] });
    expect(tables.flat().map((e) => e.key)).toEqual(['b']);
    expect(result.discardBytes).toEqual([[3, 110], [4, 7]]);
  });

  it('sums dropped value pointers per value-log file, and only dropped ones', async () => {
    const input = [ptr('a', 9, 1, 100), ptr('a', 8, 2, 20), ptr('a', 7, 1, 3), del('b', 6), ptr('b', 5, 2, 1000), ptr('c', 1, 7, 5)];
    const { result } = await compact([input], { discardVersion: 9 });
    expect(result.discardBytes).toEqual([[1, 3], [2, 1020]]);
    expect(result.entriesIn).toBe(6);
    expect(result.entriesOut).toBe(2);
  });

  it('keeps the newer source of an internal key present in two inputs, counted once', async () => {
    const newer = [put('a', 5, { userMeta: 1 }), ptr('b', 3, 1, 40, { userMeta: 1 })];
    const older = [put('a', 5, { userMeta: 2 }), ptr('b', 3, 1, 40, { userMeta: 2 }), put('b', 2)];
    const { tables, result } = await compact([newer, older], { discardVersion: 10 });
    expect(tables.flat().map((e) => `${e.key}@${e.version}/${e.userMeta}`)).toEqual(['a@5/1', 'b@3/1']);
    expect(result.entriesIn).toBe(5);
    expect(result.entriesOut).toBe(2);
    expect(result.discardBytes).toEqual([]);
  });

  it('writes nothing when everything is dropped', async () => {
    const { result, fs } = await compact([[del('a', 2), put('a', 1)]], { discardVersion: 5 });
    expect(result.outputs).toEqual([]);
    expect(result.bytesWritten).toBe(0);
    expect(fs.exists('/out-0.sst')).toBe(false);
    expect(fs.exists('/in-0.sst')).toBe(true);
  });
});

describe('runCompact output tables', () => {
  it('cuts outputs near targetTableBytes, only between user keys', async () => {
    const input: E[] = [];
    for (let i = 0; i < 800; i++) {
      const key = `key${String(i).padStart(5, '0')}`;
      for (let v = 3; v >= 1; v--) input.push(put(key, v, { value: new Uint8Array(60).fill(i & 0xff) }));
    }
    const target = 16 << 10;
    const { tables, result } = await compact([input], { targetTableBytes: target, numVersionsToKeep: 3, discardVersion: 0 });
    expect(result.outputs.length).toBeGreaterThanOrEqual(5);
    expect(tables.flat()).toHaveLength(input.length);
    for (let i = 0; i < tables.length; i++) {
      expect(tables[i]![0]!.version).toBe(3); // each table starts with the newest version of a key
      expect(tables[i]!.at(-1)!.version).toBe(1); // and ends with its oldest
      expect(result.outputs[i]!.properties.fileBytes).toBeLessThan(target + 2 * TABLE.blockSize + 400);
      if (i + 1 < tables.length) expect(result.outputs[i]!.properties.fileBytes).toBeGreaterThan(target / 2);
    }
    expect(result.bytesWritten).toBe(result.outputs.reduce((s, o) => s + o.properties.fileBytes, 0));
    expect(result.outputs.map((o) => o.fileId)).toEqual(result.outputs.map((_, i) => 100 + i));
  });

  it('cuts an output before it overlaps more than maxGrandparentOverlapBytes of the next level (LevelDB)', async () => {
    const input = 'abcdefghij'.split('').map((c) => put(c, 1));
    const grandparents = [
      { smallest: k('b'), largest: k('c'), size: 100 },
      { smallest: k('e'), largest: k('f'), size: 100 },
      { smallest: k('h'), largest: k('i'), size: 100 },
    ];
    const { tables } = await compact([input], { grandparents, maxGrandparentOverlapBytes: 150 });
    expect(tables.map((t) => t.map((e) => e.key).join(''))).toEqual(['abcdef', 'ghij']);
    const { tables: loose } = await compact([input], { grandparents, maxGrandparentOverlapBytes: 1000 });
    expect(loose).toHaveLength(1);
  });

  it('fails with INTERNAL when it needs more output names than it was given, and removes what it wrote', async () => {
    const fs = new FaultFS();
    const job = makeJob(1, { targetTableBytes: 1, outputNames: 2 });
    await writeInput(fs, job.inputs[0]!.path, [put('a', 1), put('b', 1), put('c', 1)]);
    const err = await runCompact(fs, job).then(() => undefined, (e: unknown) => e);
    expect(isSettError(err, 'INTERNAL')).toBe(true);
    expect(fs.list('/').sort()).toEqual(['in-0.sst']);
  });

  it('reports an I/O error while writing an output as IO_ERROR and leaves no output behind', async () => {
    const fs = new FaultFS();
    const job = makeJob(1, { targetTableBytes: 1 });
    await writeInput(fs, job.inputs[0]!.path, [put('a', 1), put('b', 1), put('c', 1)]);
    fs.injectFault({ op: 'sync', nth: 2, errno: 'ENOSPC' });
    const err = await runCompact(fs, job).then(() => undefined, (e: unknown) => e);
    expect(isSettError(err, 'IO_ERROR')).toBe(true);
    expect(fs.list('/').sort()).toEqual(['in-0.sst']);
  });

  it('reports a damaged input as CORRUPTION naming the file', async () => {
    const fs = new FaultFS();
    const job = makeJob(1);
    await writeInput(fs, job.inputs[0]!.path, [put('a', 1), put('b', 1)]);
    const h = fs.open(job.inputs[0]!.path, 'r+');
    const byte = new Uint8Array(1);
    h.read(byte, 0, 1, 20);
    h.write(Uint8Array.of(byte[0]! ^ 0xff), 20);
    h.close();
    const err = await runCompact(fs, job).then(() => undefined, (e: unknown) => e);
    expect(isSettError(err, 'CORRUPTION')).toBe(true);
    expect((err as Error).message).toContain('in-0.sst');
    expect(fs.list('/').sort()).toEqual(['in-0.sst']);
  });

  for (const compression of ['snappy', 'zstd'] as const) {
    it(`writes ${compression} outputs that read back (from inputs in another compression)`, async () => {
      const input = Array.from({ length: 300 }, (_, i) => put(`k${String(i).padStart(4, '0')}`, 1, { value: new Uint8Array(50).fill(7) }));
      const { tables, result } = await compact([input], { table: { ...TABLE, compression } });
      expect(result.outputs[0]!.properties.compression).toBe(compression);
      expect(tables.flat().map(show)).toEqual(input.map(show));
      const back = await compact([input], {}, { ...TABLE, compression: 'snappy' });
      expect(back.result.outputs[0]!.properties.compression).toBe('none');
      expect(back.tables.flat().map(show)).toEqual(input.map(show));
    });
  }

  it('runs as a background job through the executor', async () => {
    const fs = new FaultFS();
    const job = makeJob(2, { discardVersion: 10 });
    await writeInput(fs, job.inputs[0]!.path, [put('a', 2)]);
    await writeInput(fs, job.inputs[1]!.path, [put('a', 1), put('b', 1)]);
    const result = await new InlineExecutor(fs).run(job);
    expect(result.outputs.map((o) => o.path)).toEqual(['/out-0.sst']);
    expect(readTable(fs, '/out-0.sst', 100).map(show)).toEqual([put('a', 2), put('b', 1)].map(show));
  });

  it('runs on a worker thread: the job and its result cross by structured clone', async () => {
    const dir = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'sett-compact-'));
    const executor = new WorkerExecutor(1);
    try {
      const job = makeJob(2, { discardVersion: 10, targetTableBytes: 1, deeperRanges: [[k('a'), k('b')]], bottommost: false });
      job.inputs = job.inputs.map((i) => ({ ...i, path: path.join(dir, i.path) }));
      job.outputs = job.outputs.map((o) => ({ ...o, path: path.join(dir, o.path) }));
      await writeInput(nodeFS, job.inputs[0]!.path, [del('a', 2), ptr('c', 3, 5, 64)]);
      await writeInput(nodeFS, job.inputs[1]!.path, [ptr('a', 1, 4, 32), put('b', 1)]);
      const result = await executor.run(job);
      expect(result.outputs.map((o) => o.fileId)).toEqual([100, 101, 102]);
      expect(result.outputs[2]!.properties.vlogBytes).toEqual(new Map([[5, 64]]));
      expect(result.discardBytes).toEqual([[4, 32]]);
      expect(readTable(nodeFS, result.outputs[0]!.path, 100).map(show)).toEqual([show(del('a', 2))]);
    } finally {
      await executor.close();
      nodeFs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs on a worker over an inMemory database's shared-memory files: the same tables as inline, adopted without a copy", async () => {
    const shared = new FaultFS({ sharedMemory: true });
    const executor = new WorkerExecutor(1, WORKER_IDLE_MS, shared);
    try {
      const job = makeJob(2, { discardVersion: 10, targetTableBytes: 1, deeperRanges: [[k('a'), k('b')]], bottommost: false });
      const plain = new FaultFS();
      for (const fs of [shared, plain]) {
        await writeInput(fs, job.inputs[0]!.path, [del('a', 2), ptr('c', 3, 5, 64), put('d', 4)]);
        await writeInput(fs, job.inputs[1]!.path, [ptr('a', 1, 4, 32), put('b', 1), put('d', 2)]);
      }
      const inputsBefore = job.inputs.map((i) => shared.readFileDirect(i.path));
      const expected = await new InlineExecutor(plain).run(job);
      const result = await executor.run(job);
      expect(result.outputs.map((o) => o.path)).toEqual(expected.outputs.map((o) => o.path));
      expect(result.discardBytes).toEqual(expected.discardBytes);
      for (const out of result.outputs) {
        // Each output is the worker's memory, cut to the table's size, and the same bytes as inline.
        const adopted = shared.shareFile(out.path);
        expect(adopted.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(adopted.buffer.byteLength).toBe(adopted.length);
        expect(Buffer.from(adopted).equals(plain.readFileDirect(out.path))).toBe(true);
      }
      for (const out of result.outputs) expect(readTable(shared, out.path, out.fileId).map(show)).toEqual(readTable(plain, out.path, out.fileId).map(show));
      expect(shared.listAll().filter((p) => p.startsWith('/out-'))).toEqual(result.outputs.map((o) => o.path).sort());
      job.inputs.forEach((i, n) => expect(shared.readFileDirect(i.path)).toEqual(inputsBefore[n]));
    } finally {
      await executor.close();
    }
  });

  it('on a worker over shared memory, a job that fails adopts nothing', async () => {
    const shared = new FaultFS({ sharedMemory: true });
    const executor = new WorkerExecutor(1, WORKER_IDLE_MS, shared);
    try {
      const job = makeJob(2);
      await writeInput(shared, job.inputs[0]!.path, [put('a', 1)]);
      shared.writeFileDirect(job.inputs[1]!.path, new Uint8Array(100)); // not a table
      const err = await executor.run(job).catch((e: unknown) => e);
      expect(isSettError(err, 'CORRUPTION')).toBe(true);
      expect(shared.listAll().filter((p) => p.startsWith('/out-'))).toEqual([]);
      // An input that does not exist fails before the job reaches a worker.
      const missing = makeJob(3);
      const err2 = await executor.run(missing).catch((e: unknown) => e);
      expect((err2 as { code?: string }).code).toBe('ENOENT');
    } finally {
      await executor.close();
    }
  });
});

// ---- model: the dropping rules written plainly, and the visibility they must preserve ---------

interface Deeper {
  entries: E[];
  ranges: [string, string][];
}

function isDead(e: E, nowMs: number): boolean {
  return (e.meta & META_DELETE) !== 0 || (e.expiresAt !== 0 && e.expiresAt <= nowMs);
}

/** What a compaction must keep: per key, newest first, by the rules in src/compaction/compact.ts. */
function model(merged: E[], job: CompactJob, deeper: Deeper): { kept: E[]; discard: Map<number, number> } {
  const kept: E[] = [];
  const discard = new Map<number, number>();
  const drop = (e: E): void => {
    if (e.meta & META_VALUE_POINTER) {
      const vp = ValuePointer.decode(e.value);
      discard.set(vp.fileId, (discard.get(vp.fileId) ?? 0) + vp.length);
    }
  };
  const keys = [...new Set(merged.map((e) => e.key))];
  for (const key of keys) {
    const versions = merged.filter((e) => e.key === key); // newest first
    if (job.dropPrefixes.some((p) => key.startsWith(decoder.decode(p)))) {
      versions.forEach(drop);
      continue;
    }
    const canHide = !job.bottommost && deeper.ranges.some(([lo, hi]) => lo <= key && key <= hi);
    const old = versions.filter((e) => e.version <= job.discardVersion);
    const keepOld: E[] = [];
    for (const e of old) {
      if (isDead(e, job.nowMs)) {
        if (canHide) keepOld.push(e);
        break;
      }
      keepOld.push(e);
      if (e.meta & META_DISCARD_EARLIER_VERSIONS || keepOld.length >= job.numVersionsToKeep) break;
    }
    for (const e of versions) {
      if (e.version > job.discardVersion || keepOld.includes(e)) kept.push(e);
      else drop(e);
    }
  }
  return { kept, discard };
}

/** What a reader at version r sees for `key`: newest version <= r across the sources, hidden when dead. */
function visible(sources: E[], key: string, r: number, nowMs: number): string | undefined {
  let best: E | undefined;
  for (const e of sources) if (e.key === key && e.version <= r && (best === undefined || e.version > best.version)) best = e;
  return best === undefined || isDead(best, nowMs) ? undefined : show(best);
}

const KEYS = ['a0', 'a1', 'a2', 'b0', 'b1', 'b2', 'b3', 'c0', 'c1', 'c10', 'c2', 'd'];

const entryArb = fc.record({
  key: fc.nat({ max: KEYS.length - 1 }),
  version: fc.integer({ min: 1, max: 30 }),
  kind: fc.constantFrom('put', 'put', 'ptr', 'del'),
  discardEarlier: fc.constantFrom(false, false, false, true),
  expiresAt: fc.constantFrom(0, 0, 0, 0, 500, NOW_MS, 2000),
  table: fc.nat({ max: 3 }),
  dup: fc.option(fc.nat({ max: 3 }), { freq: 5 }),
  fileId: fc.integer({ min: 1, max: 3 }),
  length: fc.integer({ min: 1, max: 5000 }),
  bytes: fc.uint8Array({ maxLength: 12 }),
});

const caseArb = fc.record({
  entries: fc.array(entryArb, { minLength: 1, maxLength: 80 }),
  tableCount: fc.integer({ min: 1, max: 4 }),
  discardVersion: fc.integer({ min: 0, max: 32 }),
  numVersionsToKeep: fc.integer({ min: 1, max: 3 }),
  bottommost: fc.boolean(),
  deepKeys: fc.subarray(KEYS),
  extraRanges: fc.array(fc.tuple(fc.nat({ max: KEYS.length - 1 }), fc.nat({ max: 3 })), { maxLength: 2 }),
  dropPrefixes: fc.subarray(['a', 'c1', 'zz']),
  targetTableBytes: fc.constantFrom(1, 200, 600, 1 << 30),
  grandparentCuts: fc.uniqueArray(fc.nat({ max: KEYS.length - 1 }), { maxLength: 8 }),
  grandparentSizes: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 8, maxLength: 8 }),
  maxGrandparentOverlapBytes: fc.constantFrom(0, 50, 150, Number.MAX_SAFE_INTEGER),
});

describe('runCompact against the model', () => {
  it('keeps exactly what the rules say, and every reader at or above discardVersion sees the same', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        // Physical entries: each logical (key, version) in one table, sometimes a differing copy in another.
        const inputs: E[][] = Array.from({ length: c.tableCount }, () => []);
        const seen = new Set<string>();
        for (const r of c.entries) {
          const key = KEYS[r.key]!;
          if (seen.has(`${key}@${r.version}`)) continue;
          seen.add(`${key}@${r.version}`);
          const base: Partial<E> = { expiresAt: r.expiresAt, meta: r.discardEarlier ? META_DISCARD_EARLIER_VERSIONS : 0 };
          const e =
            r.kind === 'del' ? del(key, r.version) : r.kind === 'ptr' ? ptr(key, r.version, r.fileId, r.length, { ...base, meta: META_VALUE_POINTER | base.meta! }) : put(key, r.version, { ...base, value: r.bytes });
          const t = r.table % c.tableCount;
          inputs[t]!.push({ ...e, userMeta: t });
          if (r.dup !== null && r.dup % c.tableCount !== t) {
            const d = r.dup % c.tableCount;
            inputs[d]!.push({ ...e, userMeta: d, value: e.meta & META_VALUE_POINTER ? new ValuePointer(9, 9, 9).encode() : Uint8Array.of(d) });
          }
        }
        const nonEmpty = inputs.filter((t) => t.length > 0);
        // Deeper levels: older versions (0, below every input version) of some keys, and ranges covering them.
        const sortedKeys = KEYS.slice().sort();
        const deeper: Deeper = { entries: [], ranges: [] };
        if (!c.bottommost) {
          for (const key of c.deepKeys) {
            deeper.entries.push(put(key, 0, { userMeta: 77 }));
            deeper.ranges.push([key, key]);
          }
          for (const [start, width] of c.extraRanges) deeper.ranges.push([sortedKeys[start]!, sortedKeys[Math.min(KEYS.length - 1, start + width)]!]);
        }
        const grandparents = c.grandparentCuts
          .slice()
          .sort((a, b) => a - b)
          .map((i, j, all) => ({ lo: i, hi: j + 1 < all.length ? all[j + 1]! - 1 : KEYS.length - 1, size: c.grandparentSizes[j]! }))
          .filter((g) => g.lo <= g.hi)
          .map((g) => ({ smallest: k(sortedKeys[g.lo]!), largest: k(sortedKeys[g.hi]!), size: g.size }));

        const { fs, job, result, tables } = await compact(nonEmpty, {
          discardVersion: c.discardVersion,
          numVersionsToKeep: c.numVersionsToKeep,
          bottommost: c.bottommost,
          deeperRanges: deeper.ranges.map(([lo, hi]) => [k(lo), k(hi)]),
          dropPrefixes: c.dropPrefixes.map(k),
          targetTableBytes: c.targetTableBytes,
          grandparents,
          maxGrandparentOverlapBytes: c.maxGrandparentOverlapBytes,
        });

        // The merge: internal-key order, the newest source's copy of an equal key.
        const merged: E[] = [];
        const all = nonEmpty.flatMap((t, i) => t.map((e) => ({ e, i }))).sort((a, b) => compareE(a.e, b.e) || a.i - b.i);
        for (const { e } of all) if (merged.length === 0 || compareE(merged.at(-1)!, e) !== 0) merged.push(e);

        const expected = model(merged, job, deeper);
        const out = tables.flat();
        expect(out.map(show)).toEqual(expected.kept.map(show));
        expect(result.discardBytes).toEqual([...expected.discard.entries()].sort((a, b) => a[0] - b[0]));
        expect(result.entriesIn).toBe(all.length);
        expect(result.entriesOut).toBe(out.length);
        expect(result.bytesRead).toBe(nonEmpty.reduce((s, _, i) => s + fs.size(job.inputs[i]!.path), 0));

        // Visibility: for every key and every read version >= discardVersion, same answer before and after.
        const before = [...merged, ...deeper.entries];
        const after = [...out, ...deeper.entries];
        const versions = [...new Set([c.discardVersion, ...merged.map((e) => e.version).filter((v) => v >= c.discardVersion), 1e9])];
        for (const key of KEYS) {
          if (c.dropPrefixes.some((p) => key.startsWith(p))) {
            expect(out.some((e) => e.key === key)).toBe(false);
            continue;
          }
          for (const r of versions) expect(visible(after, key, r, NOW_MS), `${key} at ${r}`).toBe(visible(before, key, r, NOW_MS));
        }

        // Outputs: non-empty, sorted, non-overlapping, each user key in exactly one table.
        for (let i = 0; i < tables.length; i++) {
          const t = tables[i]!;
          expect(t.length).toBeGreaterThan(0);
          expect(result.outputs[i]!.properties.count).toBe(t.length);
          for (let j = 1; j < t.length; j++) expect(compareE(t[j - 1]!, t[j]!)).toBeLessThan(0);
          if (i + 1 < tables.length) expect(compareUserKeys(k(t.at(-1)!.key), k(tables[i + 1]![0]!.key))).toBeLessThan(0);
        }
        if (c.targetTableBytes === 1) expect(tables.length).toBe(new Set(out.map((e) => e.key)).size);
        // Grandparent overlap: at most the limit plus the one grandparent holding the output's last key.
        if (c.targetTableBytes === 1 << 30 && c.maxGrandparentOverlapBytes !== Number.MAX_SAFE_INTEGER) {
          const maxSize = Math.max(0, ...grandparents.map((g) => g.size));
          for (const t of tables) {
            const lo = k(t[0]!.key);
            const hi = k(t.at(-1)!.key);
            let overlap = 0;
            for (const g of grandparents) if (compareUserKeys(g.smallest, hi) <= 0 && compareUserKeys(lo, g.largest) <= 0) overlap += g.size;
            expect(overlap).toBeLessThanOrEqual(c.maxGrandparentOverlapBytes + maxSize);
          }
        }
        // Unused output names are never created; the inputs are left alone.
        for (const o of job.outputs.slice(result.outputs.length)) expect(fs.exists(o.path)).toBe(false);
        for (let i = 0; i < nonEmpty.length; i++) expect(fs.exists(job.inputs[i]!.path)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
