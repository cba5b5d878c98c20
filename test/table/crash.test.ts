// Crash tests of the table layer on FaultFS (TABLES.md §2 "Atomicity" and "Online index builds").
//
// Each scenario runs once on a live FaultFS and, from its operation hook, takes crash images
// (FaultFS.crash: what a power loss right before that operation would leave; the running file
// system is not changed) at every k-th operation that changes the disk, recording what had been
// acknowledged by then. Each image is then reopened with `openTables` and checked:
//   1. addIndex mid-build, over ~2,000 rows with writes going on: the table is whole (exactly the
//      rows of the acknowledged statements, plus the one in flight or not), and the index is
//      either gone (no key left under its prefix after waitForBackgroundWork; a second addIndex
//      of the same name succeeds) or 'ready' and answers like a full scan;
//   2. dropTable / truncateTable, through the background dropPrefix: the table is all there or
//      all gone / empty (auto-increment back at 1), and after waitForBackgroundWork no key of the
//      old table id remains; a crash inside that recovery changes nothing;
//   3. multi-row inserts, updates, deletes and transactions: the state is the one after the
//      acknowledged statements, or after the one in flight too, never part of one; every index
//      holds exactly the entries its rows call for;
//   4. auto-increment: an id handed to a durably committed row is never handed out again.
//
// The engine runs with syncWrites (an acknowledged statement is durable) and 64 KiB memtables
// (flushes during the runs). SETT_LONG_TESTS=1 takes an image at every changing operation.

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/index.js';
import { FaultFS, open, type OpenOptions } from '../../src/index.js';
import { openTables, type IndexDef, type Row, type Tables } from '../../src/table/index.js';
import { AUTO_INCREMENT_INDEX_ID, CATALOG_PENDING_DROP, catalogPrefix, catalogTableKey, ROWS_INDEX_ID, tablePrefix } from '../../src/table/keys.js';
import { decodeTuple } from '../../src/table/tuple.js';
import { watchUnhandledRejections } from '../crash/harness.js';
import { CHANGING, captureImages, everyNth, type StateImage } from '../crash/images.js';

const DIR = '/db';
const LONG = process.env.SETT_LONG_TESTS === '1';
const ENGINE: OpenOptions = { memTableSize: 64 * 1024, blockSize: 1024, compression: 'none', syncWrites: true };
const expectNoUnhandled = watchUnhandledRejections();
/** Per test: generous, for loaded machines; SETT_LONG_TESTS=1 checks every changing operation. */
const TIMEOUT = LONG ? 3_600_000 : 180_000;

// ---- the items table and its model ------------------------------------------------------------

const ITEMS = 'items';
const ITEM_COLUMNS = [
  { name: 'id', type: 'INT', primary: true, autoIncrement: true },
  { name: 'grp', type: 'INT', nullable: false },
  { name: 'code', type: 'VARCHAR', length: 40, unique: true },
  { name: 'name', type: 'VARCHAR', length: 64 },
  { name: 'val', type: 'INT', nullable: true },
] as const;

interface Item {
  id: number;
  grp: number;
  code: string;
  name: string;
  val: number | null;
}

type NewItem = Omit<Item, 'id'>;
type Between = { lo: number; hi: number };
type Stmt =
  | { kind: 'insert'; rows: NewItem[] }
  | ({ kind: 'update'; set: Partial<NewItem> } & Between)
  | ({ kind: 'delete' } & Between)
  | ({ kind: 'tx'; rows: NewItem[]; set: Partial<NewItem> } & Between);

interface Model {
  rows: Map<number, Item>;
  /** The highest id handed out so far. */
  high: number;
}

function cloneModel(m: Model): Model {
  return { rows: new Map([...m.rows].map(([k, v]) => [k, { ...v }])), high: m.high };
}

function applyStmt(m: Model, s: Stmt): Model {
  const out = cloneModel(m);
  const update = (lo: number, hi: number, set: Partial<NewItem>): void => {
    for (const r of out.rows.values()) if (r.id >= lo && r.id <= hi) Object.assign(r, set);
  };
  if (s.kind === 'insert' || s.kind === 'tx') for (const r of s.rows) out.rows.set(++out.high, { id: out.high, ...r });
  if (s.kind === 'update' || s.kind === 'tx') update(s.lo, s.hi, s.set);
  if (s.kind === 'delete') for (const id of [...out.rows.keys()]) if (id >= s.lo && id <= s.hi) out.rows.delete(id);
  return out;
}

function newItem(rng: Rng, tag: string): NewItem {
  return { grp: rng.int(23), code: `c-${tag}`, name: `n-${tag}-${'x'.repeat(rng.int(30))}`, val: rng.bool(0.2) ? null : rng.int(1000) - 500 };
}

/** `count` statements from `start`, each with its model state after it (states[0] = start). */
function makeStatements(rng: Rng, start: Model, count: number, tag: string): { stmts: Stmt[]; states: Model[] } {
  const stmts: Stmt[] = [];
  const states = [start];
  for (let j = 0; j < count; j++) {
    const m = states[states.length - 1]!;
    const ids = [...m.rows.keys()].sort((a, b) => a - b);
    const r = rng.next();
    const range = (width: number): Between => {
      const lo = ids.length === 0 ? 1 : ids[rng.int(ids.length)]!;
      return { lo, hi: lo + rng.int(width) };
    };
    let s: Stmt;
    if (r < 0.4 || ids.length < 10) {
      s = { kind: 'insert', rows: Array.from({ length: 1 + rng.int(40) }, (_, i) => newItem(rng, `${tag}${j}.${i}`)) };
    } else if (r < 0.6) {
      // A range update of the indexed columns; a single row may get a new unique code too.
      const b = range(rng.bool(0.3) ? 1 : 30);
      const set: Partial<NewItem> = { grp: rng.int(23), val: rng.bool(0.2) ? null : rng.int(1000) };
      if (b.lo === b.hi) set.code = `u-${tag}${j}`;
      s = { kind: 'update', ...b, set };
    } else if (r < 0.75) {
      // Deletes, often of the newest rows: their ids must not come back after a crash.
      s = rng.bool(0.5) ? { kind: 'delete', lo: ids[Math.max(0, ids.length - 1 - rng.int(5))]!, hi: m.high } : { kind: 'delete', ...range(30) };
    } else if (r < 0.85) {
      s = { kind: 'tx', rows: Array.from({ length: 1 + rng.int(10) }, (_, i) => newItem(rng, `${tag}${j}t${i}`)), ...range(40), set: { grp: rng.int(23) } };
    } else {
      s = { kind: 'update', ...range(100), set: { name: `renamed-${tag}${j}` } };
    }
    stmts.push(s);
    states.push(applyStmt(m, s));
  }
  return { stmts, states };
}

const between = (s: Between) => ({ column: 'id', op: 'between' as const, value: [s.lo, s.hi] });

/** Runs one statement; returns the ids it generated. */
async function runStmt(t: Tables, s: Stmt): Promise<unknown[]> {
  switch (s.kind) {
    case 'insert':
      return (await t.insert(ITEMS, s.rows as unknown as Row[])).ids;
    case 'update':
      await t.update(ITEMS, between(s), s.set as Row);
      return [];
    case 'delete':
      await t.delete(ITEMS, between(s));
      return [];
    case 'tx':
      return t.transaction(async (tx) => {
        const { ids } = await tx.insert(ITEMS, s.rows as unknown as Row[]);
        await tx.update(ITEMS, between(s), s.set as Row);
        return ids;
      });
  }
}

function sortedRows(m: Model): Item[] {
  return [...m.rows.values()].sort((a, b) => a.id - b.id);
}

// ---- checks ------------------------------------------------------------------------------------

const show = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));

/** Every key under `prefix`. */
function keysUnder(t: Tables, prefix: Uint8Array): Buffer[] {
  const out: Buffer[] = [];
  for (const [k] of t.db.iterator({ prefix, values: false })) out.push(Buffer.from(k!));
  return out;
}

/**
 * Every index of `table` holds exactly the (index values, primary key) pairs its rows call for,
 * read from its key prefix; and for a few values of each index's first column, a query through
 * the index returns what a full scan with the filter returns.
 */
function expectIndexesConsistent(t: Tables, table: string, rows: readonly Row[], rng: Rng): void {
  const meta = t.meta(table);
  const name = (p: number): string => meta.columns[p]!.name;
  for (const view of meta.indexes) {
    expect(view.meta.state, `index ${view.meta.name}`).toBe('ready');
    const got: string[] = [];
    for (const [key, value] of t.db.iterator({ prefix: view.prefix })) {
      const { values, end } = decodeTuple(view.types, key!, view.prefix.length);
      const pkBytes = end < key!.length ? key!.subarray(end) : value!;
      got.push(show([values, decodeTuple(meta.pkTypes, pkBytes, 0).values]));
    }
    const want = rows.map((r) => show([view.positions.map((p) => r[name(p)] ?? null), meta.pkPositions.map((p) => r[name(p)])]));
    got.sort();
    want.sort();
    expect(got, `entries of index ${view.meta.name}`).toEqual(want);
    const column = name(view.positions[0]!);
    const leading = meta.indexes.filter((i) => i.positions[0] === view.positions[0]).map((i) => i.meta.name);
    if (meta.pkPositions[0] === view.positions[0]) leading.push('PRIMARY');
    const distinct = [...new Set(rows.map((r) => r[column]).filter((v) => v !== null && v !== undefined))];
    const probes = distinct.length <= 4 ? distinct : Array.from({ length: 4 }, () => distinct[rng.int(distinct.length)]);
    for (const value of [...probes, 'no-such-value-' as unknown].filter((v) => typeof v === typeof distinct[0])) {
      const where = { column, op: '=' as const, value };
      expect(leading, `plan of ${column} = ${show(value)}`).toContain(t.explain(table, { where }).index);
      const viaIndex = t.querySync(table, { where }).rows;
      expect(viaIndex, `${column} = ${show(value)} through ${view.meta.name}`).toEqual(rows.filter((r) => r[column] === value));
    }
  }
}

/** Every key under the table's prefix belongs to its rows, its auto-increment mark or one of its indexes. */
function expectNoStrayKeys(t: Tables, table: string): void {
  const meta = t.meta(table);
  const live = new Set([ROWS_INDEX_ID, AUTO_INCREMENT_INDEX_ID, ...meta.indexes.map((i) => i.meta.id)]);
  const stray = keysUnder(t, meta.prefix).filter((k) => !live.has(k.readUInt16BE(5)));
  expect(stray.map((k) => k.toString('hex')).slice(0, 5), `keys of table ${table} under no index of its catalog`).toEqual([]);
}

/** The prefix length `k` in [lo, hi] whose model state the table holds; fails naming what it holds. */
function matchPrefix(rows: readonly Row[], states: readonly Model[], lo: number, hi: number, where: string): number {
  const got = show(rows);
  for (let k = hi; k >= lo; k--) if (show(sortedRows(states[k]!)) === got) return k;
  const near = show(sortedRows(states[lo]!));
  let at = 0;
  while (at < got.length && got[at] === near[at]) at++;
  throw new Error(`${where}: the table is not the state after ${lo}..${hi} statements (${rows.length} rows; first difference at char ${at}: got ${got.slice(at, at + 120)} want ${near.slice(at, at + 120)})`);
}

/** An id drawn after reopening is past every id a recovered statement handed out. */
async function expectFreshId(t: Tables, high: number, where: string): Promise<void> {
  const { ids } = await t.insert(ITEMS, [{ grp: 1, code: 'after-crash', name: 'after', val: 1 }]);
  expect(ids[0] as number, `${where}: auto-increment after reopen (highest id handed out ${high})`).toBeGreaterThan(high);
}

// ---- crash images -----------------------------------------------------------------------------


/** How many changing operations apart the images are: SETT_LONG_TESTS=1 takes all. */
function stride(total: number, want: number): number {
  return LONG ? 1 : Math.max(1, Math.ceil(total / want));
}

async function reopen(fs: FaultFS): Promise<Tables> {
  return openTables(DIR, { fs, ...ENGINE });
}

const OTHER = 'other';
const otherRow = (i: number): Row => ({ k: i, v: `other-${i}` });

/**
 * A database holding `items` with `n` rows (inserted in batches, some flushed to tables) and
 * `other` with 50 rows, closed.
 */
async function baseWith(n: number, seed: number, indexes: IndexDef[] = [{ name: 'by_val', columns: ['val'] }]): Promise<{ fs: FaultFS; model: Model }> {
  const fs = new FaultFS({ durableMkdir: true });
  const t = await reopen(fs);
  await t.createTable({ name: OTHER, columns: [{ name: 'k', type: 'INT', primary: true }, { name: 'v', type: 'TEXT' }] });
  await t.insert(OTHER, Array.from({ length: 50 }, (_, i) => otherRow(i)));
  await t.createTable({ name: ITEMS, columns: ITEM_COLUMNS.map((c) => ({ ...c })) as never, indexes });
  const rng = new Rng(seed);
  let model: Model = { rows: new Map(), high: 0 };
  for (let i = 0; i < n; i += 50) {
    const s: Stmt = { kind: 'insert', rows: Array.from({ length: Math.min(50, n - i) }, (_, j) => newItem(rng, `b${i + j}`)) };
    await runStmt(t, s);
    model = applyStmt(model, s);
  }
  await t.close();
  return { fs, model };
}

const copyOf = (fs: FaultFS): FaultFS => fs.crash(0, { mode: 'keepAll' });

// ---- 1. addIndex mid-build ---------------------------------------------------------------------

interface BuildState {
  acked: number;
  issued: number;
  built: boolean;
}

describe('table crash: addIndex mid-build', () => {
  for (const def of [
    { name: 'by_grp', columns: ['grp'], unique: false },
    { name: 'by_grp_code', columns: ['grp', 'code'], unique: true },
  ]) {
    it(`a crash during addIndex ${def.name} (${def.unique ? 'unique' : 'non-unique'}) with writes going on leaves the table whole and the index rolled back or ready`, async () => {
      const { fs: base, model } = await baseWith(2000, 1);
      const { stmts, states } = makeStatements(new Rng(2), model, 400, 'w');

      const run = async (every: number, images: boolean) => {
        const fs = copyOf(base);
        const t = await reopen(fs);
        const st: BuildState = { acked: 0, issued: 0, built: false };
        const cap = captureImages(fs, everyNth(every), 3, () => ({ ...st }));
        if (!images) cap.images.length = 0;
        let settled = false;
        const build = t.alterTable(ITEMS, { addIndex: def }).then(() => {
          st.built = true;
        });
        build.finally(() => (settled = true)).catch(() => undefined);
        // Statements one after another while the build runs (and a few after it).
        let after = 0;
        for (let j = 0; j < stmts.length && after < 3; j++) {
          if (settled) after++;
          st.issued = j + 1;
          const ids = await runStmt(t, stmts[j]!);
          const s = stmts[j]!;
          if (s.kind === 'insert' || s.kind === 'tx') expect(ids).toEqual(s.rows.map((_, i) => states[j]!.high + 1 + i));
          st.acked = j + 1;
        }
        await build;
        await t.waitForBackgroundWork();
        cap.final('after the build and its writes');
        fs.onOperation = undefined;
        expect(t.describeTable(ITEMS).indexes.find((i) => i.name === def.name)?.state).toBe('ready');
        expect(st.acked, 'the build ended before the writes could overlap it').toBeLessThan(stmts.length);
        await t.close();
        return { changing: cap.changing(), images: images ? cap.images : [], acked: st.acked };
      };

      const counting = await run(1e9, false);
      const every = stride(counting.changing, 12);
      const { images } = await run(every, true);
      expect(images.length).toBeGreaterThan(LONG ? counting.changing / 2 : 10);

      let rolledBack = 0;
      let ready = 0;
      let recoveries = 0;
      let building = 0;
      for (const [n, image] of images.entries()) {
        const where = `image ${n} (${image.where}; ${show(image.state)})`;
        const rng = new Rng(n);
        // Whether the image holds the half-built index (its catalog record says 'building').
        const hadBuilding = await (async () => {
          const probe = copyOf(image.fs);
          const db = await open(DIR, { fs: probe, ...ENGINE, readOnly: true });
          try {
            const record = db.getSync(catalogTableKey(ITEMS));
            return record !== undefined && (JSON.parse(record.toString('utf8')) as { indexes: { name: string; state: string }[] }).indexes.some((i) => i.name === def.name && i.state === 'building');
          } finally {
            await db.close();
          }
        })();
        if (hadBuilding) building++;
        const pristine = copyOf(image.fs);
        const t = await reopen(image.fs);
        try {
          const rows = t.querySync(ITEMS).rows;
          const k = matchPrefix(rows, states, image.state.acked, image.state.issued, where);
          expect(await t.count(ITEMS), where).toBe(rows.length);
          const index = t.describeTable(ITEMS).indexes.find((i) => i.name === def.name);
          if (image.state.built) expect(index?.state, `${where}: the acknowledged index`).toBe('ready');
          if (index !== undefined) {
            ready++;
            expect(index.state, where).toBe('ready');
          } else rolledBack++;
          expectIndexesConsistent(t, ITEMS, rows, rng);
          await t.waitForBackgroundWork();
          expectNoStrayKeys(t, ITEMS);
          // A rebuild costs a backfill: every third rolled-back image (and the first) does one.
          if (index === undefined && rolledBack % 3 === 1) {
            await t.alterTable(ITEMS, { addIndex: def });
            expect(t.describeTable(ITEMS).indexes.find((i) => i.name === def.name)?.state, where).toBe('ready');
            expectIndexesConsistent(t, ITEMS, rows, rng);
          }
          await expectFreshId(t, states[k]!.high, where);
          await t.close();
          // A power loss inside the recovery that rolls the build back changes nothing.
          if (index === undefined && hadBuilding && recoveries < 2) {
            recoveries++;
            for (const [m, again] of (await recoveryImages(pristine, 3, n)).entries()) {
              const w2 = `${where}, then recovery image ${m} (${again.where})`;
              const t2 = await reopen(again.fs);
              try {
                expect(show(t2.querySync(ITEMS).rows), w2).toBe(show(rows));
                expect(t2.describeTable(ITEMS).indexes.map((i) => i.name), w2).not.toContain(def.name);
                await t2.waitForBackgroundWork();
                expectNoStrayKeys(t2, ITEMS);
              } finally {
                await t2.close();
              }
            }
          }
        } catch (e) {
          await t.close().catch(() => undefined);
          throw new Error(`${where}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        }
      }
      console.log(`[crash points] test/table/crash.test.ts addIndex ${def.name}: ${images.length} images of ${counting.changing} changing operations; ${rolledBack} rolled back (${building} held it half-built), ${ready} ready; ${recoveries} recoveries crashed inside`);
      expect(rolledBack, 'images with the index rolled back').toBeGreaterThan(0);
      expect(building, 'images holding the half-built index').toBeGreaterThan(0);
      expect(ready, 'images with the index ready').toBeGreaterThan(0);
      await expectNoUnhandled('addIndex');
    }, TIMEOUT);
  }
});

// ---- 2. dropTable / truncateTable --------------------------------------------------------------

interface DropState {
  /** The statement resolved. */
  done: boolean;
  /** dropTable: the table was created again under its name. */
  created: boolean;
  /** The first row of the new table (id 1) was acknowledged. */
  firstAcked: boolean;
  /** The row written into `other` after it (while the removal runs) was acknowledged. */
  otherAcked: boolean;
}

const FIRST = { grp: 1, code: 'first', name: 'first', val: 1 };

/**
 * Images of a power loss inside the recovery of `fs` (open, the resumed removals, close), at
 * about `want` of its changing operations.
 */
async function recoveryImages(fs: FaultFS, want: number, seed: number): Promise<StateImage<null>[]> {
  const counting = copyOf(fs);
  let n = 0;
  counting.onOperation = (op) => {
    if (CHANGING.includes(op)) n++;
  };
  const t = await reopen(counting);
  await t.waitForBackgroundWork();
  await t.close();
  const live = copyOf(fs);
  const cap = captureImages(live, everyNth(Math.max(1, Math.ceil(n / want))), seed, () => null);
  const t2 = await reopen(live);
  await t2.waitForBackgroundWork();
  await t2.close();
  return cap.images;
}

/** No removal is pending, and nothing of table id `id` is left. */
function expectRemoved(t: Tables, id: number, where: string): void {
  expect(keysUnder(t, tablePrefix(id)).length, `${where}: keys left under the old table id ${id}`).toBe(0);
  expect(keysUnder(t, catalogPrefix(CATALOG_PENDING_DROP)).map((k) => k.toString('hex')), `${where}: pending-drop records`).toEqual([]);
}

function expectOther(t: Tables, acked: boolean, where: string): void {
  const rows = t.querySync(OTHER).rows;
  const base = Array.from({ length: 50 }, (_, i) => otherRow(i));
  if (acked || rows.length > 50) expect(rows, `${where}: table other`).toEqual([...base, otherRow(1000)]);
  else expect(rows, `${where}: table other`).toEqual(base);
}

describe('table crash: dropTable / truncateTable', () => {
  for (const op of ['dropTable', 'truncateTable'] as const) {
    it(`a crash during ${op} or its background removal leaves the table all there or all gone, and the open finishes the removal`, async () => {
      const { fs: base, model } = await baseWith(2000, 11);
      const rows = sortedRows(model);

      const run = async (every: number) => {
        const fs = copyOf(base);
        const t = await reopen(fs);
        const oldId = t.meta(ITEMS).id;
        const st: DropState = { done: false, created: false, firstAcked: false, otherAcked: false };
        const cap = captureImages(fs, everyNth(every), 13, () => ({ ...st }));
        if (op === 'dropTable') await t.dropTable(ITEMS);
        else await t.truncateTable(ITEMS);
        st.done = true;
        // The removal runs in the background: the new table (truncated, or created again under the
        // old name) and another table take writes meanwhile.
        if (op === 'dropTable') {
          await t.createTable({ name: ITEMS, columns: ITEM_COLUMNS.map((c) => ({ ...c })) as never, indexes: [{ name: 'by_val', columns: ['val'] }] });
          st.created = true;
        }
        expect((await t.insert(ITEMS, [FIRST])).ids).toEqual([1]);
        st.firstAcked = true;
        await t.insert(OTHER, [otherRow(1000)]);
        st.otherAcked = true;
        await t.waitForBackgroundWork();
        cap.final('after the removal');
        fs.onOperation = undefined;
        expectRemoved(t, oldId, 'without a crash');
        await t.close();
        return { oldId, changing: cap.changing(), images: cap.images };
      };

      const counting = await run(1e9);
      const { oldId, images } = await run(stride(counting.changing, 10));
      expect(images.length).toBeGreaterThan(5);

      let before = 0;
      let after = 0;
      let recoveries = 0;
      for (const [n, image] of images.entries()) {
        const where = `image ${n} (${image.where}; ${show(image.state)})`;
        const pristine = copyOf(image.fs);
        const t = await reopen(image.fs);
        try {
          const meta = t.listTables().includes(ITEMS) ? t.meta(ITEMS) : undefined;
          const old = meta?.id === oldId;
          if (image.state.done) expect(old, `${where}: the acknowledged ${op} is undone`).toBe(false);
          if (op === 'truncateTable') expect(meta, `${where}: the truncated table`).toBeDefined();
          if (old) {
            before++;
            expect(t.querySync(ITEMS).rows, `${where}: the table before ${op}`).toEqual(rows);
          } else {
            after++;
            if (image.state.created) expect(meta, `${where}: the table created again`).toBeDefined();
          }
          // The new table (truncated, or created again) holds its first row if that was acknowledged.
          let fresh = 0;
          if (meta !== undefined && !old) {
            const got = t.querySync(ITEMS).rows;
            fresh = got.length;
            if (image.state.firstAcked || got.length > 0) expect(got, `${where}: the new table`).toEqual([{ id: 1, ...FIRST }]);
            else expect(got, `${where}: the new table`).toEqual([]);
          }
          expectOther(t, image.state.otherAcked, where);
          const leftovers = keysUnder(t, tablePrefix(oldId)).length > 0;
          await t.waitForBackgroundWork();
          if (old) expectNoStrayKeys(t, ITEMS);
          else expectRemoved(t, oldId, where);
          if (meta !== undefined && !old) {
            // Auto-increment of the new table starts at 1 and never hands out a committed id again.
            expect((await t.insert(ITEMS, [{ grp: 1, code: 'x', name: 'x', val: 1 }])).ids, `${where}: ids of the new table`).toEqual([fresh + 1]);
            expectIndexesConsistent(t, ITEMS, t.querySync(ITEMS).rows, new Rng(n));
          }
          await t.close();
          // A power loss inside the recovery that resumes the removal changes nothing.
          if (!old && leftovers && recoveries < 2) {
            recoveries++;
            for (const [m, again] of (await recoveryImages(pristine, 3, n)).entries()) {
              const w2 = `${where}, then recovery image ${m} (${again.where})`;
              const t2 = await reopen(again.fs);
              try {
                expect(t2.listTables().includes(ITEMS) ? t2.meta(ITEMS).id : undefined, w2).toBe(meta?.id);
                await t2.waitForBackgroundWork();
                expectRemoved(t2, oldId, w2);
              } finally {
                await t2.close();
              }
            }
          }
        } catch (e) {
          await t.close().catch(() => undefined);
          throw new Error(`${where}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        }
      }
      console.log(`[crash points] test/table/crash.test.ts ${op}: ${images.length} images of ${counting.changing} changing operations; ${before} before, ${after} after; ${recoveries} recoveries crashed inside`);
      expect(before, 'images with the table as it was').toBeGreaterThan(0);
      expect(after, `images after the ${op}`).toBeGreaterThan(0);
      expect(recoveries, 'images with a removal left to resume').toBeGreaterThan(0);
      await expectNoUnhandled(op);
    }, TIMEOUT);
  }
});

// ---- 3. statements: inserts, updates, deletes, transactions ------------------------------------

describe('table crash: statements are atomic with their index entries', () => {
  it('after a crash, the table is the state after the acknowledged statements (or the one in flight too), every index exact, no id reused', async () => {
    const { fs: base, model } = await baseWith(300, 21, [
      { name: 'by_val', columns: ['val'] },
      { name: 'by_grp_val', columns: ['grp', 'val'] },
    ]);
    const { stmts, states } = makeStatements(new Rng(22), model, 80, 's');

    const run = async (every: number) => {
      const fs = copyOf(base);
      const t = await reopen(fs);
      const st = { acked: 0, issued: 0 };
      const cap = captureImages(fs, everyNth(every), 23, () => ({ ...st }));
      for (let j = 0; j < stmts.length; j++) {
        st.issued = j + 1;
        const s = stmts[j]!;
        const ids = await runStmt(t, s);
        if (s.kind === 'insert' || s.kind === 'tx') expect(ids).toEqual(s.rows.map((_, i) => states[j]!.high + 1 + i));
        st.acked = j + 1;
      }
      await t.waitForBackgroundWork();
      cap.final('after the last statement');
      fs.onOperation = undefined;
      expect(t.querySync(ITEMS).rows).toEqual(sortedRows(states[stmts.length]!));
      await t.close();
      return { changing: cap.changing(), images: cap.images };
    };

    const counting = await run(1e9);
    const { images } = await run(stride(counting.changing, 30));
    expect(images.length).toBeGreaterThan(LONG ? counting.changing / 2 : 20);
    let inFlightKept = 0;
    let inFlightLost = 0;
    for (const [n, image] of images.entries()) {
      const where = `image ${n} (${image.where}; ${show(image.state)})`;
      const t = await reopen(image.fs);
      try {
        const rows = t.querySync(ITEMS).rows;
        const k = matchPrefix(rows, states, image.state.acked, image.state.issued, where);
        if (image.state.issued > image.state.acked) {
          if (k === image.state.issued) inFlightKept++;
          else inFlightLost++;
        }
        expect(await t.count(ITEMS), where).toBe(rows.length);
        expectIndexesConsistent(t, ITEMS, rows, new Rng(n));
        await t.waitForBackgroundWork();
        expectNoStrayKeys(t, ITEMS);
        await expectFreshId(t, states[k]!.high, where);
      } catch (e) {
        throw new Error(`${where}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      } finally {
        await t.close();
      }
    }
    console.log(`[crash points] test/table/crash.test.ts statements: ${images.length} images of ${counting.changing} changing operations; statement in flight kept ${inFlightKept}, lost ${inFlightLost}`);
    expect(inFlightKept, 'images keeping the statement in flight').toBeGreaterThan(0);
    expect(inFlightLost, 'images losing the statement in flight').toBeGreaterThan(0);
    await expectNoUnhandled('statements');
  }, TIMEOUT);
});

// ---- 4. auto-increment and leftovers -----------------------------------------------------------

describe('table crash: auto-increment and leftovers', () => {
  it('ids of committed rows are never handed out again after a crash, even when those rows were deleted (and hidden row ids too)', async () => {
    const fs = new FaultFS({ durableMkdir: true });
    const t = await reopen(fs);
    await t.createTable({ name: ITEMS, columns: ITEM_COLUMNS.map((c) => ({ ...c })) as never });
    await t.createTable({ name: 'nopk', columns: [{ name: 'a', type: 'INT' }] });
    expect((await t.insert(ITEMS, Array.from({ length: 10 }, (_, i) => ({ grp: 1, code: `a${i}`, name: 'a', val: i })))).ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await t.delete(ITEMS, { column: 'id', op: '>=', value: 8 });
    await t.insert('nopk', [{ a: 1 }, { a: 2 }]);
    await t.delete('nopk', { column: 'a', op: '=', value: 2 });
    for (const mode of ['dropAll', 'random', 'keepAll'] as const) {
      const t2 = await reopen(fs.crash(5, { mode }));
      expect((await t2.insert(ITEMS, [{ grp: 1, code: 'b', name: 'b', val: 0 }])).ids, mode).toEqual([11]);
      await t2.insert('nopk', [{ a: 3 }]);
      // A reused hidden row id would overwrite row a=1 (or bring a deleted one back).
      expect(t2.querySync('nopk').rows.map((r) => r.a).sort(), mode).toEqual([1, 3]);
      await t2.close();
    }
    await t.close();
  });

  it('keys of a table id the catalog does not know (a crash leftover) are found and removed at open', async () => {
    const fs = new FaultFS({ durableMkdir: true });
    const t = await reopen(fs);
    await t.createTable({ name: OTHER, columns: [{ name: 'k', type: 'INT', primary: true }, { name: 'v', type: 'TEXT' }] });
    await t.insert(OTHER, [otherRow(1)]);
    const orphan = 40;
    for (let i = 0; i < 100; i++) await t.db.put(Buffer.concat([tablePrefix(orphan), Buffer.from([0, 0, i])]), 'x');
    await t.close();
    const t2 = await reopen(fs.crash(1, { mode: 'dropAll' }));
    await t2.waitForBackgroundWork();
    expect(keysUnder(t2, tablePrefix(orphan)).length).toBe(0);
    expect(t2.querySync(OTHER).rows).toEqual([otherRow(1)]);
    await t2.close();
  });
});

// ---- regressions -------------------------------------------------------------------------------

describe('table crash: regressions', () => {
  it('rows inserted while addIndex starts are in the index, before and after a crash (statements queued with the old definition committed after the backfill read)', async () => {
    for (let spacing = 0; spacing < 5; spacing++) {
      const fs = new FaultFS({ durableMkdir: true });
      const t = await reopen(fs);
      await t.createTable({ name: 'x', columns: [{ name: 'id', type: 'INT', primary: true, autoIncrement: true }, { name: 'g', type: 'INT' }] });
      await t.insert('x', [{ g: 1 }, { g: 2 }]);
      const pending: Promise<unknown>[] = [t.alterTable('x', { addIndex: { name: 'by_g', columns: ['g'] } })];
      // Inserts spread over the microtasks in which the build writes its catalog record and starts.
      for (let i = 0; i < 30; i++) {
        pending.push(t.insert('x', [{ g: 7 }]));
        for (let k = 0; k < spacing; k++) await null;
      }
      await Promise.all(pending);
      expectIndexesConsistent(t, 'x', t.querySync('x').rows, new Rng(spacing));
      await t.close();
      const again = await reopen(fs.crash(spacing, { mode: 'dropAll' }));
      expectIndexesConsistent(again, 'x', again.querySync('x').rows, new Rng(spacing));
      expect(again.querySync('x', { where: { column: 'g', op: '=', value: 7 } }).rows, `spacing ${spacing}`).toHaveLength(30);
      await again.close();
    }
  });
});
