// Command-line flags shared by the benchmark programs: `--quick`, `--n 250000` (or `--n=250000`),
// `--rounds 3`, `--json out.json`, `--only sett` (one engine, e.g. to profile it), `--yield`. Unknown flags are an error, so a typo never silently runs the default.

export interface BenchArgs {
  quick: boolean;
  /** Entry count, when --n was given. */
  n: number | undefined;
  /** Path to write JSON results to, when --json was given. */
  json: string | undefined;
  /** Repetitions of every workload, when --rounds was given. */
  rounds: number | undefined;
  /** Run only this engine, when --only was given. */
  only: 'sett' | 'LevelDB' | undefined;
  /** Writers yield to the event loop (setImmediate) between batches, when --yield was given. */
  yieldBetweenBatches: boolean;
}

export function parseArgs(argv: readonly string[], allowed: readonly string[]): BenchArgs {
  const out: BenchArgs = { quick: false, n: undefined, json: undefined, rounds: undefined, only: undefined, yieldBetweenBatches: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (!allowed.includes(name)) throw new Error(`unknown argument ${JSON.stringify(arg)}; allowed: ${allowed.join(' ')}`);
    const value = (): string => {
      if (eq >= 0) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new Error(`${name} needs a value`);
      return next;
    };
    switch (name) {
      case '--quick':
        out.quick = true;
        break;
      case '--yield':
        out.yieldBetweenBatches = true;
        break;
      case '--n': {
        const raw = value().replace(/_/g, '');
        const n = Number(raw);
        if (!Number.isSafeInteger(n) || n < 1000) throw new Error(`--n must be an integer >= 1000, got ${JSON.stringify(raw)}`);
        out.n = n;
        break;
      }
      case '--rounds': {
        const raw = value();
        const rounds = Number(raw);
        if (!Number.isSafeInteger(rounds) || rounds < 1 || rounds > 99) throw new Error(`--rounds must be an integer from 1 to 99, got ${JSON.stringify(raw)}`);
        out.rounds = rounds;
        break;
      }
      case '--json':
        out.json = value();
        break;
      case '--only': {
        const raw = value();
        if (raw !== 'sett' && raw !== 'LevelDB') throw new Error(`--only must be sett or LevelDB, got ${JSON.stringify(raw)}`);
        out.only = raw;
        break;
      }
      default:
        throw new Error(`unhandled argument ${name}`);
    }
  }
  return out;
}
