// The ack log: the torture child's record of what it issued and what the engine acknowledged,
// appended with writeSync to a file opened 'a'. A SIGKILL loses no completed write(2) (the page
// cache belongs to the kernel), but it can cut the record being appended: records are framed and
// checksummed so the reader drops a torn final record and rejects damage anywhere else.
//
// One record:
//
//   0          4          8
//   +----------+----------+------------------------------+
//   | len u32  | crc u32  | payload (len bytes)          |
//   +----------+----------+------------------------------+
//
//   crc = CRC-32 (IEEE) of the 4 length bytes followed by the payload. Big-endian integers.
//
//   payload, ISSUE (type 1), written BEFORE the write is handed to the engine:
//     u8 type | u8 what (1 single, 2 batch, 3 counter) | u64 gen | u16 count |
//     count x { u8 flags (1 = delete) | u16 keyLen | key (latin1) | u32 size | u64 aux }
//   payload, ACK (type 2), written AFTER the engine's promise resolved:
//     u8 type | u64 gen
//
// Because the ISSUE record is complete before the engine sees the write, every write that can be
// in the database is in the log; a write whose ACK is in the log was acknowledged.

import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { crc32, hex32 } from '../../src/base/index.js';

export type WriteKind = 'single' | 'batch' | 'counter';

export interface LoggedOp {
  key: string;
  del: boolean;
  /** Value length in bytes (0 for a delete). */
  size: number;
  /** The counter's value for the counter key, else 0. */
  aux: number;
}

export interface IssueRecord {
  type: 'issue';
  what: WriteKind;
  gen: number;
  ops: LoggedOp[];
}

export interface AckRecord {
  type: 'ack';
  gen: number;
}

export type LogRecord = IssueRecord | AckRecord;

const TYPE_ISSUE = 1;
const TYPE_ACK = 2;
const WHAT_CODES: Record<WriteKind, number> = { single: 1, batch: 2, counter: 3 };
const WHAT_NAMES: readonly (WriteKind | undefined)[] = [undefined, 'single', 'batch', 'counter'];
const FRAME_BYTES = 8;
/** No record is near this: a larger length is damage, not a record. */
const maxRecordBytes = 1 << 20;

function putU64(view: DataView, offset: number, n: number): void {
  view.setUint32(offset, Math.floor(n / 0x1_0000_0000));
  view.setUint32(offset + 4, n >>> 0);
}

function getU64(view: DataView, offset: number): number {
  return view.getUint32(offset) * 0x1_0000_0000 + view.getUint32(offset + 4);
}

function payloadBytes(record: LogRecord): number {
  if (record.type === 'ack') return 1 + 8;
  let n = 1 + 1 + 8 + 2;
  for (const op of record.ops) n += 1 + 2 + op.key.length + 4 + 8;
  return n;
}

/** The framed bytes of one record. */
export function encodeRecord(record: LogRecord): Buffer {
  const len = payloadBytes(record);
  const out = Buffer.alloc(FRAME_BYTES + len);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, len);
  let o = FRAME_BYTES;
  if (record.type === 'ack') {
    out[o++] = TYPE_ACK;
    putU64(view, o, record.gen);
  } else {
    if (record.ops.length > 0xffff) throw new RangeError(`${record.ops.length} ops in one record`);
    out[o++] = TYPE_ISSUE;
    out[o++] = WHAT_CODES[record.what];
    putU64(view, o, record.gen);
    o += 8;
    view.setUint16(o, record.ops.length);
    o += 2;
    for (const op of record.ops) {
      out[o++] = op.del ? 1 : 0;
      view.setUint16(o, op.key.length);
      o += 2;
      o += out.write(op.key, o, 'latin1');
      view.setUint32(o, op.size);
      o += 4;
      putU64(view, o, op.aux);
      o += 8;
    }
  }
  view.setUint32(4, frameCrc(out, 0, len));
  return out;
}

function frameCrc(buf: Uint8Array, offset: number, len: number): number {
  return crc32(buf.subarray(offset + FRAME_BYTES, offset + FRAME_BYTES + len), crc32(buf.subarray(offset, offset + 4)));
}

function decodePayload(buf: Buffer, start: number, end: number, where: string): LogRecord {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let o = start;
  const need = (n: number): void => {
    if (o + n > end) throw new Error(`${where}: record payload ends early`);
  };
  need(1);
  const type = buf[o++];
  if (type === TYPE_ACK) {
    need(8);
    return { type: 'ack', gen: getU64(view, o) };
  }
  if (type !== TYPE_ISSUE) throw new Error(`${where}: unknown record type ${type}`);
  need(1 + 8 + 2);
  const what = WHAT_NAMES[buf[o++]!];
  if (what === undefined) throw new Error(`${where}: unknown write kind ${buf[o - 1]}`);
  const gen = getU64(view, o);
  o += 8;
  const count = view.getUint16(o);
  o += 2;
  const ops: LoggedOp[] = [];
  for (let i = 0; i < count; i++) {
    need(3);
    const del = buf[o++] === 1;
    const keyLen = view.getUint16(o);
    o += 2;
    need(keyLen + 12);
    const key = buf.toString('latin1', o, o + keyLen);
    o += keyLen;
    const size = view.getUint32(o);
    o += 4;
    const aux = getU64(view, o);
    o += 8;
    ops.push({ key, del, size, aux });
  }
  if (o !== end) throw new Error(`${where}: ${end - o} bytes after the last op`);
  return { type: 'issue', what, gen, ops };
}

export interface ParsedLog {
  records: LogRecord[];
  /** Bytes of a torn final record (killed mid-append), dropped. */
  tornTailBytes: number;
}

/**
 * Every record of a log. A final record that is cut short or fails its checksum is a torn
 * append and is dropped; a bad record followed by more bytes is damage and throws.
 */
export function parseLog(buf: Buffer, name: string): ParsedLog {
  const records: LogRecord[] = [];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let o = 0;
  while (o < buf.length) {
    const torn = { records, tornTailBytes: buf.length - o };
    if (o + FRAME_BYTES > buf.length) return torn;
    const len = view.getUint32(o);
    if (len === 0 || len > maxRecordBytes) {
      // A torn append leaves a prefix of a record, whose length field is whole: a zero or absurd
      // length is damage, not a tear.
      throw new Error(`${name} offset ${o}: record length ${len} is not a record`);
    }
    if (o + FRAME_BYTES + len > buf.length) return torn;
    const stored = view.getUint32(o + 4);
    const actual = frameCrc(buf, o, len);
    if (stored !== actual) {
      if (o + FRAME_BYTES + len === buf.length) return torn;
      throw new Error(`${name} offset ${o}: checksum ${hex32(actual)} != ${hex32(stored)} with ${buf.length - o - FRAME_BYTES - len} bytes after it`);
    }
    records.push(decodePayload(buf, o + FRAME_BYTES, o + FRAME_BYTES + len, `${name} offset ${o}`));
    o += FRAME_BYTES + len;
  }
  return { records, tornTailBytes: 0 };
}

export function readLog(path: string): ParsedLog {
  return parseLog(readFileSync(path), path);
}

/** The child's appender: every call is one write(2) of one whole record. */
export class AckLogWriter {
  private fd: number | undefined;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  append(record: LogRecord): void {
    if (this.fd === undefined) throw new Error(`ack log ${this.path} is closed`);
    const bytes = encodeRecord(record);
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
