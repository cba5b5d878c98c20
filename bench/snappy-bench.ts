// `node dist/bench/snappy-bench.js [--rounds R]`: µs per 4 KiB block for snappy
// decompression (our decoder, snappyjs's for reference) on db_bench-like data blocks built by
// BlockBuilder the way TableBuilder cuts them (16-byte keys, 100-byte values of 50 random
// printable bytes then the same 50 again) and compressed by snappyjs as the table builder does.
// Best of R rounds, each decoding every block once; run in its own process.
//
// `--fresh-memory keep|drop`: instead, one pass over 25,000 distinct blocks in a fresh process,
// keeping every output (as a filling block cache does: each one lands on pages never touched
// before) or dropping it (the allocator reuses memory); prints CPU per block, system time apart.

import { uncompress as snappyjsUncompress } from 'snappyjs';
import { MAX_VERSION, Rng, encodeInternalKey, encodeValueStruct } from '../src/base/index.js';
import { BlockBuilder } from '../src/sstable/block-builder.js';
import { RESTART_INTERVAL } from '../src/sstable/format.js';
import * as snappy from '../src/sstable/snappy.js';
import { snappyCompress, snappyUncompress } from '../src/sstable/snappy.js';
import { parseArgs } from './lib/args.js';
import { DEFAULT_SEED, makeKeys, makeValues, range } from './lib/data.js';

const BLOCK_BYTES = 4096;

function makeBlocks(count: number): { raw: Uint8Array[]; packed: Uint8Array[] } {
  const rng = new Rng(DEFAULT_SEED + 7);
  const entries = count * 40;
  const keys = makeKeys(range(entries));
  const values = makeValues(entries, rng);
  const raw: Uint8Array[] = [];
  let b = new BlockBuilder(RESTART_INTERVAL, BLOCK_BYTES + BLOCK_BYTES / 4);
  for (let i = 0; i < entries && raw.length < count; i++) {
    b.add(encodeInternalKey(keys[i]!, MAX_VERSION - 1), encodeValueStruct({ meta: 0, userMeta: 0, expiresAt: 0, value: values[i]! }));
    if (b.estimatedSize() >= BLOCK_BYTES) {
      raw.push(b.finish().slice());
      b = new BlockBuilder(RESTART_INTERVAL, BLOCK_BYTES + BLOCK_BYTES / 4);
    }
  }
  return { raw, packed: raw.map((r) => snappyCompress(r)) };
}

function bestUs(packed: Uint8Array[], rounds: number, decode: (p: Uint8Array) => Uint8Array): number {
  let best = Infinity;
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (const p of packed) sink += decode(p).length;
    const ns = Number(process.hrtime.bigint() - t0);
    best = Math.min(best, ns / packed.length / 1000);
  }
  if (sink < 0) console.log(sink);
  return best;
}

const FRESH_MEMORY_BLOCKS = 25_000;

function freshMemory(mode: string): void {
  if (mode !== 'keep' && mode !== 'drop') throw new Error(`--fresh-memory takes keep or drop, got ${JSON.stringify(mode)}`);
  const { packed: distinct } = makeBlocks(500);
  // Copies, so every input is its own memory as a pread's would be.
  const packed = Array.from({ length: FRESH_MEMORY_BLOCKS }, (_, i) => distinct[i % distinct.length]!.slice());
  for (let i = 0; i < 2000; i++) snappyUncompress(distinct[i % distinct.length]!);
  const kept: Uint8Array[] = [];
  let sink = 0;
  const cpu0 = process.cpuUsage();
  for (const p of packed) {
    const out = snappyUncompress(p);
    if (mode === 'keep') kept.push(out);
    else sink += out.length;
  }
  const cpu = process.cpuUsage(cpu0);
  const us = (cpu.user + cpu.system) / FRESH_MEMORY_BLOCKS;
  console.log(`${mode}: ${us.toFixed(2)} us CPU per block, ${(cpu.system / FRESH_MEMORY_BLOCKS).toFixed(2)} of it system (${kept.length} kept, ${sink} bytes dropped)`);
}

function main(): void {
  const at = process.argv.indexOf('--fresh-memory');
  if (at >= 0) return freshMemory(process.argv[at + 1] ?? '');
  const args = parseArgs(process.argv.slice(2), ['--rounds']);
  const count = 2000;
  const rounds = args.rounds ?? 30;
  const { raw, packed } = makeBlocks(count);
  for (let i = 0; i < raw.length; i++) {
    const back = snappyUncompress(packed[i]!, raw[i]!.length);
    if (Buffer.compare(back, raw[i]!) !== 0) throw new Error(`block ${i} round trip differs`);
  }
  const rawBytes = raw.reduce((n, r) => n + r.length, 0);
  const packedBytes = packed.reduce((n, p) => n + p.length, 0);
  const ours = bestUs(packed, rounds, (p) => snappyUncompress(p));
  const theirs = bestUs(packed, rounds, (p) => snappyjsUncompress(p));
  // As the table reader does it: the stored block read into a reused scratch array behind room
  // for its output (here the copy into the scratch stands for the pread, and is timed).
  const scratch = new Uint8Array(64 << 10);
  const fromScratch = snappy.snappyUncompressFromScratch;
  const scratchUs =
    fromScratch === undefined
      ? NaN
      : bestUs(packed, rounds, (p) => {
          const at = scratch.length - p.length;
          scratch.set(p, at);
          return fromScratch(scratch, at, scratch.length);
        });
  const perBlock = rawBytes / raw.length;
  console.log(`${raw.length} blocks, ${perBlock.toFixed(0)} B each, ratio ${(packedBytes / rawBytes).toFixed(2)}`);
  console.log(`ours     ${ours.toFixed(2)} us/block  ${(perBlock / ours).toFixed(0)} MB/s`);
  console.log(`scratch  ${scratchUs.toFixed(2)} us/block  ${(perBlock / scratchUs).toFixed(0)} MB/s  (snappyUncompressFromScratch, input copied in)`);
  console.log(`snappyjs ${theirs.toFixed(2)} us/block  ${(perBlock / theirs).toFixed(0)} MB/s`);
}

main();
