// Background jobs of an inMemory database on a worker thread. Its files live in the main thread's
// FaultFS, stored in SharedArrayBuffers (FaultFS { sharedMemory }): a job's input files cross to
// the worker as views of that memory, not copies; the worker runs the job against a FaultFS of its
// own that holds those views, and the files the job writes (in shared memory too) cross back the
// same way, to become files of the main thread's FaultFS before the job resolves. Inputs are
// tables, which nothing writes once they are finished, so both threads may read them at once.

import { dirname } from 'node:path/posix';
import { FaultFS } from '../fs/index.js';
import { jobInputPaths, jobOutputPaths, type Job } from './jobs.js';

export interface SharedFile {
  path: string;
  /** A view of SharedArrayBuffer memory: posted to another thread, it is shared, not copied. */
  bytes: Uint8Array;
}

/** Main thread: the files `job` reads, as views of their storage. */
export function shareInputs(fs: FaultFS, job: Job): SharedFile[] {
  return jobInputPaths(job).map((path) => ({ path, bytes: fs.shareFile(path) }));
}

/** Worker: a file system holding the job's inputs, with the directories of its outputs made. */
export function workerFileSystem(job: Job, inputs: readonly SharedFile[]): FaultFS {
  const fs = new FaultFS({ sharedMemory: true, durableMkdir: true });
  for (const f of inputs) fs.adoptFile(f.path, f.bytes);
  for (const path of jobOutputPaths(job)) fs.mkdir(dirname(path));
  return fs;
}

/**
 * Worker: the files the job wrote, each cut to its size first (a file grows by doubling; the
 * database keeps these for their whole life, so the copy that trims them is made here, off the
 * main thread).
 */
export function collectOutputs(fs: FaultFS, job: Job): SharedFile[] {
  return jobOutputPaths(job)
    .filter((path) => fs.exists(path))
    .map((path) => ({ path, bytes: fs.shareFile(path, true) }));
}

/** Main thread: the job's outputs become files of the database's file system. */
export function adoptOutputs(fs: FaultFS, files: readonly SharedFile[]): void {
  for (const f of files) fs.adoptFile(f.path, f.bytes);
}
