// Time is a seam: tests inject a manual clock so TTL expiry and intervals are deterministic.

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export class ManualClock implements Clock {
  constructor(private timeMs = 0) {}
  nowMs(): number {
    return this.timeMs;
  }
  advance(ms: number): void {
    this.timeMs += ms;
  }
  set(ms: number): void {
    this.timeMs = ms;
  }
}
