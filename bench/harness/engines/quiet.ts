// Waiting for a native engine's background thread to go quiet, for engines that offer no
// "wait for compactions" call: polls a fingerprint of its activity (its own stats text plus this
// process's storage write counter) until it has not moved for `quietMs`.

import { performance } from 'node:perf_hooks';
import { readIo } from '../../lib/probes.js';

const POLL_MS = 50;
const SETTLE_MAX_MS = 10 * 60_000;

export async function waitUntilQuiet(fingerprint: () => string, quietMs: number): Promise<void> {
  const start = performance.now();
  let last = `${readIo()?.writeBytes ?? 0}|${fingerprint()}`;
  let quietSince = start;
  while (performance.now() - quietSince < quietMs && performance.now() - start < SETTLE_MAX_MS) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const now = `${readIo()?.writeBytes ?? 0}|${fingerprint()}`;
    if (now !== last) {
      last = now;
      quietSince = performance.now();
    }
  }
}
