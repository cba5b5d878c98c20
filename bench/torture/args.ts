// The torture run's command line. Unknown flags are an error, so a typo never silently runs the
// default.

import { DEFAULT_LANES } from './config.js';

export type SyncMode = 'on' | 'off' | 'both';

export interface TortureArgs {
  cycles: number;
  /** The window in which each cycle's kill lands, in seconds after the child is ready. */
  seconds: number;
  /** Work directory (database and ack logs); a fresh temporary one when undefined. */
  dir: string | undefined;
  /** Seed of the kill schedule and of every child's writes; random (and printed) when undefined. */
  seed: number | undefined;
  sync: SyncMode;
  lanes: number;
  /** Keep the work directory after a successful run (it is always kept after a failure). */
  keep: boolean;
  help: boolean;
}

/** About three minutes on a 2-core machine: 50 kills, each within 4 s of writing. */
export const DEFAULT_CYCLES = 50;
export const DEFAULT_SECONDS = 4;

export const USAGE = `usage: node dist/bench/torture/main.js [options]   (or: npm run torture -- [options])

Kills a writing child process with SIGKILL at random moments, reopens the database and verifies
every acknowledged write byte for byte, batch atomicity and the counter.

  --cycles N        kill/reopen/verify cycles (default ${DEFAULT_CYCLES})
  --seconds S       each kill lands at a random moment within S seconds of writing (default ${DEFAULT_SECONDS})
  --sync on|off|both  syncWrites of the child; both alternates per cycle (default both)
  --seed N          replay a run's schedule (printed at the start of every run)
  --dir PATH        work directory (must be empty or absent; kept afterwards)
  --lanes N         writes in flight at once (default ${DEFAULT_LANES})
  --keep            keep the temporary work directory after a successful run
  --help            this text`;

function positiveInt(name: string, raw: string, max: number): number {
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new Error(`${name} must be an integer from 1 to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

export function parseTortureArgs(argv: readonly string[]): TortureArgs {
  const out: TortureArgs = { cycles: DEFAULT_CYCLES, seconds: DEFAULT_SECONDS, dir: undefined, seed: undefined, sync: 'both', lanes: DEFAULT_LANES, keep: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const value = (): string => {
      if (eq >= 0) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new Error(`${name} needs a value`);
      return next;
    };
    switch (name) {
      case '--cycles':
        out.cycles = positiveInt(name, value(), 1_000_000);
        break;
      case '--seconds': {
        const raw = value();
        const s = Number(raw);
        if (!(Number.isFinite(s) && s > 0 && s <= 3600)) throw new Error(`--seconds must be a number above 0 and at most 3600, got ${JSON.stringify(raw)}`);
        out.seconds = s;
        break;
      }
      case '--dir':
        out.dir = value();
        break;
      case '--seed': {
        const raw = value();
        const n = Number(raw);
        if (!Number.isSafeInteger(n) || n < 0 || n > 0xffff_ffff) throw new Error(`--seed must be an integer from 0 to ${0xffff_ffff}, got ${JSON.stringify(raw)}`);
        out.seed = n;
        break;
      }
      case '--sync': {
        const raw = value();
        if (raw !== 'on' && raw !== 'off' && raw !== 'both') throw new Error(`--sync must be on, off or both, got ${JSON.stringify(raw)}`);
        out.sync = raw;
        break;
      }
      case '--lanes':
        out.lanes = positiveInt(name, value(), 1000);
        break;
      case '--keep':
        out.keep = true;
        break;
      case '--help':
      case '-h':
        out.help = true;
        break;
      default:
        throw new Error(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
    }
  }
  return out;
}

/** syncWrites for a cycle: both alternates, starting with on. */
export function syncForCycle(mode: SyncMode, cycle: number): boolean {
  if (mode === 'both') return cycle % 2 === 0;
  return mode === 'on';
}
