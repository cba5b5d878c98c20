// `sett info DIR [--tables] [--json] [--hex] [--svg FILE] [--html FILE]`: the shape of a database
// directory, as `badger info` shows it: MANIFEST summary, levels (size, entries, key range,
// compression), value-log files with their discard ratio, WALs, missing / extra / empty files,
// totals and space amplification; --svg / --html draw it instead (info-picture.ts).
// Exit 0, or 1 when a file the database needs is missing or unreadable (the picture is still
// written, with what could be read). An encrypted database needs
// no key for its shape (data keys, levels, sizes, key ids); --key-file adds each table's entries,
// key range and compression.

import { databaseNames } from '../database.js';
import { EXIT, type ExitCode } from '../errors.js';
import { KEY_FILE_ENV, checkKey, type MasterKey } from '../keys.js';
import { Out, bad, dim, heading, renderTable, showInternalKey, showRatio, showSize, warn, type ShowOptions } from '../format.js';
import { collectInfo, type DirectoryInfo, type TableInfo } from './info-collect.js';

export interface InfoOptions extends ShowOptions {
  json: boolean;
  tables: boolean;
  key: MasterKey | undefined;
  /** Picture files to write (--svg, --html); the text report is then replaced by their paths. */
  svg?: string | undefined;
  html?: string | undefined;
}

export async function infoCommand(dir: string, options: InfoOptions): Promise<ExitCode> {
  // A wrong key (or a key for a plain database) is refused; no key is fine.
  const dataKeys = checkKey(dir, databaseNames(dir), options.key, { keyOptional: true });
  const info = await collectInfo(dir, dataKeys);
  const out = new Out();
  const damaged = info.missing.length > 0 || info.unreadable.length > 0;
  if (options.svg !== undefined || options.html !== undefined) {
    const { writePictures } = await import('./info-picture.js');
    const written = writePictures(info, { svg: options.svg, html: options.html }, dir);
    if (options.json) out.json(infoJson(info, options));
    else {
      for (const path of written) out.line(`wrote ${path}`);
      if (damaged) out.line(bad(`${info.missing.length} missing and ${info.unreadable.length} unreadable files: the picture shows what could be read (see sett info ${dir})`));
    }
  } else if (options.json) out.json(infoJson(info, options));
  else printInfo(out, info, options);
  out.flush();
  return damaged ? EXIT.failed : EXIT.ok;
}

function vlogRefs(t: TableInfo): Record<string, number> {
  return Object.fromEntries([...t.vlogBytes].map(([id, bytes]) => [String(id), bytes]));
}

export function infoJson(info: DirectoryInfo, show: ShowOptions): unknown {
  const key = (k: Uint8Array | undefined): string | null => (k === undefined ? null : showInternalKey(k, show));
  return {
    dir: info.dir,
    encryption: info.encryption,
    lock: info.lock === undefined ? { held: false } : { held: true, ...info.lock },
    manifest: info.manifest,
    discard: info.discard,
    levels: info.levels.map((l) => ({ ...l, smallest: key(l.smallest), largest: key(l.largest) })),
    tables: info.tables.map((t) => ({
      ...t,
      keys: t.keys ?? null,
      smallest: key(t.smallest),
      largest: key(t.largest),
      compression: t.compression ?? null,
      maxVersion: t.maxVersion ?? null,
      vlogBytes: vlogRefs(t),
    })),
    valueLog: info.vlogs,
    wal: info.wals,
    missing: info.missing,
    extra: info.extra,
    empty: info.empty,
    unreadable: info.unreadable,
    totals: info.totals,
  };
}

function lockLine(info: DirectoryInfo): string {
  const lock = info.lock;
  if (lock === undefined) return 'not held (stopped, or open read-only)';
  if (lock.alive === false) return warn(`left by PID ${lock.pid} on ${lock.host}, which no longer runs (the next open reclaims it)`);
  return `held by PID ${lock.pid} on ${lock.host}${lock.alive === true ? ' (live)' : ''}`;
}

/** Shown for what an encrypted table's properties hold when no key was given. */
const ENCRYPTED_CELL = '(encrypted)';

function encryptionLine(info: DirectoryInfo): string {
  const e = info.encryption;
  if (!e.encrypted) return 'none';
  if (e.error !== undefined) return bad(`encrypted; KEYREGISTRY unreadable: ${e.error}`);
  const newest = e.newestKeyCreatedAt === undefined ? '' : `, newest (id ${e.newestKeyId}) made ${e.newestKeyCreatedAt}`;
  const key = e.keyGiven ? 'key given' : `no key given: table contents not read (pass --key-file FILE or set ${KEY_FILE_ENV})`;
  return `encrypted (AES-CTR), ${e.dataKeys} data key${e.dataKeys === 1 ? '' : 's'}${newest}; ${key}`;
}

function printInfo(out: Out, info: DirectoryInfo, options: InfoOptions): void {
  const key = (k: Uint8Array | undefined): string => (k === undefined ? '' : showInternalKey(k, options));
  out.line(`${heading('Database')} ${info.dir}`);
  out.line(`Lock: ${lockLine(info)}`);
  const m = info.manifest;
  if ('error' in m) out.line(`MANIFEST: ${bad(m.error)}`);
  else out.line(`MANIFEST: ${showSize(m.bytes)}, ${m.records} records (${m.deletions} deletions), ${m.tables} tables${m.tornBytes > 0 ? warn(`, torn tail of ${m.tornBytes} bytes`) : ''}`);
  out.line(`Encryption: ${encryptionLine(info)}`);
  out.line(`DISCARD: ${!info.discard.present ? 'none' : info.discard.error === undefined ? 'present' : bad(`unreadable: ${info.discard.error}`)}`);

  out.line();
  out.line(heading('Levels'));
  const levels = info.levels.filter((l) => l.tables > 0 || l.level === 0);
  const sealed = (n: number, shown: string | number): string | number => (n === 0 ? shown : ENCRYPTED_CELL);
  out.line(
    renderTable(
      ['level', 'tables', 'size', 'entries', 'smallest', 'largest', 'compression'],
      levels.map((l) => [`L${l.level}`, l.tables, showSize(l.bytes), sealed(l.sealed, l.keys), sealed(l.sealed, key(l.smallest)), sealed(l.sealed, key(l.largest)), sealed(l.sealed, l.compression.join(', '))]),
      ['left', 'right', 'right', 'right', 'left', 'left', 'left'],
    ),
  );

  if (options.tables) {
    out.line();
    out.line(heading('Tables'));
    out.line(
      renderTable(
        ['file', 'level', 'size', 'key id', 'entries', 'smallest', 'largest', 'compression', 'max version', 'value-log refs'],
        info.tables.map((t) => [
          t.file,
          `L${t.level}`,
          showSize(t.bytes),
          t.keyId === 0 ? '-' : t.keyId,
          t.keys ?? ENCRYPTED_CELL,
          t.sealed ? ENCRYPTED_CELL : key(t.smallest),
          t.sealed ? ENCRYPTED_CELL : key(t.largest),
          t.compression ?? ENCRYPTED_CELL,
          t.maxVersion ?? ENCRYPTED_CELL,
          t.sealed ? ENCRYPTED_CELL : [...t.vlogBytes].map(([id, bytes]) => `${id}: ${showSize(bytes)}`).join(', '),
        ]),
        ['left', 'left', 'right', 'right', 'right', 'left', 'left', 'left', 'right', 'left'],
      ),
    );
  }

  out.line();
  out.line(heading('Value log'));
  if (info.vlogs.length === 0) out.line(dim('  no value-log files'));
  else {
    out.line(
      renderTable(
        ['file', 'size', 'discardable', 'discard ratio', 'referenced by tables'],
        info.vlogs.map((v) => [v.file, showSize(v.bytes), showSize(v.discardBytes), showRatio(v.discardRatio), showSize(v.referencedBytes)]),
        ['left', 'right', 'right', 'right', 'right'],
      ),
    );
  }

  out.line();
  out.line(heading('WAL'));
  if (info.wals.length === 0) out.line(dim('  no WAL files'));
  else out.line(renderTable(['file', 'size'], info.wals.map((w) => [w.file, showSize(w.bytes)]), ['left', 'right']));

  out.line();
  out.line(heading('Abnormalities'));
  const list = (names: readonly string[]): string => (names.length === 0 ? '' : `: ${names.join(', ')}`);
  out.line(`  ${info.missing.length} missing files${list(info.missing)}`);
  out.line(`  ${info.extra.length} extra files${list(info.extra)}`);
  out.line(`  ${info.empty.length} empty files${list(info.empty)}`);
  out.line(`  ${info.unreadable.length} unreadable files${list(info.unreadable.map((u) => u.file))}`);
  for (const u of info.unreadable) out.line(bad(`    ${u.file}: ${u.message}`));

  const t = info.totals;
  out.line();
  out.line(heading('Totals'));
  out.line(`  tables      ${showSize(t.tableBytes).padStart(10)}  ${info.tables.length} files, ${t.tableEntries} entries`);
  out.line(`  value log   ${showSize(t.vlogBytes).padStart(10)}  ${info.vlogs.length} files, ${showSize(t.vlogDiscardBytes)} discardable`);
  out.line(`  WAL         ${showSize(t.walBytes).padStart(10)}  ${info.wals.length} files`);
  out.line(`  other       ${showSize(t.otherBytes).padStart(10)}`);
  out.line(`  total       ${showSize(t.totalBytes).padStart(10)}`);
  out.line(`  space amplification ${t.spaceAmplification === 0 ? 'n/a' : `${t.spaceAmplification.toFixed(2)}x`} ${dim('(estimate: all bytes / (deepest level + value-log bytes not discardable))')}`);
}
