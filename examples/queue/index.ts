// examples/queue: a durable work queue (seed 002, Querator's storage) on sett's raw engine keys.
export { openQueue, Queue, MAX_PRODUCE_ITEMS, MAX_LEASE_COUNT, MAX_IDS_PER_CALL, DEFAULT_LIST_LIMIT } from './queue.js';
export { QueueError, UnknownItemError, NotLeasedError, type QueueErrorCode } from './errors.js';
export { shareOut, placePartitions, partitionDirName, MAX_PARTITIONS, type StorageDir } from './placement.js';
export { REAP_BATCH_MAX } from './partition.js';
export type { QueueOptions, ProduceItem, ProduceResult, Item, ItemState, LeaseOptions, RetryOptions, ListOptions, StateCounts, PartitionStats, QueueStats } from './types.js';
