// `npm run bench` arguments. Unknown flags and bad values are errors (a typo never silently runs
// the default), and so are unknown engine and workload names.

import { ENGINE_NAMES, type EngineName } from './engines/engine.js';
import { WORKLOAD_ALIASES, WORKLOAD_NAMES, WORKLOADS, inRunOrder, type WorkloadName } from './workloads.js';

export const DEFAULT_SEED = 301; // db_bench's default seed, as bench/lib/data.ts
export const DEFAULT_OUT_DIR = 'bench/results';
/** Values are cut from a 1 MiB pool (data.ts). */
export const VALUE_SIZE_MAX_BYTES = 1024 * 1024;
export const NUM_MAX = 100_000_000;

export interface HarnessArgs {
  quick: boolean;
  engines: EngineName[];
  workloads: WorkloadName[];
  /** Entries of the 100-byte-value workloads, when --num was given. */
  num: number | undefined;
  /** Value bytes of the main workloads, when --value-size was given. */
  valueSize: number | undefined;
  seed: number;
  outDir: string;
  /** Write a CPU profile of each engine's main thread per workload next to the results. */
  profile: boolean;
  help: boolean;
}

export class ArgumentError extends Error {
  override readonly name = 'ArgumentError';
}

export const USAGE = `usage: npm run bench -- [options]

  --quick               small sizes: finishes in about a minute
  --engines a,b         engines to run (default all): ${ENGINE_NAMES.join(', ')}
  --workloads a,b       workloads to run (default all), or a group: ${Object.keys(WORKLOAD_ALIASES).join(', ')}
  --num N               entries of the main workloads (default 1,000,000; --quick 100,000)
  --value-size B        value bytes of the main workloads (default 100)
  --seed S              seed of every key order and value (default ${DEFAULT_SEED})
  --out DIR             where the JSON and SVG results go (default ${DEFAULT_OUT_DIR})
  --profile             also write a V8 CPU profile (.cpuprofile) of each engine's main thread
                        per workload, operations and settle, into --out (open in Chrome DevTools)
  --help                this text

workloads: ${WORKLOAD_NAMES.join(', ')}`;

export function parseHarnessArgs(argv: readonly string[]): HarnessArgs {
  const out: HarnessArgs = {
    quick: false,
    engines: [...ENGINE_NAMES],
    workloads: [...WORKLOAD_NAMES],
    num: undefined,
    valueSize: undefined,
    seed: DEFAULT_SEED,
    outDir: DEFAULT_OUT_DIR,
    profile: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq >= 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq >= 0 && arg.startsWith('--')) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new ArgumentError(`${name} needs a value`);
      return next;
    };
    switch (name) {
      case '--quick':
        out.quick = true;
        break;
      case '--profile':
        out.profile = true;
        break;
      case '--help':
      case '-h':
        out.help = true;
        break;
      case '--engines':
        out.engines = parseList(name, value(), (item) => {
          if ((ENGINE_NAMES as readonly string[]).includes(item)) return [item as EngineName];
          throw new ArgumentError(`unknown engine ${JSON.stringify(item)} in --engines; known: ${ENGINE_NAMES.join(', ')}`);
        });
        break;
      case '--workloads':
        out.workloads = inRunOrder(
          parseList(name, value(), (item) => {
            if (item in WORKLOADS) return [item as WorkloadName];
            const alias = WORKLOAD_ALIASES[item];
            if (alias !== undefined) return alias;
            throw new ArgumentError(`unknown workload ${JSON.stringify(item)} in --workloads; known: ${WORKLOAD_NAMES.join(', ')} (groups: ${Object.keys(WORKLOAD_ALIASES).join(', ')})`);
          }),
        );
        break;
      case '--num':
        out.num = parseCount(name, value(), 1, NUM_MAX);
        break;
      case '--value-size':
        out.valueSize = parseCount(name, value(), 1, VALUE_SIZE_MAX_BYTES);
        break;
      case '--seed':
        out.seed = parseCount(name, value(), 0, 0xffffffff);
        break;
      case '--out': {
        const dir = value();
        if (dir.length === 0) throw new ArgumentError('--out needs a directory');
        out.outDir = dir;
        break;
      }
      default:
        throw new ArgumentError(`unknown argument ${JSON.stringify(arg)} (see --help)`);
    }
  }
  return out;
}

/** A comma-separated list, each item expanded by `expand`, without duplicates; never empty. */
function parseList<T>(flag: string, raw: string, expand: (item: string) => readonly T[]): T[] {
  const items = raw.split(',').map((s) => s.trim().toLowerCase());
  if (items.some((s) => s.length === 0)) throw new ArgumentError(`${flag} has an empty item in ${JSON.stringify(raw)}`);
  const out: T[] = [];
  for (const item of items) for (const x of expand(item)) if (!out.includes(x)) out.push(x);
  return out;
}

/** An integer in [min, max]; underscores and a k/M suffix allowed (50k, 1M, 1_000_000). */
function parseCount(flag: string, raw: string, min: number, max: number): number {
  const m = /^(\d[\d_]*)([kKmM]?)$/.exec(raw.trim());
  if (m === null) throw new ArgumentError(`${flag} needs a whole number, got ${JSON.stringify(raw)}`);
  const scale = m[2] === '' ? 1 : m[2]!.toLowerCase() === 'k' ? 1_000 : 1_000_000;
  const n = Number(m[1]!.replace(/_/g, '')) * scale;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ArgumentError(`${flag} must be between ${min.toLocaleString('en-US')} and ${max.toLocaleString('en-US')}, got ${raw}`);
  return n;
}
