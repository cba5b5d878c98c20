// Read commands never change the directory they read: a live writer may be appending to it.
// The `unflushed-wals` fixture holds several WALs (frozen memtables a crash or a live writer left
// unflushed), the case where a read-only open of the engine flushes them into new tables.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, sett, settJson, type Fixtures } from './helpers.js';

let fx: Fixtures;
beforeAll(async () => {
  fx = await buildFixtures();
});
afterAll(() => fx?.cleanup());

/** Every entry of `dir` with its size and modification time. */
function snapshot(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const s = statSync(join(dir, name));
      return `${name} ${s.size} ${s.mtimeMs}`;
    });
}

describe('read commands on a directory with unflushed WALs', () => {
  it('info, verify, dump, get, scan and backup leave every file as it was', async () => {
    const dir = fx.copy('unflushed-wals');
    const wals = readdirSync(dir).filter((n) => n.endsWith('.mem'));
    expect(wals.length).toBeGreaterThan(1);
    const before = snapshot(dir);
    const runs = await Promise.all([
      sett('info', dir),
      sett('verify', dir),
      sett('dump', join(dir, wals[0]!)),
      sett('get', dir, 'u:0007'),
      sett('scan', dir, '--keys-only'),
      sett('backup', dir, join(fx.root, 'unflushed.backup')),
    ]);
    for (const r of runs) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(snapshot(dir)).toEqual(before);
  });

  it('get and scan read what only the WALs hold', async () => {
    const dir = fx.dir('unflushed-wals');
    const [get, scan] = await Promise.all([sett('get', dir, 'u:0599'), settJson<{ count: number }>('scan', dir, '--prefix', 'u:', '--keys-only')]);
    expect(get.stdout).toBe(`${'u-599-'.padEnd(40, 'z')}\n`);
    expect(scan.json.count).toBe(600);
  });
});
