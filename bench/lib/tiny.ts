// One micro benchmark through tinybench (v6): a fixed number of calls (time budgets set to 0, so
// the count, not the clock, decides how many ran, and a benchmark that consumes fresh keys knows
// how many it needs), each call timed on its own with process.hrtime and the measured cost of
// reading the timer subtracted. Warm-up calls are not in the statistics.

import { Bench } from 'tinybench';

export interface MeasureOptions {
  /** Timed calls. */
  iterations: number;
  /** Untimed calls first, to let the JIT settle. */
  warmupIterations: number;
  /** Operations one call performs (e.g. entries in a table build); per-op figures divide by it. */
  opsPerCall?: number;
}

export interface Measurement {
  name: string;
  /** Mean nanoseconds per operation. */
  meanNs: number;
  /** 99th-percentile nanoseconds per call, divided by opsPerCall. */
  p99Ns: number;
  /** 1e9 / meanNs. */
  opsPerSec: number;
  calls: number;
  opsPerCall: number;
}

export function measure(name: string, fn: () => void, options: MeasureOptions): Measurement {
  const opsPerCall = options.opsPerCall ?? 1;
  const bench = new Bench({
    time: 0,
    iterations: options.iterations,
    warmup: options.warmupIterations > 0,
    warmupTime: 0,
    warmupIterations: options.warmupIterations,
    timestampProvider: 'hrtimeNow',
    subtractTimerOverhead: true,
    throws: true,
  });
  bench.add(name, fn);
  const [task] = bench.runSync();
  const result = task!.result;
  if (result.state !== 'completed') {
    throw new Error(`benchmark ${name} did not complete: ${result.state === 'errored' ? String(result.error) : result.state}`);
  }
  const meanNs = (result.latency.mean * 1e6) / opsPerCall;
  return {
    name,
    meanNs,
    p99Ns: (result.latency.p99 * 1e6) / opsPerCall,
    opsPerSec: meanNs > 0 ? 1e9 / meanNs : Infinity,
    calls: task!.runs,
    opsPerCall,
  };
}
