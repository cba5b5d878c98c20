// The integer options of the examples' benches (`--num 1000` or `--num=1000`), through Node's own
// argument parser; options a bench does not ask for are left to it.

import { parseArgs } from 'node:util';

/** `--<name> N` of the process's arguments: an integer of at least `min`, `fallback` when absent. */
export function intOption(name: string, min: number, fallback: number, argv: readonly string[] = process.argv.slice(2)): number {
  const { values } = parseArgs({ args: [...argv], options: { [name]: { type: 'string' } }, strict: false, allowPositionals: true });
  const text = values[name];
  if (text === undefined) return fallback;
  const n = Number(text);
  if (typeof text !== 'string' || !Number.isSafeInteger(n) || n < min) throw new Error(`--${name} takes an integer >= ${min}, got ${JSON.stringify(text)}`);
  return n;
}
