// A short crash torture with real processes (bench/torture): four cycles of a child writing with
// syncWrites on, then off, killed with SIGKILL within about a second, the database reopened and
// every acknowledged write verified. `npm test` builds dist/ first (pretest); the full run is
// `npm run torture` (a few minutes).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../../dist/bench/torture/main.js', import.meta.url));

function runTorture(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

function counter(output: string, name: string): number {
  const m = new RegExp(`^torture: ok .*\\b${name}=(\\d+)`, 'm').exec(output);
  return m === null ? -1 : Number(m[1]);
}

describe('crash torture with real processes', () => {
  it('keeps every acknowledged write, batch atomicity and the counter through SIGKILLs, with syncWrites on and off', async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does it in pretest)`);
    const { code, output } = await runTorture(['--cycles', '4', '--seconds', '1', '--sync', 'both']);
    // The output names the seed and the replay command; show it whenever the run fails.
    expect(code, output).toBe(0);
    expect(counter(output, 'kills'), output).toBeGreaterThan(0);
    expect(counter(output, 'verified'), output).toBeGreaterThan(0);
    expect(output).toMatch(/sync=on kill/);
    expect(output).toMatch(/sync=off kill/);
  }, 120_000);

  it('rejects an unknown option with exit code 2 and the usage', async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does it in pretest)`);
    const { code, output } = await runTorture(['--cycle', '3']);
    expect(code).toBe(2);
    expect(output).toMatch(/unknown argument "--cycle"/);
    expect(output).toMatch(/--seconds S/);
  });
});
