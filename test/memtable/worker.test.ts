// A worker thread attaches to the SharedArrayBuffer of a filled skiplist and reads the same
// entries: the arena's header (used, count, height, max version) lives inside the buffer.

import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/index.js';
import { SkipList } from '../../src/memtable/index.js';
import { bytes, hex } from './helpers.js';

const compiledModule = fileURLToPath(new URL('../../dist/src/memtable/index.js', import.meta.url));
const fixture = new URL('./fixtures/iterate-skiplist.mjs', import.meta.url);

interface WorkerReport {
  count: number;
  sizeBytes: number;
  maxVersion: number;
  entries: [string, string][];
  reversed: string[];
  probe: { version: number; value: string } | null;
}

function runWorker(buffer: SharedArrayBuffer, probeKey: string, probeVersion: number): Promise<WorkerReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(fixture, {
      workerData: { buffer, moduleUrl: pathToFileURL(compiledModule).href, probeKey, probeVersion },
    });
    worker.once('message', (m: WorkerReport) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with code ${code}`));
    });
  });
}

describe('SkipList in a worker thread', () => {
  it('a worker attached to the buffer of a filled list iterates the same entries', async () => {
    if (!existsSync(compiledModule)) {
      throw new Error(`${compiledModule} is missing: the worker loads the compiled module; run \`npx tsc -p .\` (npm test builds first)`);
    }
    const seed = 20240611;
    const rng = new Rng(seed);
    const list = SkipList.create(1 << 20, seed);
    for (let i = 0; i < 2000; i++) {
      const key = bytes(`key-${rng.int(300)}`);
      list.put(key, 1 + rng.int(1_000_000), rng.bytes(rng.int(40)));
    }
    list.put(bytes('probe'), 7, bytes('seven'));
    list.put(bytes('probe'), 9, bytes('nine'));

    const report = await runWorker(list.buffer, 'probe', 8);

    const entries: [string, string][] = [];
    const it = list.iterator();
    for (it.seekToFirst(); it.valid(); it.next()) entries.push([hex(it.key()), hex(it.value())]);
    expect(report.count).toBe(list.count);
    expect(report.sizeBytes).toBe(list.sizeBytes());
    expect(report.maxVersion).toBe(list.maxVersion);
    expect(report.entries).toHaveLength(list.count);
    expect(report.entries).toEqual(entries);
    expect(report.reversed).toEqual(entries.map(([k]) => k).reverse());
    expect(report.probe).toEqual({ version: 7, value: hex(bytes('seven')) });
  });
});
