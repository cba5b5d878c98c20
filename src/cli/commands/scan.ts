// `sett scan DIR [--prefix P] [--limit N] [--reverse] [--keys-only] [--all-versions] [--json] [--hex]`:
// keys (and values) in order through a read-only open (no lock: works beside a live process).
// Text output is one `key<TAB>value` line per key (long values cut; --json never cuts). Both are
// streamed: a scan can be larger than memory. A scan that meets damage prints what it read, then
// the error (in --json, as an "error" member of the document), and exits 1.

import type { IteratorEntry, IteratorOptions } from '../../db/index.js';
import { openForReading } from '../database.js';
import { EXIT, describeError, exitCodeOf, type ExitCode } from '../errors.js';
import { Out, bad, dim, showBytes, showValue, type ShowOptions } from '../format.js';
import type { MasterKey } from '../keys.js';

export interface ScanOptions extends ShowOptions {
  json: boolean;
  prefix: Uint8Array | undefined;
  limit: number | undefined;
  reverse: boolean;
  keysOnly: boolean;
  allVersions: boolean;
  key: MasterKey | undefined;
}

const VALUE_CHARS_SHOWN = 100;

function jsonRow(entry: IteratorEntry, options: ScanOptions): Record<string, unknown> {
  const [key, value] = entry;
  const row: Record<string, unknown> = { key: showBytes(key!, options) };
  if (!options.keysOnly && value !== undefined) row['value'] = showBytes(value, options);
  if (options.allVersions) {
    row['version'] = entry.version;
    if (entry.deleted === true) row['deleted'] = true;
    if (entry.expiresAt !== undefined && entry.expiresAt !== 0) row['expiresAt'] = entry.expiresAt;
    if (entry.userMeta !== undefined && entry.userMeta !== 0) row['userMeta'] = entry.userMeta;
  }
  return row;
}

function textLine(entry: IteratorEntry, options: ScanOptions): string {
  const [key, value] = entry;
  const k = options.allVersions ? `${showBytes(key!, options)}@${entry.version}` : showBytes(key!, options);
  if (options.keysOnly) return k;
  if (options.allVersions && entry.deleted === true) return `${k}\t${dim('(deleted)')}`;
  return `${k}\t${value === undefined ? '' : showValue(value, { ...options, maxChars: VALUE_CHARS_SHOWN })}`;
}

export async function scanCommand(dir: string, options: ScanOptions): Promise<ExitCode> {
  const db = await openForReading(dir, undefined, options.key);
  const out = new Out();
  let count = 0;
  let failure: unknown;
  if (options.json) out.write('{\n  "entries": [');
  try {
    const iteratorOptions: IteratorOptions = { reverse: options.reverse, values: !options.keysOnly, allVersions: options.allVersions };
    if (options.prefix !== undefined) iteratorOptions.prefix = options.prefix;
    if (options.limit !== undefined) iteratorOptions.limit = options.limit;
    const it = db.iterator(iteratorOptions);
    try {
      for (const entry of it) {
        count++;
        if (options.json) out.write(`${count === 1 ? '\n' : ',\n'}    ${JSON.stringify(jsonRow(entry, options))}`);
        else out.line(textLine(entry, options));
      }
    } finally {
      it.close();
    }
  } catch (err) {
    failure = err;
  } finally {
    await db.close();
  }
  if (options.json) {
    const error = failure === undefined ? '' : `,\n  "error": ${JSON.stringify(describeError(failure))}`;
    out.write(`${count === 0 ? '' : '\n  '}],\n  "count": ${count}${error}\n}\n`);
  }
  out.flush();
  if (failure === undefined) return EXIT.ok;
  process.stderr.write(`${bad(`sett scan: ${describeError(failure).message}`)}\n`);
  return exitCodeOf(failure);
}
