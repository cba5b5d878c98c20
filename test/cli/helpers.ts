// Runs the built `sett` command as a subprocess (dist/: `npm test` builds first) against fixtures
// built by bench/fixtures/build.ts into a temporary directory.
//
// The fixtures are built once per build of dist/ and shared by the test files (each runs in its
// own process): the first to need them builds into a private directory and renames it into place.
// Commands run on the shared copies only read; whatever changes a database works on fx.copy().

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FixtureFacts } from '../../bench/fixtures/build.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SETT = join(ROOT, 'dist/src/cli/main.js');
const BUILD = join(ROOT, 'dist/bench/fixtures/build.js');
export const HOLD = join(ROOT, 'dist/bench/fixtures/hold.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <script> ...args`, collecting output (with `input` on stdin, if given); never rejects on a nonzero exit. */
export function node(script: string, args: readonly string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: options.cwd ?? ROOT,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      // A SETT_KEY_FILE of the person running the tests must not change what the commands do.
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, SETT_KEY_FILE: undefined, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** `sett ...args`. */
export function sett(...args: string[]): Promise<Run> {
  return node(SETT, args);
}

/** `sett ...args` with extra environment variables (e.g. SETT_KEY_FILE). */
export function settWithEnv(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return node(SETT, args, { env });
}

/** `sett ...args --json`, parsed. */
export async function settJson<T = Record<string, unknown>>(...args: string[]): Promise<{ code: number | null; json: T; stderr: string }> {
  const r = await sett(...args, '--json');
  let json: T;
  try {
    json = JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`sett ${args.join(' ')} --json printed no JSON (exit ${r.code}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  return { code: r.code, json, stderr: r.stderr };
}

/** What the fixture builder wrote (bench/fixtures/build.ts). */
export type Facts = FixtureFacts;

export interface Fixtures {
  /** A scratch directory of this test file (copies, backups), removed by cleanup(). */
  root: string;
  facts: Facts;
  /** The shared, read-only copy of a variant. */
  dir(name: string): string;
  /** A fresh copy of a variant, for commands that change it. */
  copy(name: string): string;
  /** A file of the shared fixture root (e.g. a key file named in facts.encryption). */
  path(relative: string): string;
  cleanup(): void;
}

const SHARED_PREFIX = 'sett-cli-fixtures-';
const STALE_MS = 60 * 60 * 1000;

/** The shared fixture directory for this build of dist/, built if it is not there yet. */
async function sharedFixtureRoot(): Promise<string> {
  const built = statSync(BUILD);
  const name = `${SHARED_PREFIX}${Math.round(built.mtimeMs)}-${built.size}`;
  const shared = join(tmpdir(), name);
  if (existsSync(join(shared, 'fixtures.json'))) return shared;
  const mine = mkdtempSync(join(tmpdir(), 'sett-cli-building-'));
  const r = await node(BUILD, [mine]);
  if (r.code !== 0) throw new Error(`fixture build failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  try {
    renameSync(mine, shared);
  } catch {
    rmSync(mine, { recursive: true, force: true }); // another test file got there first
  }
  // Fixtures of builds of dist/ an hour older than this one: nobody still runs against them.
  for (const other of readdirSync(tmpdir())) {
    if (!other.startsWith(SHARED_PREFIX) || other === name) continue;
    const path = join(tmpdir(), other);
    try {
      if (statSync(path).mtimeMs < built.mtimeMs - STALE_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // removed meanwhile
    }
  }
  return shared;
}

export async function buildFixtures(): Promise<Fixtures> {
  const shared = await sharedFixtureRoot();
  const facts = JSON.parse(readFileSync(join(shared, 'fixtures.json'), 'utf8')) as Facts;
  const root = mkdtempSync(join(tmpdir(), 'sett-cli-'));
  let copies = 0;
  const dir = (name: string): string => {
    if (facts.dirs[name] === undefined) throw new Error(`no fixture ${name}`);
    return join(shared, name); // fixtures.json holds the paths it was built at, before the rename
  };
  return {
    root,
    facts,
    dir,
    copy(name) {
      const to = join(root, `copy-${copies++}-${name}`);
      cpSync(dir(name), to, { recursive: true });
      return to;
    },
    path: (relative) => join(shared, relative),
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
