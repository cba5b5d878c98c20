// The clock and the pacing the workload loops share.

import { performance } from 'node:perf_hooks';

/** Operations between event-loop turns and progress reports. */
export const CHUNK_OPS = 1000;

export const now = (): number => performance.now();

/** One event-loop turn, as a server would take between requests. */
export const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Sums the timed spans of a workload. */
export class SpanTimer {
  ms = 0;
  add(ms: number): void {
    this.ms += ms;
  }
}
