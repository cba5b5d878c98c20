// How the CLI shows bytes, keys, sizes and tables, and how it writes to stdout.
//
// Keys and values: printable ASCII is shown as text; anything else as `0x` + hex. A printable key
// that itself starts with "0x" is shown as hex too, so what sett prints is never ambiguous, and
// parseBytesArg() reads back exactly what it prints (`sett get DIR 0x00ff03`).

import { createRequire } from 'node:module';
import pc from 'picocolors';
import { userKeyOf, versionOf, type InternalKey } from '../base/index.js';

export interface ShowOptions {
  /** Show every key and value as hex. */
  hex: boolean;
}

function isPrintable(bytes: Uint8Array): boolean {
  if (bytes.length >= 2 && bytes[0] === 0x30 && bytes[1] === 0x78) return false; // "0x..."
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** Text when printable (and not forced to hex), else 0x-prefixed hex. The empty key is "". */
export function showBytes(bytes: Uint8Array, options: ShowOptions): string {
  if (!options.hex && isPrintable(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return '0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** A value for a text listing: shown like a key, cut after `maxChars` with the total size noted. */
export function showValue(bytes: Uint8Array, options: ShowOptions & { maxChars: number }): string {
  const shown = showBytes(bytes, options);
  if (shown.length <= options.maxChars) return shown;
  return `${shown.slice(0, options.maxChars)}… (${bytes.length} bytes)`;
}

/** `user-key@version`, the user key shown as showBytes does. */
export function showInternalKey(key: InternalKey, options: ShowOptions): string {
  return `${showBytes(userKeyOf(key), options)}@${versionOf(key)}`;
}

/** Reads a key or prefix given on the command line: `0x` + an even number of hex digits is bytes, anything else is UTF-8 text. */
export function parseBytesArg(arg: string): Uint8Array {
  if (/^0x(?:[0-9a-fA-F]{2})+$/.test(arg)) return Uint8Array.from(Buffer.from(arg.slice(2), 'hex'));
  return Uint8Array.from(Buffer.from(arg, 'utf8'));
}

// Colours only on a terminal (picocolors alone also turns them on whenever CI is set, which would
// put escape codes into piped output).
const colorsWanted =
  process.env['NO_COLOR'] === undefined &&
  !process.argv.includes('--no-color') &&
  (process.env['FORCE_COLOR'] !== undefined || (process.stdout.isTTY === true && process.env['TERM'] !== 'dumb'));
const colors = pc.createColors(colorsWanted);

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB". */
export function showSize(bytes: number): string {
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < UNITS.length - 1) {
    n /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${n.toFixed(n < 10 ? 2 : 1)} ${UNITS[u]}`;
}

export function showRatio(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

export type Align = 'left' | 'right';

// Loaded on first use: JSON output never needs it, and every subprocess start counts.
const require = createRequire(import.meta.url);
let TableClass: typeof import('cli-table3') | undefined;

/** A bordered table; the header in bold (when colours are on). */
export function renderTable(head: readonly string[], rows: readonly (readonly (string | number)[])[], aligns?: readonly Align[]): string {
  TableClass ??= require('cli-table3') as typeof import('cli-table3');
  const table = new TableClass({
    head: head.map((h) => colors.bold(h)),
    style: { head: [], border: [], compact: true },
    ...(aligns === undefined ? {} : { colAligns: [...aligns] }),
  });
  for (const row of rows) table.push(row.map((c) => (typeof c === 'number' ? String(c) : c)));
  return table.toString();
}

/** Buffered stdout: long listings are written in large chunks, not a syscall per line. */
export class Out {
  private parts: string[] = [];
  private bytes = 0;

  line(text = ''): void {
    this.write(text);
    this.write('\n');
  }

  write(text: string): void {
    this.parts.push(text);
    this.bytes += text.length;
    if (this.bytes >= 64 * 1024) this.flush();
  }

  json(value: unknown): void {
    this.line(JSON.stringify(value, null, 2));
  }

  flush(): void {
    if (this.parts.length === 0) return;
    process.stdout.write(this.parts.join(''));
    this.parts = [];
    this.bytes = 0;
  }
}

export const heading = (text: string): string => colors.bold(text);
export const bad = (text: string): string => colors.red(text);
export const good = (text: string): string => colors.green(text);
export const warn = (text: string): string => colors.yellow(text);
export const dim = (text: string): string => colors.dim(text);
