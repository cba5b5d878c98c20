// The data sources' typed errors. Each keeps its message free of sett's "CODE: " prefix where the
// seed's text is the contract (callers of the Go data sources matched on "not connected").

import { InvalidArgumentError, SettError } from 'sett';

/** A call before `connect()` or after `close()`. Code CLOSED: there is no open database behind it. */
export class NotConnectedError extends SettError {
  /** The call that was refused, e.g. 'query'. */
  readonly operation: string;
  constructor(operation: string) {
    super('CLOSED', 'not connected');
    this.message = 'not connected';
    this.operation = operation;
  }
}

/** A bad option of a data source's configuration, named by its seed name (`num_memtables`). */
export class OptionError extends InvalidArgumentError {
  readonly option: string;
  constructor(option: string, message: string) {
    super(message);
    this.message = message;
    this.option = option;
  }
}

/** A malformed `Filter` or `QueryOptions` (a group without logicOp, a negative limit, ...). */
export class FilterError extends InvalidArgumentError {
  constructor(message: string) {
    super(message);
    this.message = message;
  }
}

/** A filter operator the data sources do not know (the seed silently matched nothing). */
export class UnsupportedOperatorError extends FilterError {
  readonly operator: unknown;
  readonly field: string;
  constructor(operator: unknown, field: string, known: readonly string[]) {
    super(`unsupported filter operator ${JSON.stringify(operator)} on field '${field}'; one of ${known.join(', ')}`);
    this.operator = operator;
    this.field = field;
  }
}

/** An import that cannot proceed as its mode says (create over an existing table, append to a missing one, bad JSON). */
export class ImportError extends InvalidArgumentError {
  constructor(message: string) {
    super(message);
    this.message = message;
  }
}
