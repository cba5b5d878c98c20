// The queue's own errors. Bad arguments are sett's InvalidArgumentError; these two are about the
// state of items, and callers act on them differently (an unknown id is a bug or an item already
// completed; a not-leased one usually lost its lease and was or will be delivered again), so
// each has its own class and code. Messages follow Querator's.

export type QueueErrorCode = 'UNKNOWN_ITEM' | 'NOT_LEASED';

export class QueueError extends Error {
  constructor(
    readonly code: QueueErrorCode,
    readonly id: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = new.target.name;
  }
}

/** No item has this id: never produced, or already completed. */
export class UnknownItemError extends QueueError {
  constructor(id: string, action: string) {
    super('UNKNOWN_ITEM', id, `item(s) cannot be ${action}; '${id}' does not exist`);
  }
}

/** The item exists but is not under a live lease (never leased, lease expired, or dead-lettered). */
export class NotLeasedError extends QueueError {
  constructor(id: string, action: string, why: string) {
    super('NOT_LEASED', id, `item(s) cannot be ${action}; '${id}' is not marked as leased (${why})`);
  }
}
