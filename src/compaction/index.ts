export { MergeIterator } from './merge-iterator.js';
export { InlineExecutor, WorkerExecutor, WORKER_IDLE_MS, type Executor } from './executor.js';
export type { Job, FlushJob, FlushResult, JobResult, VerifyJob, VerifyResult } from './jobs.js';
export { runFlush } from './jobs.js';
export type { JobSlicing } from './slicing.js';
export { runCompact, type CompactJob, type CompactResult } from './compact.js';
export {
  levelTargets,
  pickCompactions,
  overlapping,
  spanOf,
  rangesOverlap,
  levelSize,
  TABLE_SIZE_MULTIPLIER,
  MAX_TARGET_TABLE_BYTES,
  type TableMeta,
  type CompactionOptions,
  type LevelTargets,
  type CompactionKind,
  type CompactionPlan,
} from './picker.js';
