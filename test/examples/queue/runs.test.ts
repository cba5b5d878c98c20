// Lease runs (examples/queue/keys.ts): one key per lease call, left as it is when its items are
// completed or retried. Taking back expired leases must skip those items and hand out exactly
// the ones still leased under the run, in line order; stats must count only them.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from 'sett';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openQueue } from '../../../examples/queue/index.js';

const T0 = Date.UTC(2024, 0, 1);
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'sett-queue-runs-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

it('takes back only the items still leased under a lease run, after a reopen too', async () => {
  const clock = new ManualClock(T0);
  let q = await openQueue({ name: 'q', storage: root, clock, syncWrites: false });
  const { ids } = await q.produce(Array.from({ length: 10 }, (_, i) => ({ payload: `p${i}` })));
  expect((await q.lease({ count: 10, leaseMs: 100 })).map((it) => it.id)).toEqual(ids);
  await q.complete([ids[1]!, ids[4]!, ids[8]!]);
  await q.retry([ids[2]!, ids[6]!]);
  // The retried two, leased again under a second run with the same deadline.
  expect((await q.lease({ count: 5, leaseMs: 100 })).map((it) => it.id)).toEqual([ids[2], ids[6]]);
  expect(await q.stats()).toMatchObject({ ready: 0, leased: 7, expired: 0, total: 7 });
  await q.close();
  q = await openQueue({ name: 'q', storage: root, clock, syncWrites: false });
  try {
    clock.advance(100);
    expect(await q.stats()).toMatchObject({ ready: 0, leased: 0, expired: 7, total: 7 });
    const again = await q.lease({ count: 100, leaseMs: 100 });
    expect(again.map((it) => it.id)).toEqual([0, 3, 5, 7, 9, 2, 6].map((i) => ids[i]));
    expect(again.map((it) => it.attempts)).toEqual([2, 2, 2, 2, 2, 3, 3]);
    await q.complete(again.map((it) => it.id));
    clock.advance(100);
    expect(await q.lease({ count: 100, leaseMs: 100 })).toEqual([]);
    expect(await q.stats()).toMatchObject({ total: 0 });
  } finally {
    await q.close();
  }
});
