import { describe, expect, it } from 'vitest';
import { ArgumentError, DEFAULT_SEED, parseHarnessArgs } from '../../bench/harness/cli.js';
import { ENGINE_NAMES } from '../../bench/harness/engines/engine.js';
import { WORKLOAD_NAMES } from '../../bench/harness/workloads.js';
import { batchEntries, makePlan } from '../../bench/harness/plan.js';

describe('parseHarnessArgs', () => {
  it('defaults to every engine, every workload, the default seed', () => {
    const a = parseHarnessArgs([]);
    expect(a.engines).toEqual([...ENGINE_NAMES]);
    expect(a.workloads).toEqual([...WORKLOAD_NAMES]);
    expect(a).toMatchObject({ quick: false, num: undefined, valueSize: undefined, seed: DEFAULT_SEED, help: false });
  });

  it('reads every option, with = or a separate value, k/M suffixes and underscores', () => {
    const a = parseHarnessArgs(['--quick', '--engines=sett,lmdb', '--workloads', 'readseq,fillrandom', '--num', '250k', '--value-size=4_096', '--seed', '7', '--out', '/tmp/x']);
    expect(a).toMatchObject({ quick: true, engines: ['sett', 'lmdb'], num: 250_000, valueSize: 4096, seed: 7, outDir: '/tmp/x' });
    // Workloads come back in run order, whatever order they were given in.
    expect(a.workloads).toEqual(['fillrandom', 'readseq']);
    expect(parseHarnessArgs(['--num', '2M']).num).toBe(2_000_000);
  });

  it('expands workload groups without duplicates', () => {
    expect(parseHarnessArgs(['--workloads', 'syncwrite,syncwrite1']).workloads).toEqual(['syncwrite1', 'syncwrite16', 'syncwrite64']);
    expect(parseHarnessArgs(['--workloads', 'ycsb']).workloads).toEqual(['ycsb-a', 'ycsb-b', 'ycsb-c', 'ycsb-f', 'ycsb-d', 'ycsb-e']);
  });

  const errors: [string[], RegExp][] = [
    [['--bogus'], /unknown argument "--bogus"/],
    [['--quik'], /unknown argument "--quik"/],
    [['extra'], /unknown argument "extra"/],
    [['--num'], /--num needs a value/],
    [['--num', '--quick'], /--num needs a value/],
    [['--num', 'ten'], /--num needs a whole number, got "ten"/],
    [['--num', '0'], /--num must be between 1 and/],
    [['--num', '1.5'], /--num needs a whole number/],
    [['--value-size', '2M'], /--value-size must be between 1 and 1,048,576/],
    [['--engines', 'sett,mongodb'], /unknown engine "mongodb" in --engines; known: sett, leveldb, rocksdb, lmdb/],
    [['--engines', 'sett,,lmdb'], /--engines has an empty item/],
    [['--workloads', 'readrandom,fillfast'], /unknown workload "fillfast" in --workloads/],
    [['--out='], /--out needs a directory/],
  ];
  for (const [argv, message] of errors) {
    it(`rejects ${JSON.stringify(argv)} with an ArgumentError saying what is wrong`, () => {
      expect(() => parseHarnessArgs(argv)).toThrow(ArgumentError);
      expect(() => parseHarnessArgs(argv)).toThrow(message);
    });
  }
});

describe('makePlan', () => {
  it('sizes --quick small and caps reads, seeks, durable puts and YCSB operations', () => {
    const quick = makePlan({ quick: true, num: undefined, valueSize: undefined, seed: 1 });
    expect(quick).toMatchObject({ num: 100_000, valueBytes: 100, reads: 100_000, seeks: 10_000, deletes: 50_000, syncOps: 2_000 });
    const big = makePlan({ quick: false, num: 10_000_000, valueSize: 200, seed: 1 });
    expect(big.reads).toBeLessThan(big.num);
    expect(big.valueBytes).toBe(200);
    expect(big.fill4kEntries * 4096).toBeLessThanOrEqual(256 << 20);
  });

  it('batches fills by at most 1000 entries and about 1 MiB', () => {
    expect(batchEntries(100)).toBe(1000);
    expect(batchEntries(4096)).toBe(255);
    expect(batchEntries(65536)).toBe(15);
    expect(batchEntries(1 << 20)).toBe(1);
  });
});
