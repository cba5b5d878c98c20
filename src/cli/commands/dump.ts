// `sett dump FILE [--limit N] [--summary] [--json] [--hex]`: prints one file of a database — a
// table, WAL, value-log file, MANIFEST or DISCARD, told apart by the magic it starts with — entry
// by entry, checking every checksum on the way. Exit 0; 1 when the file is damaged (what was read
// before the damage is printed first); 2 when it is not a sett file.
//
// An encrypted table, WAL or value-log file is decrypted with --key-file (or SETT_KEY_FILE) when it
// lies in its database directory, next to the KEYREGISTRY holding its data key. Without a key,
// dump shows only the plaintext (header, key id, sizes, counts), checks the CRCs, and says that
// the contents are encrypted: no key or value is printed.

import { isSettError, type InternalKey } from '../../base/index.js';
import { KEY_REGISTRY_FILE, dataKeySource, type DataKeySource } from '../../crypto/index.js';
import { nodeFS } from '../../fs/index.js';
import { isDirectory } from '../database.js';
import { CliError, EXIT, describeError, usageError, type ExitCode } from '../errors.js';
import { Out, bad, dim, heading, showBytes, showInternalKey, showSize, showValue, warn, type ShowOptions } from '../format.js';
import { KEY_FILE_ENV, dataKeysOf, type MasterKey } from '../keys.js';
import { MAGICS, dumpDiscard, dumpKeyRegistry, dumpManifest, dumpTable, dumpVlog, dumpWal, keyIdOf, readHead, type DumpEntry, type DumpSink, type FileKind } from './dump-readers.js';

export interface DumpOptions extends ShowOptions {
  json: boolean;
  limit: number;
  summary: boolean;
  key: MasterKey | undefined;
}

const KIND_NAMES: Record<FileKind, string> = {
  table: 'table (SST)',
  wal: 'write-ahead log',
  vlog: 'value-log file',
  manifest: 'MANIFEST',
  discard: 'DISCARD (value-log discard statistics)',
  backup: 'backup stream',
  keyregistry: 'KEYREGISTRY (data keys, encrypted under the master key)',
};

export function detectKind(path: string): FileKind {
  const head = Buffer.from(readHead(path, 8)).toString('latin1');
  for (const [kind, magic] of Object.entries(MAGICS) as [FileKind, string][]) if (head === magic) return kind;
  const shown = head.length === 0 ? 'it is empty' : `it starts with 0x${Buffer.from(head, 'latin1').toString('hex')}`;
  throw new CliError(`${path} is not a sett file (${shown}; expected the magic of a table, WAL, value-log file, MANIFEST, DISCARD or KEYREGISTRY)`, EXIT.usage, 'NOT_A_SETT_FILE');
}

function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

function dirName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '.' : i === 0 ? '/' : path.slice(0, i);
}

/**
 * The data keys for an encrypted file: those of the KEYREGISTRY next to it, under `key`. Undefined
 * without a key (the file is dumped sealed) or for a plain file (no key needed, any key ignored).
 */
function dataKeysFor(path: string, kind: FileKind, key: MasterKey | undefined): DataKeySource | undefined {
  if (key === undefined) return undefined;
  const keyId = keyIdOf(path, kind);
  if (keyId === 0) return undefined;
  const dir = dirName(path);
  if (!nodeFS.exists(`${dir}/${KEY_REGISTRY_FILE}`)) {
    throw new CliError(`${path} is encrypted (data key ${keyId}), and there is no ${KEY_REGISTRY_FILE} next to it: dump decrypts a file inside its database directory`, EXIT.failed, 'NO_KEY_REGISTRY');
  }
  return dataKeySource(dataKeysOf(dir, key));
}

const SEALED_NOTE = `the contents are encrypted and were not read (no key given): pass --key-file FILE (or set ${KEY_FILE_ENV}) to decrypt; the file must be in its database directory, next to its ${KEY_REGISTRY_FILE}`;

export async function dumpCommand(path: string, options: DumpOptions): Promise<ExitCode> {
  if (!nodeFS.exists(path)) throw usageError(`${path}: no such file`);
  if (isDirectory(path)) throw usageError(`${path} is a directory: dump reads one file (use info, scan or verify for a database)`);
  const size = nodeFS.size(path);
  const kind = detectKind(path);
  const name = baseName(path);
  if (kind === 'backup') throw new CliError(`${path} is a sett backup stream; dump does not read backups (load it with: sett restore ${path} DIR)`, EXIT.usage, 'NOT_SUPPORTED');

  const keys = dataKeysFor(path, kind, options.key);
  const out = new Out();
  const header: Record<string, unknown> = {};
  const entries: DumpEntry[] = [];
  let count = 0;
  let read = 0;
  let truncated = false;
  const limit = options.limit;
  const sink: DumpSink = {
    header(fields) {
      Object.assign(header, fields);
    },
    entry(e) {
      read++;
      // --summary reads (and checks) the whole file, printing nothing; --limit stops reading.
      if (options.summary) return true;
      if (count >= limit) {
        truncated = true;
        return false;
      }
      count++;
      if (options.json) entries.push(e);
      else {
        if (count === 1) printHeader(out, path, kind, size, header, options);
        out.line(entryLine(e, options));
      }
      return true;
    },
  };

  let failure: unknown;
  try {
    if (kind === 'table') dumpTable(path, name, sink, keys);
    else if (kind === 'wal') dumpWal(path, sink, keys);
    else if (kind === 'vlog') await dumpVlog(path, name, sink, keys);
    else if (kind === 'manifest') await dumpManifest(path, sink);
    else if (kind === 'keyregistry') dumpKeyRegistry(path, sink, options.key);
    else dumpDiscard(path, name, sink);
  } catch (err) {
    if (!(isSettError(err) || err instanceof CliError) || (err instanceof CliError && (err.exitCode === EXIT.usage || err.code === 'WRONG_KEY'))) throw err;
    failure = err;
  }

  const sealed = header['sealed'] === true;
  delete header['sealed'];
  const hasEntries = kind === 'table' || kind === 'wal' || kind === 'vlog';
  if (options.json) {
    const doc: Record<string, unknown> = { file: path, kind, bytes: size, ...jsonFields(header, options), entriesShown: count, truncated };
    if (sealed) {
      doc['encrypted'] = true;
      doc['sealed'] = true;
      doc['note'] = SEALED_NOTE;
    }
    if (options.summary) doc['entriesRead'] = read;
    else if (hasEntries && !sealed) doc['entries'] = entries.map((e) => jsonEntry(e, options));
    if (failure !== undefined) doc['error'] = describeError(failure);
    out.json(doc);
  } else {
    if (count === 0) printHeader(out, path, kind, size, header, options);
    if (truncated) out.line(dim(`… stopped after ${count} entries (--limit ${options.limit})`));
    else if (sealed) out.line(warn(`Encrypted: ${SEALED_NOTE}.`));
    else if (hasEntries && failure === undefined) out.line(dim(`${read} entries`));
    if ('tornBytes' in header && typeof header['tornBytes'] === 'number' && header['tornBytes'] > 0) {
      out.line(warn(`torn tail: ${header['tornBytes']} bytes after offset ${String(header['validEnd'])} (a crash's incomplete last write; not damage)`));
    }
  }
  out.flush();
  if (failure !== undefined) {
    if (!options.json) process.stderr.write(`${bad(`sett dump: ${describeError(failure).message}`)}\n`);
    return EXIT.failed;
  }
  return EXIT.ok;
}

function printHeader(out: Out, path: string, kind: FileKind, size: number, header: Record<string, unknown>, options: ShowOptions): void {
  out.line(`${heading(path)}: ${KIND_NAMES[kind]}, ${showSize(size)}`);
  for (const [k, v] of Object.entries(jsonFields(header, options))) {
    if (k === 'levels' && typeof v === 'object' && v !== null) {
      for (const [level, tables] of Object.entries(v as Record<string, { table: string; compression: number; keyId: number }[]>)) {
        out.line(`  ${level}: ${tables.map((t) => t.table).join(', ')}`);
      }
    } else if (typeof v === 'object' && v !== null) {
      const parts = Object.entries(v as Record<string, unknown>).map(([a, b]) => `${a}: ${String(b)}`);
      out.line(`  ${k}: ${parts.length === 0 ? '(none)' : parts.join(', ')}`);
    } else out.line(`  ${k}: ${String(v)}`);
  }
}

/** Header fields with internal keys shown as `key@version`. */
function jsonFields(header: Record<string, unknown>, options: ShowOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(header)) out[k] = v instanceof Uint8Array ? showInternalKey(v as InternalKey, options) : v;
  return out;
}

function entryLine(e: DumpEntry, options: ShowOptions): string {
  const at = e.offset === undefined ? '' : `${String(e.offset).padStart(8)}  `;
  const extra = [e.userMeta !== 0 ? `userMeta=${e.userMeta}` : '', e.expiresAt !== 0 ? `expiresAt=${e.expiresAt}` : '', e.discardEarlierVersions ? 'discard-earlier' : ''].filter((s) => s !== '').join(' ');
  let what = '';
  if (e.op === 'ptr' && e.pointer !== undefined && e.value === undefined) what = `→ ${e.pointer.file} offset ${e.pointer.offset} length ${e.pointer.length}`;
  else if (e.value !== undefined) what = showValue(e.value, { ...options, maxChars: 80 });
  return `${at}${showBytes(e.key, options)}@${e.version}  ${e.op.padEnd(3)}  ${what}${extra === '' ? '' : `  ${dim(extra)}`}`;
}

function jsonEntry(e: DumpEntry, options: ShowOptions): Record<string, unknown> {
  const out: Record<string, unknown> = { key: showBytes(e.key, options), version: e.version, op: e.op };
  if (e.value !== undefined) out['value'] = showBytes(e.value, options);
  if (e.pointer !== undefined) out['pointer'] = e.pointer;
  if (e.offset !== undefined) out['offset'] = e.offset;
  if (e.userMeta !== 0) out['userMeta'] = e.userMeta;
  if (e.expiresAt !== 0) out['expiresAt'] = e.expiresAt;
  if (e.discardEarlierVersions) out['discardEarlierVersions'] = true;
  return out;
}
