// The process the SIGKILL test (test/examples/queue/sigkill.test.ts) kills: it produces items
// and leases and completes some, for ever, and prints one line per step to stdout — a pipe, which
// Node writes synchronously on Linux, so a line is out before the next step begins:
//
//   P <sourceId> <id>    produce of the item resolved (acknowledged)
//   c <id> <id> ...      about to complete these (they may or may not be gone after a kill)
//   C <id> <id> ...      complete resolved (acknowledged): they must never be delivered again
//
// Usage: node crash-child.js DIR CYCLE on|off

import { openQueue } from './index.js';

const BATCH = 20;
const LEASE_MS = 60 * 60_000;

async function main(): Promise<void> {
  const [dir, cycle, sync] = process.argv.slice(2);
  if (dir === undefined || cycle === undefined || (sync !== 'on' && sync !== 'off')) {
    console.error('usage: crash-child.js DIR CYCLE on|off');
    process.exit(2);
  }
  const q = await openQueue({ name: 'crash', storage: dir, partitions: 2, syncWrites: sync === 'on' });
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  out('READY');
  for (let round = 0; ; round++) {
    const items = Array.from({ length: BATCH }, (_, i) => ({ sourceId: `c${cycle}-${round}-${i}`, payload: `round ${round} item ${i}` }));
    const { ids } = await q.produce(items);
    items.forEach((it, i) => out(`P ${it.sourceId} ${ids[i]}`));
    const leased = await q.lease({ count: BATCH / 2, leaseMs: LEASE_MS });
    if (leased.length === 0) continue;
    const done = leased.map((it) => it.id);
    out(`c ${done.join(' ')}`);
    await q.complete(done);
    out(`C ${done.join(' ')}`);
  }
}

await main();
