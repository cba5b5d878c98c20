// Background jobs. Each is a plain-data description (it crosses to a worker thread by structured
// clone) and a function that runs it against a FileSystem. Jobs write new files and report what
// they wrote; the main thread records them in the MANIFEST and installs them.

import { SkipList } from '../memtable/index.js';
import {
  TableBuilder,
  ensureCompressionReady,
  TableWriter,
  type TableBuilderOptions,
  type TableProperties,
  type WarmBlocks,
  warmTransferables,
} from '../sstable/index.js';
import type { FileSystem } from '../fs/index.js';
import { verifyTable } from '../sstable/index.js';
import { verifyVlogFile } from '../vlog/index.js';
import { replayWal } from '../wal/index.js';
import { dataKeySource, type DataKey } from '../crypto/index.js';
import { runCompact, type CompactJob, type CompactResult } from './compact.js';
import { yieldToEventLoop, type JobSlicing } from './slicing.js';

export type { JobSlicing } from './slicing.js';

/** Turns a frozen memtable (its arena, shared with the worker) into one L0 table. */
export interface FlushJob {
  kind: 'flush';
  arena: SharedArrayBuffer;
  path: string;
  table: TableBuilderOptions;
}

export interface FlushResult {
  properties: TableProperties;
  /** The table's blocks kept for the reader's cache, when the job's table options asked (warmBytes). */
  warm?: WarmBlocks;
}

/** Reads every checksum of one file (db.verify); a problem rejects with the SettError found. */
export interface VerifyJob {
  kind: 'verify';
  file: 'table' | 'vlog' | 'wal';
  path: string;
  fileId: number;
  /** The newest file of its kind, whose torn tail is a crash's expected outcome. */
  newest: boolean;
  /**
   * Data keys (plain data; never the master key). Without them an encrypted file is checked by its
   * CRCs only, which cover the stored (encrypted) bytes.
   */
  keys?: DataKey[];
}

export interface VerifyResult {
  /** Blocks of a table, entries of a value-log file, records of a WAL. */
  units: number;
  bytes: number;
  /** Bytes after the valid end (WAL and newest value-log file only). */
  tornBytes: number;
}

export type Job = FlushJob | CompactJob | VerifyJob;
export type JobResult<J extends Job> = J extends FlushJob
  ? FlushResult
  : J extends CompactJob
    ? CompactResult
    : J extends VerifyJob
      ? VerifyResult
      : never;

export async function runJob<J extends Job>(fs: FileSystem, job: J, slicing: JobSlicing = {}): Promise<JobResult<J>> {
  switch (job.kind) {
    case 'flush':
      return (await runFlush(fs, job, slicing)) as JobResult<J>;
    case 'compact':
      return (await runCompact(fs, job, slicing)) as JobResult<J>;
    case 'verify':
      return runVerify(fs, job) as JobResult<J>;
  }
}

export function runVerify(fs: FileSystem, job: VerifyJob): VerifyResult {
  const keys = job.keys === undefined ? undefined : dataKeySource(job.keys);
  switch (job.file) {
    case 'table': {
      const t = verifyTable(fs, job.path, job.fileId, keys);
      return { units: t.blocks, bytes: t.bytes, tornBytes: 0 };
    }
    case 'vlog': {
      const v = verifyVlogFile(fs, job.path, job.fileId, job.newest, keys);
      return { units: v.entries, bytes: v.bytes, tornBytes: v.tornBytes };
    }
    case 'wal': {
      const r = replayWal(fs, job.path, () => true, { keys, checksumsOnly: true });
      return { units: r.batches, bytes: r.validEnd + r.tornBytes, tornBytes: r.tornBytes };
    }
  }
}

export async function runFlush(fs: FileSystem, job: FlushJob, slicing: JobSlicing = {}): Promise<FlushResult> {
  if (job.table.compression === 'zstd') await ensureCompressionReady();
  const list = SkipList.attach(job.arena);
  const writer = new TableWriter(fs, job.path, new TableBuilder(job.table));
  const it = list.iterator();
  const yieldEvery = slicing.yieldEvery ?? Infinity;
  let sinceYield = 0;
  try {
    // The memtable is frozen: stepping its iterator after a yield sees what it saw before.
    for (it.seekToFirst(); it.valid(); it.next()) {
      writer.add(it.key(), it.value());
      if (++sinceYield >= yieldEvery) {
        sinceYield = 0;
        await yieldToEventLoop();
      }
    }
  } catch (err) {
    writer.abort();
    throw err;
  } finally {
    it.close();
  }
  const properties = await writer.finish();
  const warm = writer.builder.takeWarmBlocks();
  return warm === undefined ? { properties } : { properties, warm };
}

/** The files a job reads (a flush reads its memtable's arena, which is shared memory already). */
export function jobInputPaths(job: Job): string[] {
  switch (job.kind) {
    case 'flush':
      return [];
    case 'compact':
      return job.inputs.map((i) => i.path);
    case 'verify':
      return [job.path];
  }
}

/** The files a job may create (a compaction leaves unused names uncreated). */
export function jobOutputPaths(job: Job): string[] {
  switch (job.kind) {
    case 'flush':
      return [job.path];
    case 'compact':
      return job.outputs.map((o) => o.path);
    case 'verify':
      return [];
  }
}

/** What a worker transfers rather than copies when it posts `result` (the kept blocks of a flush or of a compaction's outputs). */
export function resultTransferables(result: unknown): ArrayBuffer[] {
  const r = result as (Partial<FlushResult> & Partial<CompactResult>) | undefined;
  const out = warmTransferables(r?.warm);
  for (const o of r?.outputs ?? []) out.push(...warmTransferables(o.warm));
  return out;
}
