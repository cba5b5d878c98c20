// One cycle's child: spawn the writer, kill it with SIGKILL at the planned moment, and report how
// it ended. A child that exits on its own has failed (a rejected write, a live-read violation).

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { OPENING_LINE, READY_LINE, STATS_PREFIX, VIOLATION_PREFIX, type ChildConfig, type ChildStats } from './config.js';

/** A child that is not ready by then is stuck (opening a small database takes well under a second). */
const READY_TIMEOUT_MS = 60_000;
const STDERR_KEEP_BYTES = 16 * 1024;

export interface KillPlan {
  /** Count the delay from the child's open() call (the kill may land in crash recovery) or from its ready. */
  from: 'opening' | 'ready';
  delayMs: number;
}

export interface ChildOutcome {
  /** True if our SIGKILL ended it (the expected outcome). */
  killed: boolean;
  /** Milliseconds from spawn to ready, if it got there. */
  readyMs: number | undefined;
  /** Milliseconds open() took in the child, if it finished. */
  openMs: number | undefined;
  lastStats: ChildStats | undefined;
  /** What went wrong, if it did not end by our kill. */
  failure: string | undefined;
  /** The child's exit code if it exited on its own (see child.ts: 3 violation, 5 open failed). */
  exitCode: number | null;
  /** A broken promise the child saw itself. */
  violation: string | undefined;
}

const CHILD_PATH = fileURLToPath(new URL('./child.js', import.meta.url));

export function runChild(config: ChildConfig, plan: KillPlan, nowMs: () => number): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const spawnedAt = nowMs();
    const child = spawn(process.execPath, [CHILD_PATH, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let openingAt: number | undefined;
    let readyAt: number | undefined;
    let killedAt: number | undefined;
    let lastStats: ChildStats | undefined;
    let violation: string | undefined;
    let stderr = '';
    let killTimer: ReturnType<typeof setTimeout> | undefined;

    const kill = (): void => {
      if (killedAt !== undefined || child.exitCode !== null || child.signalCode !== null) return;
      killedAt = nowMs();
      child.kill('SIGKILL');
    };
    const readyTimer = setTimeout(() => {
      stderr += `\n(not ready after ${READY_TIMEOUT_MS} ms)`;
      kill();
    }, READY_TIMEOUT_MS);

    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === OPENING_LINE) {
        openingAt = nowMs();
        if (plan.from === 'opening') killTimer = setTimeout(kill, plan.delayMs);
      } else if (line === READY_LINE) {
        readyAt = nowMs();
        clearTimeout(readyTimer);
        if (plan.from === 'ready') killTimer = setTimeout(kill, plan.delayMs);
      } else if (line.startsWith(STATS_PREFIX)) {
        lastStats = JSON.parse(line.slice(STATS_PREFIX.length)) as ChildStats;
      } else if (line.startsWith(VIOLATION_PREFIX)) {
        violation = line.slice(VIOLATION_PREFIX.length);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < STDERR_KEEP_BYTES) stderr += chunk.toString('utf8');
    });
    // The child exits when its stdin closes (an orphan's guard); an EPIPE after the kill is expected.
    child.stdin.on('error', () => undefined);

    child.on('close', (code, signal) => {
      clearTimeout(readyTimer);
      if (killTimer !== undefined) clearTimeout(killTimer);
      // Our kill, and not the start-up timeout's (which only fires on a child never ready).
      const killed = killedAt !== undefined && signal === 'SIGKILL' && (readyAt !== undefined || (plan.from === 'opening' && openingAt !== undefined));
      let failure: string | undefined;
      if (violation === undefined && !killed) {
        failure = `child ended by ${signal ?? `exit code ${code}`} before the kill${stderr.length > 0 ? `; stderr:\n${stderr.trim()}` : ''}`;
      }
      resolve({
        killed,
        readyMs: readyAt === undefined ? undefined : readyAt - spawnedAt,
        openMs: readyAt === undefined || openingAt === undefined ? undefined : readyAt - openingAt,
        exitCode: code,
        lastStats,
        failure,
        violation,
      });
    });
  });
}
