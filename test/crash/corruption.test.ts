// SPEC §4.2 under damage: for every file kind (table, value log, WAL, MANIFEST, DISCARD) and every
// kind of damage (a flipped bit, a truncation, a zeroed range, a deleted file), opening and reading
// the database gives the right data or CORRUPTION naming a file and an offset — never wrong bytes.
// A torn-looking tail of the newest WAL or value-log file may cost the batches after it (a crash's
// outcome: what survives is a prefix of the batches). verifyDirectory reports every damage that a
// read can meet, and every damage to a file whose every byte a checksum covers.

import { describe, expect, it } from 'vitest';
import { Rng, SettError } from '../../src/base/index.js';
import { FaultFS } from '../../src/fs/index.js';
import { open, verifyDirectory, type DB, type OpenOptions, type VerifyReport } from '../../src/db/index.js';

const DIR = '/db';
const OPTIONS: OpenOptions = {
  memTableSize: 16 * 1024,
  valueThreshold: 64,
  valueLogFileSize: 16 * 1024,
  blockSize: 256,
  baseTableSize: 8 * 1024,
  compression: 'snappy',
  executor: 'inline',
};
const SEEDS = Number(process.env.SETT_CORRUPTION_SEEDS ?? 5);
const KEYS = 150;
/** Batches written after the last flush: they live only in the WAL (and the newest value log). */
const TAIL_BATCHES = 6;

type Op = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

interface Built {
  fs: FaultFS;
  /** states[k]: the database after the first k batches. */
  states: Map<string, string>[];
  keys: string[];
}

const keyOf = (i: number): string => `key${String(i).padStart(4, '0')}`;

async function build(options: OpenOptions): Promise<Built> {
  const fs = new FaultFS({ durableMkdir: true });
  const rng = new Rng(20261123);
  const db = await open(DIR, { fs, ...options });
  const batches: Op[][] = [];
  const randomBatch = (): Op[] => {
    const ops: Op[] = [];
    const n = 1 + rng.int(6);
    for (let i = 0; i < n; i++) {
      const key = keyOf(rng.int(KEYS));
      if (rng.int(10) === 0) ops.push({ type: 'del', key });
      else {
        const large = rng.int(2) === 0;
        const len = large ? 80 + rng.int(220) : 8 + rng.int(30);
        ops.push({ type: 'put', key, value: `${key}:${batches.length}:`.padEnd(len, String.fromCharCode(97 + rng.int(26))) });
      }
    }
    return ops;
  };
  const write = async (ops: Op[]): Promise<void> => {
    await db.batch(ops.map((o) => (o.type === 'put' ? { type: 'put', key: o.key, value: o.value } : { type: 'del', key: o.key })));
    batches.push(ops);
  };
  for (let b = 0; b < 160; b++) await write(randomBatch());
  await db.flatten(); // everything so far in tables, overwritten values counted as discardable
  for (let b = 0; b < TAIL_BATCHES; b++) await write(randomBatch());
  await db.close();

  const states: Map<string, string>[] = [new Map()];
  for (const ops of batches) {
    const s = new Map(states[states.length - 1]!);
    for (const o of ops) {
      if (o.type === 'put') s.set(o.key, o.value);
      else s.delete(o.key);
    }
    states.push(s);
  }
  return { fs, states, keys: Array.from({ length: KEYS }, (_, i) => keyOf(i)) };
}

type Target = 'table' | 'vlog-older' | 'vlog-newest' | 'wal' | 'manifest' | 'discard' | 'keyregistry';
type Damage = 'flip' | 'truncate' | 'zero' | 'delete';

function filesOf(fs: FaultFS, target: Target): string[] {
  const names = fs.list(DIR).sort();
  const vlogs = names.filter((n) => n.endsWith('.vlog'));
  switch (target) {
    case 'table':
      return names.filter((n) => n.endsWith('.sst'));
    case 'vlog-older':
      return vlogs.slice(0, -1);
    case 'vlog-newest':
      return vlogs.slice(-1);
    case 'wal':
      return names.filter((n) => n.endsWith('.mem'));
    case 'manifest':
      return ['MANIFEST'];
    case 'discard':
      return names.filter((n) => n === 'DISCARD');
    case 'keyregistry':
      return names.filter((n) => n === 'KEYREGISTRY');
  }
}

/** Damages `file` in place; returns a description for failure messages. */
function damage(fs: FaultFS, file: string, kind: Damage, rng: Rng): string {
  const path = `${DIR}/${file}`;
  const bytes = fs.readFileDirect(path);
  switch (kind) {
    case 'flip': {
      const at = rng.int(bytes.length);
      const bit = rng.int(8);
      const out = bytes.slice();
      out[at]! ^= 1 << bit;
      fs.writeFileDirect(path, out);
      return `bit ${bit} of byte ${at} flipped`;
    }
    case 'truncate': {
      const to = rng.int(bytes.length);
      fs.writeFileDirect(path, bytes.slice(0, to));
      return `truncated from ${bytes.length} to ${to} bytes`;
    }
    case 'zero': {
      // A range that holds a nonzero byte, so that zeroing it changes the file.
      for (;;) {
        const at = rng.int(bytes.length);
        const end = Math.min(bytes.length, at + 1 + rng.int(64));
        if (!bytes.subarray(at, end).some((b) => b !== 0)) continue;
        const out = bytes.slice();
        out.fill(0, at, end);
        fs.writeFileDirect(path, out);
        return `bytes ${at}..${end} zeroed`;
      }
    }
    case 'delete':
      fs.unlink(path);
      return 'deleted';
  }
}

function isCorruption(err: unknown): err is SettError {
  return err instanceof SettError && err.code === 'CORRUPTION' && typeof err.file === 'string' && typeof err.offset === 'number';
}

interface Observed {
  openError?: SettError;
  /** Per key: its value, undefined for absent, or the CORRUPTION error its read met. */
  reads: Map<string, string | undefined | SettError>;
}

async function observe(fs: FaultFS, keys: string[], options: OpenOptions): Promise<Observed> {
  let db: DB;
  try {
    db = await open(DIR, { fs, ...options });
  } catch (err) {
    if (!isCorruption(err)) throw new Error(`open failed with something other than CORRUPTION naming a file and offset: ${String(err)}`, { cause: err });
    return { openError: err, reads: new Map() };
  }
  try {
    const reads = new Map<string, string | undefined | SettError>();
    for (const key of keys) {
      try {
        const v = await db.get(key);
        reads.set(key, v === undefined ? undefined : v.toString('latin1'));
      } catch (err) {
        if (!isCorruption(err)) throw new Error(`get(${key}) failed with something other than CORRUPTION: ${String(err)}`, { cause: err });
        reads.set(key, err);
      }
    }
    // The iterator must agree with the point reads wherever it gets through.
    try {
      for (const [k, v] of db.iterator()) {
        const key = k!.toString('latin1');
        const read = reads.get(key);
        if (read instanceof SettError) continue;
        expect(v!.toString('latin1'), `iterator value of ${key}`).toBe(read);
      }
    } catch (err) {
      if (!isCorruption(err)) throw err;
    }
    return { reads };
  } finally {
    await db.close().catch(() => {});
  }
}

/** The batch counts k (>= minK) whose state every successful read agrees with. */
function consistentPrefixes(built: Built, reads: Observed['reads'], minK: number): number[] {
  const out: number[] = [];
  for (let k = minK; k < built.states.length; k++) {
    const state = built.states[k]!;
    let ok = true;
    for (const [key, got] of reads) {
      if (got instanceof SettError) continue;
      if (state.get(key) !== got) {
        ok = false;
        break;
      }
    }
    if (ok) out.push(k);
  }
  return out;
}

function problemNamed(report: VerifyReport, file: string): boolean {
  return report.problems.some((p) => p.file === file);
}

const TARGETS: Target[] = ['table', 'vlog-older', 'vlog-newest', 'wal', 'manifest', 'discard'];
const DAMAGES: Damage[] = ['flip', 'truncate', 'zero', 'delete'];
const KEY = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);

describe.each([
  { name: 'plain', options: OPTIONS, targets: TARGETS, seeds: SEEDS },
  { name: 'encrypted', options: { ...OPTIONS, encryptionKey: KEY }, targets: [...TARGETS, 'keyregistry' as const], seeds: Math.max(1, Math.ceil(SEEDS / 2)) },
])('corruption of every file kind of a $name database (SPEC §4.2)', ({ name, options, targets, seeds }) => {
  it('gives the right data or CORRUPTION with file and offset, and verify reports the damage', async () => {
    const built = await build(options);
    const key = options.encryptionKey;
    const all = built.states.length - 1;
    const tally = new Map<string, number>();
    const count = (what: string): void => {
      tally.set(what, (tally.get(what) ?? 0) + 1);
    };
    let cases = 0;
    for (const target of targets) {
      const candidates = filesOf(built.fs, target);
      expect(candidates.length, `the built database has a ${target} file`).toBeGreaterThan(0);
      for (const kind of DAMAGES) {
        for (let seed = 1; seed <= seeds; seed++) {
          const rng = new Rng(seed * 1000 + targets.indexOf(target) * 10 + DAMAGES.indexOf(kind));
          const fs = built.fs.crash(0, { mode: 'keepAll' });
          const file = candidates[rng.int(candidates.length)]!;
          const what = `${target} ${file} ${damage(fs, file, kind, rng)} (seed ${seed})`;
          cases++;

          const report = await verifyDirectory(DIR, { fs, executor: 'inline', ...(key === undefined ? {} : { encryptionKey: key }) });
          const seen = await observe(fs, built.keys, options);
          const tailLike = target === 'wal' || target === 'vlog-newest';

          if (seen.openError !== undefined) {
            count(`${target}: open CORRUPTION`);
            expect(report.ok, `${what}: open failed (${seen.openError.message}) but verify found nothing`).toBe(false);
            continue;
          }
          const errors = [...seen.reads.values()].filter((r) => r instanceof SettError).length;
          const prefixes = consistentPrefixes(built, seen.reads, tailLike ? all - TAIL_BATCHES : all);
          expect(prefixes.length, `${what}: reads match no allowed prefix of the batches (wrong bytes or lost data)`).toBeGreaterThan(0);
          if (errors > 0) {
            count(`${target}: reads CORRUPTION`);
            expect(report.ok, `${what}: ${errors} reads met CORRUPTION but verify found nothing`).toBe(false);
          } else if (!prefixes.includes(all)) {
            count(`${target}: tail lost`);
            const f = report.files.find((x) => x.file === file);
            const reported = problemNamed(report, file) || (f !== undefined && f.tornBytes > 0) || kind === 'delete' || kind === 'truncate';
            expect(reported, `${what}: batches lost but verify shows neither a problem nor a torn tail`).toBe(true);
          } else {
            count(`${target}: right data`);
          }
          // Every byte of these files is covered by a checksum or a check: verify must see any change
          // (in the MANIFEST, damage to the final seal reads as a torn tail, which verify shows).
          // A DISCARD that is missing is no damage: nothing needs it (GC estimates start afresh).
          if (target === 'table' || target === 'vlog-older' || target === 'keyregistry' || (target === 'discard' && kind !== 'delete')) {
            expect(problemNamed(report, file), `${what}: verify did not report ${file}: ${JSON.stringify(report.problems)}`).toBe(true);
          } else if (target === 'manifest' && kind !== 'truncate') {
            const torn = (report.files.find((f) => f.file === file)?.tornBytes ?? 0) > 0;
            expect(problemNamed(report, file) || torn, `${what}: verify shows neither a problem nor a torn tail`).toBe(true);
          }
        }
      }
    }
    console.log(`corruption cases (${name}): ${cases}; outcomes: ${JSON.stringify(Object.fromEntries([...tally].sort()))}`);
    expect(cases).toBe(targets.length * DAMAGES.length * seeds);
  });
});
