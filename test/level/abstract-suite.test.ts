// abstract-level 3's shared test suite against SettLevel. The suite is CommonJS driven by tape,
// so it runs in a child process (test/level/abstract-suite.mjs, importing the built adapter from
// dist/: `npm test` builds first) and this test reads its TAP summary.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const runner = fileURLToPath(new URL('./abstract-suite.mjs', import.meta.url));

function run(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runner], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function count(tap: string, name: string): number | undefined {
  const m = new RegExp(`^# ${name}\\s+(\\d+)$`, 'm').exec(tap);
  return m === null ? undefined : Number(m[1]);
}

/** One test of the suite per feature the manifest claims: each must have run (not been skipped). */
const CLAIMED = [
  'open() with createIfMissing: false', // createIfMissing
  'open() with errorIfExists: true', // errorIfExists
  'has() on open db', // has
  'hasMany() on open db', // has
  'getSync() on non-existent key', // getSync
  'delete key after snapshotting', // implicitSnapshots
  'get() changed entry from snapshot', // explicitSnapshots
  'clear() entries from snapshot', // explicitSnapshots
  'iterator().seek() to string target', // seek
  'iterator().seek() to buffer target', // seek, buffer
  'empty keys in batch with buffer keyEncoding', // buffer
  'empty keys in batch with view keyEncoding', // view
  'empty keys in batch with utf8 keyEncoding', // utf8
];

describe('abstract-level shared test suite', () => {
  it('passes every test of abstract-level 3 for every feature the manifest claims, on disk and on a sublevel', { timeout: 300_000 }, async () => {
    const { code, stdout, stderr } = await run();
    const assertions = count(stdout, 'tests');
    const pass = count(stdout, 'pass');
    const fail = count(stdout, 'fail') ?? 0;
    const names = stdout.split('\n').filter((l) => l.startsWith('# ') && !/^# (tests|pass|fail|ok|databases)\b/.test(l));
    console.log(`abstract-level suite: ${names.length} tests, ${assertions} assertions, ${pass} pass, ${fail} fail (${count(stdout, 'databases')} databases)`);
    if (fail > 0 || code !== 0) {
      const failures = stdout.split('\n').filter((l) => l.startsWith('not ok'));
      console.log(failures.slice(0, 50).join('\n'), stderr.slice(0, 5000));
    }
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(fail).toBe(0);
    expect(assertions).toBeGreaterThan(0);
    expect(pass).toBe(assertions);
    for (const name of CLAIMED) expect(names, name).toContain(`# ${name}`);
    // The whole suite runs twice: on the database and again on a sublevel of it.
    expect(names.filter((n) => n === '# get() changed entry from snapshot')).toHaveLength(2);
  });
});
