import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { ManualClock } from 'sett';
import { openBadgerEngine, openMemoryEngine, type Engine, type EngineOptions, type Scheduler } from '../../../examples/registry/index.js';

const dirs: string[] = [];

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sett-registry-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A scheduler whose ticks the test fires (and awaits) itself. */
export class ManualScheduler implements Scheduler {
  intervals: number[] = [];
  cancelled = 0;
  private ticks: (() => Promise<void>)[] = [];

  every(intervalMs: number, tick: () => Promise<void>): () => void {
    this.intervals.push(intervalMs);
    this.ticks.push(tick);
    return () => void this.cancelled++;
  }

  /** Fires every registered tick, as a late timer would even after cancel. */
  async fire(): Promise<void> {
    await Promise.all(this.ticks.map((t) => t()));
  }
}

export const START_MS = Date.UTC(2025, 0, 1);

export interface Kind {
  name: 'memory' | 'badger';
  open(options: EngineOptions): Promise<Engine>;
}

export const KINDS: Kind[] = [
  { name: 'memory', open: (options) => openMemoryEngine(options) },
  { name: 'badger', open: (options) => openBadgerEngine(join(tempDir(), 'data'), options) },
];

export function manualClock(): ManualClock {
  return new ManualClock(START_MS);
}
