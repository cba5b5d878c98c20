// The periodic value-log GC (seed 003 "Garbage Collection": every 5 minutes, discard ratio 0.5,
// "nothing to rewrite" is not an error). The timer is a seam: tests pass a Scheduler and fire
// ticks themselves, so nothing waits on real time.

import type { Logger } from 'sett';
import type { EngineStats } from './engine.js';

export const DEFAULT_GC_INTERVAL_MS = 5 * 60 * 1000;
export const DEFAULT_GC_DISCARD_RATIO = 0.5;

/** Runs `tick` every `intervalMs` until the returned cancel function is called. */
export interface Scheduler {
  every(intervalMs: number, tick: () => Promise<void>): () => void;
}

/** setInterval, unref'd: a registry's GC timer never keeps the process alive by itself. */
export const intervalScheduler: Scheduler = {
  every(intervalMs, tick) {
    const timer = setInterval(() => void tick(), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  },
};

export class GcLoop {
  readonly stats: EngineStats = { gcRuns: 0, gcRewrites: 0, gcFailures: 0 };
  private cancel: (() => void) | undefined;
  private running: Promise<boolean> | undefined;
  private stopped = false;

  constructor(
    private readonly runGC: () => Promise<boolean>,
    private readonly log: Logger,
  ) {}

  start(scheduler: Scheduler, intervalMs: number): void {
    this.cancel = scheduler.every(intervalMs, () => this.tick());
  }

  /** One pass; a pass already running is joined rather than started twice. */
  once(): Promise<boolean> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Cancels the timer and waits for a pass in flight: the database may then close under no GC. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    this.cancel = undefined;
    await this.running?.catch(() => {});
  }

  private async tick(): Promise<void> {
    // A tick that a scheduler delivers late, after stop(), must not touch a closed database.
    if (this.stopped) return;
    try {
      await this.once();
    } catch (err) {
      this.stats.gcFailures++;
      this.log.warn(`registry: value-log GC failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async pass(): Promise<boolean> {
    this.stats.gcRuns++;
    const rewrote = await this.runGC();
    if (rewrote) this.stats.gcRewrites++;
    return rewrote;
  }
}
