// Wall-clock timing with performance.now() (monotonic, sub-microsecond in Node).

import { performance } from 'node:perf_hooks';

export function nowMs(): number {
  return performance.now();
}

export function opsPerSec(ops: number, ms: number): number {
  return ms <= 0 ? Infinity : (ops * 1000) / ms;
}
