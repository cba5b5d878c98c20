// The real file system, on node:fs. The only module of sett that imports node:fs besides the lock.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { FileHandle, FileSystem, OpenFlags } from './file-system.js';

const fdatasync = promisify(fs.fdatasync);
const fsync = promisify(fs.fsync);
function writeAt(fd: number, buf: Uint8Array, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => fs.write(fd, buf, offset, length, position, (err, written) => (err === null ? resolve(written) : reject(err))));
}

// The interface's 'w' and 'wx' handles read as well as write (file-system.ts); node's 'w' and 'wx'
// open write-only, so reads through them failed with EBADF.
const NODE_FLAGS: Readonly<Record<OpenFlags, string>> = { r: 'r', 'r+': 'r+', w: 'w+', wx: 'wx+' };

class NodeFileHandle implements FileHandle {
  private end: number;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly fd: number,
  ) {
    this.end = fs.fstatSync(fd).size;
  }

  read(buf: Uint8Array, offset: number, length: number, position: number): number {
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, buf, offset + done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  append(data: Uint8Array): void {
    this.write(data, this.end);
  }

  async appendAsync(data: Uint8Array): Promise<void> {
    const position = this.end;
    this.end += data.length; // placed now: a later append goes after it
    let done = 0;
    while (done < data.length) done += await writeAt(this.fd, data, done, data.length - done, position + done);
  }

  write(data: Uint8Array, position: number): void {
    let done = 0;
    while (done < data.length) {
      done += fs.writeSync(this.fd, data, done, data.length - done, position + done);
    }
    if (position + data.length > this.end) this.end = position + data.length;
  }

  async sync(): Promise<void> {
    await fdatasync(this.fd);
  }

  truncate(size: number): void {
    fs.ftruncateSync(this.fd, size);
    this.end = size;
  }

  size(): number {
    return this.end;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}

export class NodeFS implements FileSystem {
  open(path: string, flags: OpenFlags): FileHandle {
    return new NodeFileHandle(path, fs.openSync(path, NODE_FLAGS[flags]));
  }

  exists(path: string): boolean {
    return fs.existsSync(path);
  }

  size(path: string): number {
    return fs.statSync(path).size;
  }

  rename(from: string, to: string): void {
    fs.renameSync(from, to);
  }

  unlink(path: string): void {
    fs.unlinkSync(path);
  }

  list(dir: string): string[] {
    return fs.readdirSync(dir).sort();
  }

  mkdir(dir: string): void {
    // Not `{ recursive: true }`: Node 20's recursive mkdirSync loops forever, holding the event
    // loop, when a parent can never be made (a path under /proc). Each level is tried once.
    try {
      fs.mkdirSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        if (fs.statSync(dir).isDirectory()) return;
        throw e;
      }
      const parent = path.dirname(dir);
      if (code !== 'ENOENT' || parent === dir) throw e;
      this.mkdir(parent);
      fs.mkdirSync(dir);
    }
  }

  async syncDir(dir: string): Promise<void> {
    // A directory fsync makes its entries (creates, renames, unlinks) durable. Windows cannot
    // open a directory for syncing; there the rename itself is as durable as it gets.
    if (process.platform === 'win32') return;
    const fd = fs.openSync(dir, 'r');
    try {
      await fsync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}

export const nodeFS: FileSystem = new NodeFS();

/**
 * Whether `fs` reaches real files, which other processes can open too: then a database on it takes
 * the directory lock. Any NodeFS does, not only the default `nodeFS` (a user-made `new NodeFS()`
 * once skipped the lock, and two processes could open one directory); FaultFS and other in-memory
 * file systems exist only in this process.
 */
export function onRealFiles(fs: FileSystem): boolean {
  return fs instanceof NodeFS;
}
