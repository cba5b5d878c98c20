// FaultFS's file handle: every call passes the operation gate, then acts on the inode, which the
// handle holds directly so that it keeps working after its name is unlinked or replaced.

import type { FileHandle } from './file-system.js';
import { outOfRange } from './fault-errors.js';
import type { Inode } from './fault-file.js';
import { fail, SYSCALL, type FsOp, type OperationGate } from './fault-inject.js';

function checkIndex(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw outOfRange(what, value);
}

export class FaultFileHandle implements FileHandle {
  private closed = false;

  constructor(
    private readonly gate: OperationGate,
    readonly path: string,
    private readonly key: string,
    private readonly inode: Inode,
    private readonly writable: boolean,
  ) {}

  read(buf: Uint8Array, offset: number, length: number, position: number): number {
    this.enter('read');
    this.checkOpen('read');
    checkIndex('offset', offset);
    checkIndex('length', length);
    checkIndex('position', position);
    if (offset + length > buf.length) throw outOfRange('length', length);
    return this.inode.read(buf, offset, length, position);
  }

  append(data: Uint8Array): void {
    this.writeAt('append', data, this.inode.size);
  }

  write(data: Uint8Array, position: number): void {
    checkIndex('position', position);
    this.writeAt('write', data, position);
  }

  async sync(): Promise<void> {
    this.enter('sync');
    this.checkOpen('sync');
    this.inode.sync();
  }

  truncate(size: number): void {
    this.enter('truncate');
    this.checkOpen('truncate');
    checkIndex('size', size);
    if (!this.writable) fail('EINVAL', 'truncate', this.key); // as Linux's ftruncate on a read-only fd
    this.inode.truncate(size);
  }

  size(): number {
    this.enter('size');
    this.checkOpen('size');
    return this.inode.size;
  }

  close(): void {
    if (this.closed) return;
    const fault = this.gate.enter('close', this.key);
    this.closed = true; // close(2) releases the descriptor even when it reports an error
    if (fault !== undefined) throw fault.error(SYSCALL.close, this.key);
  }

  private writeAt(op: 'append' | 'write', data: Uint8Array, position: number): void {
    const fault = this.gate.enter(op, this.key);
    this.checkOpen(op);
    if (!this.writable) fail('EBADF', op, this.key);
    if (fault === undefined) {
      this.inode.write(data, position);
      return;
    }
    const landed = Math.min(fault.partialBytes, data.length);
    if (landed > 0) this.inode.write(data.subarray(0, landed), position);
    throw fault.error(SYSCALL[op], this.key);
  }

  private enter(op: FsOp): void {
    const fault = this.gate.enter(op, this.key);
    if (fault !== undefined) throw fault.error(SYSCALL[op], this.key);
  }

  private checkOpen(op: FsOp): void {
    if (this.closed) fail('EBADF', op, this.key);
  }
}
