import { describe, expect, it } from 'vitest';
import { renderMarkdown, table } from '../../bench/harness/report/markdown.js';
import { axisDomain, escapeXml, renderRatioSvg } from '../../bench/harness/report/svg.js';
import { formatBytes, formatNs, formatRatio } from '../../bench/harness/report/format.js';
import { evaluateTargets } from '../../bench/harness/targets.js';
import { engineRun, result, runResults, sample } from './fixtures.js';

describe('renderMarkdown', () => {
  const md = renderMarkdown(sample());
  const lines = md.split('\n');

  it('prints one throughput row per workload with every engine and sett / peer ratios', () => {
    expect(lines).toContain('| workload | sett | LevelDB | RocksDB | LMDB | sett/LevelDB | sett/RocksDB | sett/LMDB |');
    expect(lines).toContain('| fillrandom | 200,000 | 100,000 | - | 400,000 | 2.00x | - | 0.50x |');
  });

  it('marks a result with a problem invalid and gives no ratio against it', () => {
    expect(lines).toContain('| readrandom | 400,000 | 100,000 | 50,000 (invalid) | 800,000 | 4.00x | - | 0.50x |');
    expect(md).toContain('INVALID: found 3 of 1000 existing keys');
  });

  it('prints every target with its ratio and PASS, MISS or n/a', () => {
    expect(lines).toContain('| fillrandom >= 1.0x LevelDB | 2.00x | PASS |  |');
    expect(lines).toContain('| readrandom >= 0.5x LMDB | 0.50x | PASS | sett getSync vs LMDB get (sync) |');
    expect(lines).toContain('| readseq >= 1.0x LevelDB | - | n/a |  |');
  });

  it('prints per-engine rows with latency percentiles, amplification, RSS and durability', () => {
    expect(lines).toContain('| fillrandom | sett | 200,000 | batch of 1000 | 1.50 µs | 25.0 µs | 3.00 ms | 1.50 | 2.00 | 100.0 MiB | sync: false |  |');
  });

  it('states the machine, the sizes and each engine\'s durability', () => {
    expect(md).toContain('Machine: Test CPU, 2 cores, 8.00 GiB RAM, linux 6 x64, node v20.0.0; load average at start 1 / 2 / 3.');
    expect(md).toContain('50,000 entries of 16-byte keys and 100-byte values');
    expect(md).toContain('| LevelDB | leveldb 1.0.0 | getSync | sync: false: not fsynced | sync: true: fsynced | 50.0 MiB |  |');
  });

  it('leaves out the ratio columns when sett did not run', () => {
    const md2 = renderMarkdown(runResults([engineRun('leveldb', [result('leveldb', 'readrandom', 1000)])], ['readrandom']));
    expect(md2.split('\n')).toContain('| workload | LevelDB |');
    expect(md2.split('\n')).toContain('| readrandom | 1,000 |');
  });

  it('escapes pipes inside cells', () => {
    expect(table(['a'], [['x|y']])).toBe('| a |\n|---|\n| x\\|y |');
  });
});

describe('renderRatioSvg', () => {
  const svg = renderRatioSvg(sample());

  it('is one svg element with a bar per valid ratio', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    // fillrandom: LevelDB 2x, LMDB 0.5x; readrandom: LevelDB 4x, LMDB 0.5x (RocksDB invalid).
    expect(svg.match(/<title>/g)?.length).toBe(4);
    expect(svg).toContain('<title>fillrandom: sett / LevelDB = 2.00x</title>');
    expect(svg).not.toContain('sett / RocksDB = ');
  });

  it('draws bars from the 1x line on a log2 axis: 4x twice as long as 2x, 0.5x as long as 2x', () => {
    const width = (title: string): number => {
      const m = new RegExp(`width="([\\d.]+)" height="10" fill="[^"]+"><title>${title.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}</title>`).exec(svg);
      expect(m, title).not.toBeNull();
      return Number(m![1]);
    };
    const two = width('fillrandom: sett / LevelDB = 2.00x');
    expect(width('readrandom: sett / LevelDB = 4.00x')).toBeCloseTo(2 * two, 0);
    expect(width('fillrandom: sett / LMDB = 0.50x')).toBeCloseTo(two, 0);
  });

  it('escapes text for XML', () => {
    expect(escapeXml('a<b & "c">')).toBe('a&lt;b &amp; &quot;c&quot;&gt;');
  });

  it('spans at least 0.5x..2x and widens to powers of two around the ratios', () => {
    expect(axisDomain([])).toEqual([-1, 1]);
    expect(axisDomain([1.2, 0.9])).toEqual([-1, 1]);
    expect(axisDomain([5, 0.1])).toEqual([-4, 3]);
    expect(axisDomain([NaN, Infinity, 0])).toEqual([-1, 1]);
  });
});

describe('evaluateTargets', () => {
  it('passes at the threshold, misses below it, and is n/a or INVALID when a side is missing or wrong', () => {
    const runs = [
      engineRun('sett', [result('sett', 'fillrandom', 100), result('sett', 'readseq', 99), result('sett', 'syncwrite64', 1000), result('sett', 'syncwrite1', 100)]),
      engineRun('leveldb', [result('leveldb', 'fillrandom', 100), result('leveldb', 'readseq', 100), result('leveldb', 'readrandom', 5, { problem: 'x' })]),
    ];
    const byLabel = new Map(evaluateTargets(runs).map((t) => [t.label, t]));
    expect(byLabel.get('fillrandom >= 1.0x LevelDB')).toMatchObject({ ratio: 1, status: 'PASS' });
    expect(byLabel.get('readseq >= 1.0x LevelDB')).toMatchObject({ ratio: 0.99, status: 'MISS' });
    expect(byLabel.get('syncwrite64 >= 10x syncwrite1')).toMatchObject({ ratio: 10, status: 'PASS' });
    expect(byLabel.get('syncwrite1 >= 1.0x LevelDB')!.status).toBe('n/a');
    const durable = [runs[0]!, engineRun('leveldb', [result('leveldb', 'syncwrite1', 125)])];
    expect(evaluateTargets(durable).find((t) => t.label === 'syncwrite1 >= 1.0x LevelDB')).toMatchObject({ ratio: 0.8, status: 'MISS' });
    expect(byLabel.get('readrandom >= 1.0x LevelDB')!.status).toBe('n/a');
    expect(byLabel.get('fill4k >= 2.0x LevelDB')!.status).toBe('n/a');
    const withSett = [engineRun('sett', [result('sett', 'readrandom', 10)]), runs[1]!];
    expect(evaluateTargets(withSett).find((t) => t.label === 'readrandom >= 1.0x LevelDB')!.status).toBe('INVALID');
  });
});

describe('formatting', () => {
  it('formats ratios, latencies and sizes for humans', () => {
    expect([formatRatio(0.456), formatRatio(12.34), formatRatio(456.7), formatRatio(undefined)]).toEqual(['0.46x', '12.3x', '457x', '-']);
    expect([formatNs(999), formatNs(1500), formatNs(25_000), formatNs(3_000_000), formatNs(2e9)]).toEqual(['999 ns', '1.50 µs', '25.0 µs', '3.00 ms', '2.00 s']);
    expect([formatBytes(512), formatBytes(1536), formatBytes(3 * 1048576)]).toEqual(['512 B', '1.5 KiB', '3.0 MiB']);
  });
});
