// The per-kind readers of `sett dump`: each reads one file with the engine's own reader for it
// (so dump checks exactly what the database checks) and hands every entry to a sink.
//
// Encrypted tables, WALs and value-log files are read with `keys` (the data keys of the database
// the file belongs to). Without them a reader shows what is plaintext — the header (key id), sizes,
// record and entry counts — after checking every CRC it can (they cover the encrypted bytes), and
// marks the header `sealed`.

import { isSettError, META_DELETE, META_DISCARD_EARLIER_VERSIONS, META_VALUE_POINTER, ValuePointer, decodeValueStruct, userKeyOf, versionOf, type Entry } from '../../base/index.js';
import { decodeKeyRegistry, type DataKeySource } from '../../crypto/index.js';
import { readAll } from '../../fs/index.js';
import { MANIFEST_FILE, Manifest } from '../../manifest/index.js';
import { FOOTER_BYTES, Table, decodeFooter, verifyTable, type TableIterator } from '../../sstable/index.js';
import { replayWal } from '../../wal/index.js';
import { ValueLog, decodeDiscard, verifyVlogFile, vlogFileName } from '../../vlog/index.js';
import { CliError, EXIT } from '../errors.js';
import { summarizeKeyRegistry, wrongKey, type MasterKey } from '../keys.js';
import { ReadOnlyFS, VIEW_DIR, singleFileView } from '../fs-views.js';

/** Every reader here opens files through it: dump never changes a file. */
const fs = new ReadOnlyFS();

/** Part of the on-disk formats (docs/format.md): the 8-byte magic each file kind starts with. */
export const MAGICS = {
  table: 'sett.sst',
  wal: 'SETT.WAL',
  vlog: 'SETTVLOG',
  manifest: 'SETTMANF',
  discard: 'SETTDISC',
  backup: 'SETTBKUP',
  keyregistry: 'SETTKEYS',
} as const;

/** Byte 10..13 of a table (format version 2), WAL or value-log header: the data key id, 0 = plain. */
const KEY_ID_OFFSET = 10;
const TABLE_FORMAT_VERSION_ENCRYPTED = 2;

/** The data key id a table, WAL or value-log file names in its header (0: not encrypted). */
export function keyIdOf(path: string, kind: FileKind): number {
  const head = readHead(path, 14);
  if (kind === 'table' && u16(head, 8) !== TABLE_FORMAT_VERSION_ENCRYPTED) return 0;
  if (kind !== 'table' && kind !== 'wal' && kind !== 'vlog') return 0;
  return u32(head, KEY_ID_OFFSET) ?? 0;
}

export type FileKind = keyof typeof MAGICS;

/** One entry as dump shows it: `op` from the meta bits; a pointer instead of a value for `ptr`. */
export interface DumpEntry {
  key: Uint8Array;
  version: number;
  op: 'put' | 'del' | 'ptr';
  value?: Uint8Array;
  pointer?: { file: string; offset: number; length: number };
  userMeta: number;
  expiresAt: number;
  discardEarlierVersions: boolean;
  /** Where it is: the WAL record's or value-log entry's offset. */
  offset?: number;
}

export interface DumpSink {
  header(fields: Record<string, unknown>): void;
  /** Returns false to stop reading (--limit reached). */
  entry(e: DumpEntry): boolean;
}

function entryOf(key: Uint8Array, version: number, meta: number, userMeta: number, expiresAt: number, value: Uint8Array, offset?: number): DumpEntry {
  const e: DumpEntry = { key, version, op: 'put', userMeta, expiresAt, discardEarlierVersions: (meta & META_DISCARD_EARLIER_VERSIONS) !== 0 };
  if ((meta & META_DELETE) !== 0) e.op = 'del';
  else if ((meta & META_VALUE_POINTER) !== 0 && value.length === 12) {
    const p = ValuePointer.decode(value);
    e.op = 'ptr';
    e.pointer = { file: vlogFileName(p.fileId), offset: p.offset, length: p.length };
  } else e.value = value;
  if (offset !== undefined) e.offset = offset;
  return e;
}

export function idFromName(name: string, suffix: string): number | undefined {
  const m = /^(\d+)\./.exec(name);
  return m !== null && name.endsWith(suffix) ? Number(m[1]) : undefined;
}

export function dumpTable(path: string, name: string, sink: DumpSink, keys: DataKeySource | undefined): void {
  const id = idFromName(name, '.sst') ?? 0;
  if (keys === undefined && keyIdOf(path, 'table') !== 0) {
    // Header, footer and the meta blocks' CRCs; the properties and every entry are encrypted.
    const size = fs.size(path);
    const footer = decodeFooter(name, size, readHead(path, 34), readRange(path, size - FOOTER_BYTES, FOOTER_BYTES));
    verifyTable(fs, path, id);
    sink.header({
      formatVersion: footer.formatVersion,
      keyId: footer.header.keyId,
      dataBytes: footer.index.offset - footer.header.headerBytes,
      indexBytes: footer.index.size,
      filterBytes: footer.filter.size,
      propertiesBytes: footer.properties.size,
      sealed: true,
    });
    return;
  }
  const table = Table.open(fs, path, id, { verifyChecksums: true, keys });
  let it: TableIterator | undefined;
  try {
    const p = table.properties;
    sink.header({
      formatVersion: p.formatVersion,
      ...(p.keyId === 0 ? {} : { keyId: p.keyId }),
      count: p.count,
      maxVersion: p.maxVersion,
      compression: p.compression,
      smallest: p.smallest,
      largest: p.largest,
      dataBytes: p.dataBytes,
      indexBytes: p.indexBytes,
      filterBytes: p.filterBytes,
      vlogBytes: Object.fromEntries([...p.vlogBytes].map(([id, bytes]) => [vlogFileName(id), bytes])),
    });
    it = table.iterator();
    for (it.seekToFirst(); it.valid(); it.next()) {
      const key = it.key();
      const v = decodeValueStruct(it.value(), name);
      if (!sink.entry(entryOf(userKeyOf(key).slice(), versionOf(key), v.meta, v.userMeta, v.expiresAt, v.value.slice()))) break;
    }
  } finally {
    it?.close();
    table.close();
  }
}

export function dumpWal(path: string, sink: DumpSink, keys: DataKeySource | undefined): void {
  const head = readHead(path, 14);
  sink.header({ formatVersion: u16(head, 8), keyId: u32(head, 10) });
  if (keys === undefined && (u32(head, KEY_ID_OFFSET) ?? 0) !== 0) {
    // Every record's CRCs (they cover the encrypted payload); the entries are not decoded.
    const result = replayWal(fs, path, () => true, { checksumsOnly: true });
    sink.header({ records: result.batches, validEnd: result.validEnd, tornBytes: result.tornBytes, sealed: true });
    return;
  }
  let stopped = false;
  const result = replayWal(fs, path, (entries: Entry[], recordOffset: number) => {
    for (const e of entries) {
      if (!sink.entry(entryOf(e.key, e.version, e.meta, e.userMeta, e.expiresAt, e.value, recordOffset))) {
        stopped = true;
        return false;
      }
    }
    return true;
  }, keys === undefined ? {} : { keys });
  sink.header({ records: result.batches, validEnd: result.validEnd, tornBytes: stopped ? 0 : result.tornBytes });
}

export async function dumpVlog(path: string, name: string, sink: DumpSink, keys: DataKeySource | undefined): Promise<void> {
  const id = idFromName(name, '.vlog');
  if (id === undefined) {
    // Each entry's checksum covers the file id, which only the name carries (docs/format.md §VLOG.entry).
    throw new CliError(`${name}: a value-log file must keep its NNNNNN.vlog name to be read (its id is part of every entry's checksum)`, EXIT.usage);
  }
  const head = readHead(path, 14);
  if (keys === undefined && (u32(head, KEY_ID_OFFSET) ?? 0) !== 0) {
    // Every entry's CRCs (they cover the encrypted body, and the file id and offset); nothing decoded.
    const check = verifyVlogFile(fs, path, id, true);
    sink.header({ formatVersion: u16(head, 8), keyId: u32(head, 10), entryCount: check.entries, validEnd: check.bytes - check.tornBytes, tornBytes: check.tornBytes, sealed: true });
    return;
  }
  const log = await ValueLog.open(singleFileView(path, vlogFileName(id)), VIEW_DIR, {
    ...(keys === undefined ? {} : { keys }),
    fileSizeBytes: 0xffff_ffff,
    readOnly: true,
    verifyChecksums: true,
    newFileId: () => {
      throw new CliError('dump never creates files', EXIT.failed);
    },
  });
  try {
    sink.header({ formatVersion: u16(head, 8), keyId: u32(head, 10), validEnd: log.validEnd(id), tornBytes: log.tornBytes });
    for (const { entry, pointer } of log.entries(id)) {
      if (!sink.entry({ ...entryOf(entry.key, entry.version, entry.meta & ~META_VALUE_POINTER, entry.userMeta, entry.expiresAt, entry.value, pointer.offset), pointer: { file: name, offset: pointer.offset, length: pointer.length } })) break;
    }
  } finally {
    log.close();
  }
}

export async function dumpManifest(path: string, sink: DumpSink): Promise<void> {
  const { manifest, state, tornBytes } = await Manifest.open(singleFileView(path, MANIFEST_FILE), VIEW_DIR, { readOnly: true });
  const stats = manifest.stats();
  manifest.close();
  const levels: Record<string, { table: string; compression: number; keyId: number }[]> = {};
  const tables = [...state.tables.values()].sort((a, b) => a.level - b.level || a.tableId - b.tableId);
  for (const t of tables) {
    (levels[`L${t.level}`] ??= []).push({ table: String(t.tableId).padStart(6, '0') + '.sst', compression: t.compression, keyId: t.keyId });
  }
  sink.header({ records: stats.records, deletions: stats.deletions, validEnd: stats.fileBytes, tornBytes, tables: state.tables.size, levels });
}

export function dumpDiscard(path: string, name: string, sink: DumpSink): void {
  const decoded = decodeDiscard(readAll(fs, path));
  if (typeof decoded === 'string') throw new CliError(`${name}: ${decoded}`, EXIT.failed, 'CORRUPTION');
  sink.header({ files: decoded.size, discardableBytes: Object.fromEntries([...decoded].map(([id, bytes]) => [vlogFileName(id), bytes])) });
}

/**
 * KEYREGISTRY: its plaintext (version, each data key's id, creation time and length; every CRC
 * checked). With `key`, also whether it is the registry's master key (WRONG_KEY, exit 1, if not).
 * The data keys themselves are never shown.
 */
export function dumpKeyRegistry(path: string, sink: DumpSink, key: MasterKey | undefined): void {
  const bytes = readAll(fs, path);
  const summary = summarizeKeyRegistry(bytes);
  sink.header({
    formatVersion: summary.version,
    dataKeys: summary.keys.length,
    keys: Object.fromEntries(summary.keys.map((k) => [`id ${k.id}`, `${k.keyBytes * 8}-bit, made ${new Date(k.createdAtMs).toISOString()}`])),
  });
  if (key === undefined) return;
  try {
    decodeKeyRegistry(bytes, key.bytes);
  } catch (err) {
    if (isSettError(err, 'WRONG_KEY')) throw wrongKey(path, key);
    throw err;
  }
  sink.header({ keyMatches: true });
}

export function readHead(path: string, n: number): Uint8Array {
  return readRange(path, 0, n);
}

function readRange(path: string, position: number, n: number): Uint8Array {
  const file = fs.open(path, 'r');
  try {
    const buf = new Uint8Array(n);
    const got = file.read(buf, 0, n, Math.max(0, position));
    return buf.subarray(0, got);
  } finally {
    file.close();
  }
}

function u16(b: Uint8Array, at: number): number | undefined {
  return b.length >= at + 2 ? (b[at]! << 8) | b[at + 1]! : undefined;
}

function u32(b: Uint8Array, at: number): number | undefined {
  return b.length >= at + 4 ? ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0 : undefined;
}
