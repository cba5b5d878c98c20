export { MergeIterator } from './merge-iterator.js';
export { InlineExecutor, WorkerExecutor, type Executor } from './executor.js';
export type { Job, FlushJob, FlushResult, JobResult } from './jobs.js';
