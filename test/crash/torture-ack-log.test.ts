// The torture ack log and value encoding: records round-trip, a log cut anywhere (a child killed
// mid-append) reads as the records wholly before the cut, and damage before the end is an error.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeRecord, parseLog, type LogRecord } from '../../bench/torture/ack-log.js';
import { VALUE_HEADER_BYTES, makeValue, parseValueHeader } from '../../bench/torture/values.js';

const gen = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const op = fc.record({
  key: fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 40 }),
  del: fc.boolean(),
  size: fc.nat({ max: 0xffff_ffff }),
  aux: gen,
});
const record: fc.Arbitrary<LogRecord> = fc.oneof(
  fc.record({ type: fc.constant('ack' as const), gen }),
  fc.record({ type: fc.constant('issue' as const), what: fc.constantFrom('single' as const, 'batch' as const, 'counter' as const), gen, ops: fc.array(op, { minLength: 1, maxLength: 12 }) }),
);

describe('torture ack log', () => {
  it('round-trips any sequence of records', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 20 }), (records) => {
        const parsed = parseLog(Buffer.concat(records.map(encodeRecord)), 'log');
        expect(parsed.tornTailBytes).toBe(0);
        expect(parsed.records).toEqual(records);
      }),
    );
  });

  it('reads a log cut at any byte as the records wholly before the cut (a torn append is dropped)', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 10 }), fc.nat(), (records, cutSeed) => {
        const encoded = records.map(encodeRecord);
        const whole = Buffer.concat(encoded);
        const cut = cutSeed % (whole.length + 1);
        const parsed = parseLog(whole.subarray(0, cut), 'log');
        let complete = 0;
        let end = 0;
        while (complete < encoded.length && end + encoded[complete]!.length <= cut) end += encoded[complete++]!.length;
        expect(parsed.records).toEqual(records.slice(0, complete));
        expect(parsed.tornTailBytes).toBe(cut - end);
      }),
    );
  });

  it('drops a final record whose checksum fails, but reports one followed by more records', () => {
    const a = encodeRecord({ type: 'ack', gen: 1 });
    const b = encodeRecord({ type: 'issue', what: 'single', gen: 2, ops: [{ key: 's:1', del: false, size: 100, aux: 0 }] });
    const damaged = Buffer.from(b);
    damaged[damaged.length - 1]! ^= 0xff;
    expect(parseLog(Buffer.concat([a, damaged]), 'log')).toEqual({ records: [{ type: 'ack', gen: 1 }], tornTailBytes: damaged.length });
    expect(() => parseLog(Buffer.concat([damaged, a]), 'log')).toThrow(/log offset 0: checksum/);
  });

  it('reports a zero length as damage, not a tear', () => {
    expect(() => parseLog(Buffer.alloc(16), 'log')).toThrow(/record length 0/);
  });
});

describe('torture values', () => {
  it('carry their generation, aux and size, and are a pure function of them and the key', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), gen, gen, fc.integer({ min: VALUE_HEADER_BYTES, max: 5000 }), (key, g, aux, size) => {
        const value = makeValue(key, g, size, aux);
        expect(value.length).toBe(size);
        expect(parseValueHeader(value)).toEqual({ gen: g, aux, size });
        expect(makeValue(key, g, size, aux).equals(value)).toBe(true);
      }),
    );
  });

  it('differ between generations of a key and between keys of a generation', () => {
    expect(makeValue('k', 1, 200, 0).subarray(VALUE_HEADER_BYTES).equals(makeValue('k', 2, 200, 0).subarray(VALUE_HEADER_BYTES))).toBe(false);
    expect(makeValue('k', 1, 200, 0).equals(makeValue('j', 1, 200, 0))).toBe(false);
  });

  it('are told apart from foreign bytes', () => {
    expect(parseValueHeader(Buffer.from('short'))).toMatch(/shorter than/);
    expect(parseValueHeader(Buffer.alloc(40))).toMatch(/magic/);
    expect(parseValueHeader(makeValue('k', 1, 100, 0).subarray(0, 99))).toMatch(/header says 100 bytes/);
  });
});
