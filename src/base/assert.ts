import { InternalError } from './errors.js';

/** States what must be true; a violated invariant stops the operation instead of writing bad data. */
export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) {
    throw new InternalError(typeof message === 'string' ? message : message());
  }
}

/**
 * Expensive checks (whole-table sortedness, level overlap scans) run only when SETT_INVARIANTS=1,
 * which the test suite sets.
 */
export const expensiveInvariants: boolean =
  typeof process !== 'undefined' && process.env['SETT_INVARIANTS'] === '1';
