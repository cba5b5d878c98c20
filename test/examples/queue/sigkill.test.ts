// SIGKILL at a random moment (examples/queue/crash-child.ts, run from dist/: `npm test` builds
// first): after each kill the queue is reopened and every item whose produce was acknowledged
// is still there unless a complete of it was started, and no item whose complete was
// acknowledged is there (so it can never be delivered again). Cycles alternate syncWrites on
// and off: a kill loses nothing either way (acknowledged writes are in the OS's page cache).
// At the end, with a clock an hour ahead (every lease expired), the queue is drained: every
// item comes back exactly once and none of them was acknowledged as completed.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from 'sett';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openQueue, type Item, type Queue } from '../../../examples/queue/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BUILT_CHILD = join(ROOT, 'dist/examples/queue/crash-child.js');
const CYCLES = 4;

let root: string;
let child: string;

beforeAll(() => {
  if (!existsSync(BUILT_CHILD)) throw new Error(`${BUILT_CHILD} is missing: run \`npm run build\` first (npm test does it in pretest)`);
  root = mkdtempSync(join(tmpdir(), 'sett-queue-kill-'));
  // A private copy of the built code: a build running elsewhere (tsc rewriting dist/) must not
  // hand the child half-written modules. `sett` resolves through the copy's package.json.
  const copy = join(root, 'pkg');
  cpSync(join(ROOT, 'dist/src'), join(copy, 'dist/src'), { recursive: true });
  cpSync(join(ROOT, 'dist/examples/queue'), join(copy, 'dist/examples/queue'), { recursive: true });
  writeFileSync(join(copy, 'package.json'), readFileSync(join(ROOT, 'package.json')));
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  child = join(copy, 'dist/examples/queue/crash-child.js');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Acks {
  produced: Map<string, string>; // sourceId -> id
  completing: Set<string>;
  completed: Set<string>;
  lines: number;
}

/** Runs the child until it has printed `killAfter` acknowledgement lines, then SIGKILLs it. */
function runAndKill(dir: string, cycle: number, sync: 'on' | 'off', killAfter: number, acks: Acks): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, dir, String(cycle), sync], { stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    let stderr = '';
    let seen = 0;
    p.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop()!; // a torn last line is no acknowledgement
      for (const line of lines) {
        const [kind, ...rest] = line.split(' ');
        if (kind === 'P') acks.produced.set(rest[0]!, rest[1]!);
        else if (kind === 'c') for (const id of rest) acks.completing.add(id);
        else if (kind === 'C') for (const id of rest) acks.completed.add(id);
        if (kind !== 'READY') seen++;
      }
      acks.lines += lines.length;
      if (seen >= killAfter && p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    });
    p.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    p.on('error', reject);
    p.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(stderr);
      else reject(new Error(`child exited with ${code ?? signal} before the kill:\n${stderr}`));
    });
  });
}

async function everything(q: Queue): Promise<Item[]> {
  return [...(await q.list({ limit: 1_000_000 })), ...(await q.listDeadLetters({ limit: 1_000_000 }))];
}

describe('queue under SIGKILL', () => {
  it('keeps every acknowledged produce and never brings back an acknowledged complete', async () => {
    const seed = Number(process.env.QUEUE_KILL_SEED ?? Date.now() % 1_000_000);
    let state = seed;
    const random = (n: number): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state % n;
    };
    const dir = join(root, 'queue');
    const acks: Acks = { produced: new Map(), completing: new Set(), completed: new Set(), lines: 0 };
    const why = `seed ${seed} (rerun with QUEUE_KILL_SEED=${seed})`;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      await runAndKill(dir, cycle, cycle % 2 === 0 ? 'on' : 'off', 20 + random(400), acks);
      const q = await openQueue({ name: 'crash', storage: dir, partitions: 2 });
      try {
        const present = new Set((await everything(q)).map((it) => it.id));
        for (const [sourceId, id] of acks.produced) {
          if (!present.has(id)) expect(acks.completing.has(id), `${why}: ${sourceId} (${id}) was acknowledged by produce and is gone without a complete`).toBe(true);
        }
        for (const id of acks.completed) expect(present.has(id), `${why}: ${id} was acknowledged as completed and is back`).toBe(false);
      } finally {
        await q.close();
      }
    }
    expect(acks.completed.size, why).toBeGreaterThan(0);
    console.log(`queue kill test: ${why}, ${acks.produced.size} produced, ${acks.completed.size} completed acknowledged`);

    const clock = new ManualClock(Date.now() + 60 * 60_000 + 1);
    const q = await openQueue({ name: 'crash', storage: dir, partitions: 2, clock });
    try {
      const stored = (await q.list({ limit: 1_000_000 })).map((it) => it.id);
      const delivered: string[] = [];
      for (let got = await q.lease({ count: 1000, leaseMs: 60_000 }); got.length > 0; got = await q.lease({ count: 1000, leaseMs: 60_000 })) {
        delivered.push(...got.map((it) => it.id));
      }
      expect(new Set(delivered).size, why).toBe(delivered.length);
      expect([...delivered].sort(), why).toEqual([...stored].sort());
      for (const id of delivered) expect(acks.completed.has(id), `${why}: ${id} delivered after its complete was acknowledged`).toBe(false);
    } finally {
      await q.close();
    }
  }, 60_000);
});
