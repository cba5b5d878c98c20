// Shared by the backup tests: streams that collect or gate a backup, and dumps with metadata.

import { Readable, Writable } from 'node:stream';
import type { DB } from '../../src/db/index.js';
import { backup, type BackupOptions } from '../../src/db/backup.js';
import { load, type LoadOptions, type LoadResult } from '../../src/db/restore.js';
import { text } from './helpers.js';

/** A writable stream that keeps every chunk; `gateAt` holds the nth write's callback until release(). */
export class Collect extends Writable {
  readonly chunks: Buffer[] = [];
  writes = 0;
  private gate: { at: number; opened: Promise<void>; open: () => void; reached: Promise<void>; reach: () => void } | undefined;

  gateAt(n: number): { reached: Promise<void>; release: () => void } {
    let open!: () => void;
    let reach!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    const reached = new Promise<void>((r) => (reach = r));
    this.gate = { at: n, opened, open, reached, reach };
    return { reached, release: open };
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk));
    this.writes++;
    const g = this.gate;
    if (g !== undefined && this.writes === g.at) {
      g.reach();
      void g.opened.then(() => callback());
    } else {
      callback();
    }
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** The backup of `db` as bytes, and the version it reached. */
export async function backupBytes(db: DB, options: BackupOptions = {}): Promise<{ bytes: Buffer; reached: number }> {
  const out = new Collect();
  const reached = await backup(db, out, options);
  return { bytes: out.bytes(), reached };
}

/** A readable stream of `bytes` cut into pieces of `piece` bytes (the loader must reassemble them). */
export function streamOf(bytes: Uint8Array, piece = 4096): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += piece) parts.push(Buffer.from(bytes.subarray(i, i + piece)));
  return Readable.from(parts);
}

export function loadBytes(db: DB, bytes: Uint8Array, options: LoadOptions = {}, piece = 4096): Promise<LoadResult> {
  return load(db, streamOf(bytes, piece), options);
}

/** Every live entry with what a backup must keep: key, value, userMeta and absolute expiry. */
export function dumpMeta(db: DB): [string, string, number, number][] {
  const out: [string, string, number, number][] = [];
  for (const e of db.iterator({ meta: true })) out.push([text(e[0])!, text(e[1])!, e.userMeta!, e.expiresAt!]);
  return out;
}
