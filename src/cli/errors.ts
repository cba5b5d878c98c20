// Exit codes of the `sett` command (docs/cli.md §Exit codes) and how errors map to them.

import { isSettError } from '../base/index.js';

/** Part of the command's contract: scripts test these. Never renumber; add new ones. */
export const EXIT = {
  /** Done; for verify: every checksum matched. */
  ok: 0,
  /** The command ran and found problems (verify, info), the key was not found (get), or it failed (corruption, I/O). */
  failed: 1,
  /** Bad usage: unknown command or option, bad argument, a path that is not a sett database or file. */
  usage: 2,
  /** A write command could not take the directory lock: another process has the database open. */
  locked: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as is, with its exit code (and a code for --json). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly code = exitCode === EXIT.usage ? 'USAGE' : 'FAILED',
  ) {
    super(message);
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, EXIT.usage);
}

export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (isSettError(err, 'LOCKED')) return EXIT.locked;
  if (isSettError(err, 'NOT_A_DATABASE') || isSettError(err, 'INVALID_ARGUMENT')) return EXIT.usage;
  return EXIT.failed;
}

/** Code, message and location of an error, for the `--json` error object. */
export function describeError(err: unknown): { code: string; message: string; file?: string; offset?: number } {
  if (err instanceof CliError) return { code: err.code, message: err.message };
  if (isSettError(err)) {
    const out: { code: string; message: string; file?: string; offset?: number } = { code: err.code, message: err.message };
    if (err.file !== undefined) out.file = err.file;
    if (err.offset !== undefined) out.offset = err.offset;
    return out;
  }
  return { code: 'INTERNAL', message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}
