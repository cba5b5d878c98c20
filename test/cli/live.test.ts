// The CLI beside a live process that has the database open read-write (bench/fixtures/hold.ts):
// read commands work without the lock; write commands exit 3 and name the holder.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOLD, sett, settJson } from './helpers.js';

let root: string;
let dir: string;
let holder: ChildProcessWithoutNullStreams;
let holderPid: number;

function waitForExit(child: ChildProcessWithoutNullStreams): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.on('exit', () => resolve());
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sett-cli-live-'));
  dir = join(root, 'live');
  holder = spawn(process.execPath, [HOLD, dir], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  holder.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  holderPid = await new Promise<number>((resolve, reject) => {
    let out = '';
    holder.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /ready (\d+)/.exec(out);
      if (m !== null) resolve(Number(m[1]));
    });
    holder.on('exit', (code) => reject(new Error(`the holder exited (${code}) before it was ready: ${stderr}`)));
  });
});

afterAll(async () => {
  if (holder !== undefined && holder.exitCode === null && holder.signalCode === null) {
    holder.stdin.end();
    await waitForExit(holder);
  }
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

const LOCKED = /Cannot acquire directory lock on ".*live"\. Another process is using this database\./;

describe('read commands beside a live process holding the lock', () => {
  it('info shows the lock holder and the live data', async () => {
    const { code, json } = await settJson<{ lock: { held: boolean; pid?: number; alive?: boolean }; wal: unknown[] }>('info', dir);
    expect(code).toBe(0);
    expect(json.lock).toMatchObject({ held: true, pid: holderPid, alive: true });
    expect(json.wal.length).toBeGreaterThan(0);
  });

  it('get and scan read what the live process wrote', async () => {
    const [get, scan] = await Promise.all([sett('get', dir, 'live:0042'), settJson<{ count: number }>('scan', dir, '--prefix', 'live:', '--keys-only')]);
    expect(get.code).toBe(0);
    expect(get.stdout).toBe('live-42\n');
    expect(scan.code).toBe(0);
    expect(scan.json.count).toBe(100);
  });

  it('verify reads every checksum and finds nothing wrong', async () => {
    const { code, json } = await settJson<{ ok: boolean; problems: unknown[] }>('verify', dir);
    expect(json.problems).toEqual([]);
    expect(code).toBe(0);
  });

  it('backup writes a backup of the live database', async () => {
    const r = await settJson<{ reachedVersion: number }>('backup', dir, join(root, 'live.backup'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.json.reachedVersion).toBeGreaterThan(0);
  });
});

describe('write commands beside a live process', () => {
  it('gc, flatten and restore --force exit 3 with the lock message and the holder PID', async () => {
    const runs = await Promise.all([sett('gc', dir), sett('flatten', dir), sett('restore', join(root, 'live.backup'), dir, '--force')]);
    for (const r of runs) {
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(LOCKED);
      expect(r.stderr).toContain(`held by PID ${holderPid}`);
    }
    const json = await settJson<{ ok: boolean; error: { code: string } }>('gc', dir);
    expect(json.code).toBe(3);
    expect(json.json.error.code).toBe('LOCKED');
  });

  it('once the holder is killed (SIGKILL), info calls the lock stale and a write command reclaims it at once', async () => {
    holder.kill('SIGKILL');
    await waitForExit(holder);
    const info = await settJson<{ lock: { held: boolean; pid?: number; alive?: boolean } }>('info', dir);
    expect(info.json.lock).toMatchObject({ pid: holderPid, alive: false });
    const text = await sett('info', dir);
    expect(text.stdout).toContain(`left by PID ${holderPid}`);
    const r = await sett('flatten', dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const get = await sett('get', dir, 'live:0099');
    expect(get.stdout).toBe('live-99\n');
  });
});
