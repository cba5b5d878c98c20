// `sett get DIR KEY [--json] [--hex] [--raw]`: the value of one key, read through a read-only
// open (no lock: works beside a live process). KEY is text, or 0x + hex for binary keys.
// Exit 0 when found, 1 when not (or the read failed).

import { openForReading } from '../database.js';
import { EXIT, type ExitCode } from '../errors.js';
import { Out, showBytes, type ShowOptions } from '../format.js';
import type { MasterKey } from '../keys.js';

export interface GetOptions extends ShowOptions {
  json: boolean;
  /** Write the value's bytes exactly, with no newline. */
  raw: boolean;
  key: MasterKey | undefined;
}

export async function getCommand(dir: string, key: Uint8Array, options: GetOptions): Promise<ExitCode> {
  const db = await openForReading(dir, undefined, options.key);
  let value: Buffer | undefined;
  try {
    value = db.getSync(key);
  } finally {
    await db.close();
  }
  const out = new Out();
  if (options.json) {
    out.json(value === undefined ? { key: showBytes(key, options), found: false } : { key: showBytes(key, options), found: true, value: showBytes(value, options), bytes: value.length });
  } else if (value === undefined) {
    process.stderr.write(`sett get: key ${showBytes(key, options)} not found\n`);
  } else if (options.raw) {
    process.stdout.write(value);
  } else {
    out.line(showBytes(value, options));
  }
  out.flush();
  return value === undefined ? EXIT.failed : EXIT.ok;
}
