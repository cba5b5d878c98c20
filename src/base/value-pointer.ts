// Value pointer (docs/format.md §Value pointer): where a value that left the LSM tree lives.
//
//   +-------------+-------------+-------------+
//   | fileId u32  | offset u32  | length u32  |   all big-endian, 12 bytes
//   +-------------+-------------+-------------+

import { assert } from './assert.js';

export const VALUE_POINTER_BYTES = 12;

export class ValuePointer {
  constructor(
    readonly fileId: number,
    readonly offset: number,
    readonly length: number,
  ) {}

  encode(): Uint8Array {
    const out = new Uint8Array(VALUE_POINTER_BYTES);
    const view = new DataView(out.buffer);
    view.setUint32(0, this.fileId);
    view.setUint32(4, this.offset);
    view.setUint32(8, this.length);
    return out;
  }

  static decode(bytes: Uint8Array): ValuePointer {
    assert(bytes.length === VALUE_POINTER_BYTES, () => `value pointer of ${bytes.length} bytes, expected ${VALUE_POINTER_BYTES}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return new ValuePointer(view.getUint32(0), view.getUint32(4), view.getUint32(8));
  }
}
