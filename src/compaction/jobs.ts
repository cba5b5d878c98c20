// Background jobs. Each is a plain-data description (it crosses to a worker thread by structured
// clone) and a function that runs it against a FileSystem. Jobs write new files and report what
// they wrote; the main thread records them in the MANIFEST and installs them.

import { SkipList } from '../memtable/index.js';
import {
  TableBuilder,
  ensureCompressionReady,
  writeTable,
  type TableBuilderOptions,
  type TableProperties,
} from '../sstable/index.js';
import type { FileSystem } from '../fs/index.js';
import { runCompact, type CompactJob, type CompactResult } from './compact.js';

/** Turns a frozen memtable (its arena, shared with the worker) into one L0 table. */
export interface FlushJob {
  kind: 'flush';
  arena: SharedArrayBuffer;
  path: string;
  table: TableBuilderOptions;
}

export interface FlushResult {
  properties: TableProperties;
}

export type Job = FlushJob | CompactJob;
export type JobResult<J extends Job> = J extends FlushJob ? FlushResult : J extends CompactJob ? CompactResult : never;

export async function runJob<J extends Job>(fs: FileSystem, job: J): Promise<JobResult<J>> {
  switch (job.kind) {
    case 'flush':
      return (await runFlush(fs, job)) as JobResult<J>;
    case 'compact':
      return (await runCompact(fs, job)) as JobResult<J>;
  }
}

export async function runFlush(fs: FileSystem, job: FlushJob): Promise<FlushResult> {
  if (job.table.compression === 'zstd') await ensureCompressionReady();
  const list = SkipList.attach(job.arena);
  const builder = new TableBuilder(job.table);
  const it = list.iterator();
  for (it.seekToFirst(); it.valid(); it.next()) builder.add(it.key(), it.value());
  it.close();
  const properties = await writeTable(fs, job.path, builder);
  return { properties };
}
