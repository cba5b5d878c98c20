// `npm run demo`, the quick start's main job: open a data directory under the working
// directory, write 1,000,000 keys in batches, read a sample back, close, reopen, verify every
// key, and print throughput and the shape of the directory, and draw it (`sett info --svg`) into
// <dir>-tree.svg beside the directory. Then the table layer, shorter than
// `npm run demo:tables`: 100,000 rows (SETT_DEMO_TABLES_ROWS; 0 skips it) in a sibling directory.

import { performance } from 'node:perf_hooks';
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { open } from '../src/index.js';
import { collectInfo } from '../src/cli/commands/info-collect.js';
import { DEFAULT_TARGETS, DEFAULT_TARGETS_NOTE } from '../src/cli/commands/info-picture.js';
import { drawTree } from '../src/cli/picture/index.js';
import { TABLES_DEMO_DIR, runTablesDemo } from './demo-tables.js';

const ENTRIES = Number(process.env['SETT_DEMO_ENTRIES'] ?? 1_000_000);
const TABLE_ROWS = Number(process.env['SETT_DEMO_TABLES_ROWS'] ?? 100_000);
const BATCH = 1000;
const dir = path.resolve(process.argv[2] ?? 'sett-data');

const key = (i: number): string => `key${String(i).padStart(12, '0')}`; // 15 B
const value = (i: number): string => `value-${String(i).padStart(10, '0')}-`.padEnd(100, 'x'); // 100 B

function rate(n: number, ms: number): string {
  return `${Math.round((n / ms) * 1000).toLocaleString('en-US')} ops/s`;
}

function line(label: string, n: number, ms: number): void {
  console.log(`  ${label.padEnd(28)} ${n.toLocaleString('en-US').padStart(10)} in ${ms.toFixed(0).padStart(6)} ms  ${rate(n, ms).padStart(16)}`);
}

async function main(): Promise<void> {
  nodeFs.rmSync(dir, { recursive: true, force: true });
  console.log(`sett demo: ${ENTRIES.toLocaleString('en-US')} keys (15 B) with 100 B values in ${dir}\n`);

  let db = await open(dir);
  let t0 = performance.now();
  for (let i = 0; i < ENTRIES; i += BATCH) {
    const ops = [];
    for (let j = i; j < Math.min(i + BATCH, ENTRIES); j++) ops.push({ type: 'put' as const, key: key(j), value: value(j) });
    await db.batch(ops);
  }
  line(`write (batches of ${BATCH})`, ENTRIES, performance.now() - t0);

  const sample = Math.min(100_000, ENTRIES);
  t0 = performance.now();
  for (let s = 0; s < sample; s++) {
    const i = (s * 7919) % ENTRIES;
    if (db.getSync(key(i))?.toString() !== value(i)) throw new Error(`read back a wrong value for ${key(i)}`);
  }
  line('random getSync (sample)', sample, performance.now() - t0);
  await db.waitForBackgroundWork();
  t0 = performance.now();
  await db.close();
  console.log(`  close                        ${(performance.now() - t0).toFixed(0).padStart(28)} ms`);

  t0 = performance.now();
  db = await open(dir);
  console.log(`  reopen (recovery)            ${(performance.now() - t0).toFixed(0).padStart(28)} ms`);
  t0 = performance.now();
  let n = 0;
  for (const [k, v] of db.iterator()) {
    if (k!.toString() !== key(n) || v!.toString() !== value(n)) throw new Error(`entry ${n} is wrong after reopen: ${k!.toString()}`);
    n++;
  }
  if (n !== ENTRIES) throw new Error(`found ${n} keys after reopen, expected ${ENTRIES}`);
  line('verify all (iterator)', n, performance.now() - t0);

  const stats = db.stats();
  console.log('\nlevels:');
  console.log('  level  tables        bytes      entries');
  for (const l of stats.levels) {
    if (l.tables === 0 && l.level > 0) continue;
    console.log(`  L${l.level}     ${String(l.tables).padStart(6)} ${l.bytes.toLocaleString('en-US').padStart(12)} ${l.entries.toLocaleString('en-US').padStart(12)}`);
  }
  console.log(`  memtable: ${stats.memtables.activeBytes.toLocaleString('en-US')} of ${stats.memtables.capacityBytes.toLocaleString('en-US')} bytes, ${stats.memtables.immutable} waiting to flush`);
  console.log('\nfiles:');
  for (const name of nodeFs.readdirSync(dir).sort()) {
    const st = nodeFs.statSync(path.join(dir, name));
    console.log(`  ${name.padEnd(20)} ${st.isDirectory() ? '(dir)'.padStart(14) : st.size.toLocaleString('en-US').padStart(14)}`);
  }
  await db.close();
  const picture = await drawPicture(dir);
  console.log(`\npicture of the tree: ${picture}  (the same as: npx sett info ${path.relative(process.cwd(), dir) || '.'} --svg ${path.relative(process.cwd(), picture)})`);
  if (TABLE_ROWS > 0) {
    console.log('');
    await runTablesDemo({ dir: path.join(path.dirname(dir), TABLES_DEMO_DIR), rows: TABLE_ROWS });
  }
  console.log('\nok');
}

/** The picture `sett info DIR --svg` draws, written to <dir>-tree.svg beside the directory. */
async function drawPicture(dataDir: string): Promise<string> {
  const file = path.join(path.dirname(dataDir), `${path.basename(dataDir)}-tree.svg`);
  const info = await collectInfo(dataDir);
  const title = path.relative(process.cwd(), dataDir) || '.';
  nodeFs.writeFileSync(file, drawTree(info, { title, targets: DEFAULT_TARGETS, targetsNote: DEFAULT_TARGETS_NOTE }));
  return file;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
