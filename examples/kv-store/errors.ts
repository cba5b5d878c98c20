// The store's typed errors. Both keep the seed's message exactly (no "INVALID_ARGUMENT: " prefix),
// as sett's LockedError does for its fixed message: callers of the Go store matched on the text.

import { InvalidArgumentError } from 'sett';

/** A bad or missing configuration (seed 001: a nil config is "config cannot be nil"). */
export class ConfigError extends InvalidArgumentError {
  constructor(message: string) {
    super(message);
    this.message = message;
  }
}

/** An empty key, refused before it reaches the engine; the message is Badger's ErrEmptyKey. */
export class EmptyKeyError extends InvalidArgumentError {
  constructor() {
    super('Key cannot be empty');
    this.message = 'Key cannot be empty';
  }
}
