// Runs abstract-level 3's shared test suite (node_modules/abstract-level/test, CommonJS, driven
// by tape) against the BUILT adapter, dist/src/level/index.js (`npm test` builds first).
// Prints TAP; test/level/abstract-suite.test.ts spawns this and checks the summary.
//
// Every database lives in a fresh directory under one temporary root, removed at the end. The
// suite leaves some databases open (the sublevel pass opens a root per sublevel and never
// closes it), so every database still open is closed once tape has finished.

import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SettLevel } from '../../dist/src/level/index.js';

const require = createRequire(import.meta.url);
const test = require('tape');
const suite = require('abstract-level/test/index.js');

// Small memtables keep the many databases light and make a few tests flush to tables; inline
// compaction avoids starting worker threads for every database.
const settOptions = { memTableSize: 256 * 1024, valueLogFileSize: 1024 * 1024, blockCacheSize: 1024 * 1024, executor: 'inline' };

const root = mkdtempSync(join(tmpdir(), 'sett-level-suite-'));
const made = [];
let counter = 0;

test.onFinish(async () => {
  // Close the sett databases themselves, not through abstract-level: closing a Level database
  // emits events into listeners of tests that have already ended (tape would count what they
  // assert), and a few tests leave a database whose status abstract-level has locked.
  let failed = 0;
  for (const db of made) {
    if (db.status !== 'open' && db.status !== 'closing') continue;
    try {
      await db.sett.close();
    } catch (err) {
      failed++;
      console.error(`# closing ${db.location} failed: ${err}`);
    }
  }
  rmSync(root, { recursive: true, force: true });
  console.log(`# databases ${made.length}`);
  if (failed > 0) process.exitCode = 1;
});

suite({
  test,
  factory(options) {
    const db = new SettLevel(join(root, String(counter++)), { ...options, sett: settOptions });
    made.push(db);
    return db;
  },
});
