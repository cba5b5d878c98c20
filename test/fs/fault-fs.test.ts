// FaultFS: what a crash keeps and loses, injected faults, and the helpers crash tests use.

import { describe, expect, it } from 'vitest';
import { IoError } from '../../src/base/index.js';
import { FaultFS, readAll, type FileHandle, type FsOp } from '../../src/fs/index.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string): Uint8Array => enc.encode(s);

/** The current text of a file, or undefined when it does not exist. */
function textOf(fs: FaultFS, p: string): string | undefined {
  return fs.exists(p) ? dec.decode(fs.readFileDirect(p)) : undefined;
}

/** Creates `p` holding `s`, the bytes synced and the directory synced: fully durable. */
async function durableFile(fs: FaultFS, p: string, s: string): Promise<void> {
  const h = fs.open(p, 'w');
  h.append(bytes(s));
  await h.sync();
  h.close();
  await fs.syncDir(p.slice(0, p.lastIndexOf('/')) || '/');
}

function errorOf(fn: () => unknown): { code?: string } {
  try {
    fn();
  } catch (err) {
    return err as { code?: string };
  }
  throw new Error('expected an error');
}

const SEEDS = Array.from({ length: 200 }, (_, i) => i);

async function setup(): Promise<FaultFS> {
  const fs = new FaultFS();
  fs.mkdir('/db');
  await fs.syncDir('/');
  return fs;
}

describe('file contents across a crash', () => {
  it('an unsynced append is dropped by a power loss that drops everything', async () => {
    const fs = await setup();
    await durableFile(fs, '/db/wal', 'synced|');
    const h = fs.open('/db/wal', 'r+');
    h.append(bytes('unsynced'));
    expect(textOf(fs.crash(1, { mode: 'dropAll' }), '/db/wal')).toBe('synced|');
  });

  it('a process kill (keepAll) keeps unsynced appends and names', async () => {
    const fs = await setup();
    const h = fs.open('/db/wal', 'w');
    h.append(bytes('never synced'));
    expect(textOf(fs.crash(1, { mode: 'keepAll' }), '/db/wal')).toBe('never synced');
  });

  it('synced bytes survive every random crash', async () => {
    const fs = await setup();
    await durableFile(fs, '/db/wal', 'synced|');
    const h = fs.open('/db/wal', 'r+');
    h.append(bytes('more'));
    await h.sync();
    h.append(bytes('+unsynced tail'));
    for (const seed of SEEDS) {
      const got = textOf(fs.crash(seed), '/db/wal');
      expect(got?.startsWith('synced|more'), `seed ${seed}: ${got}`).toBe(true);
      expect('synced|more+unsynced tail'.startsWith(got!), `seed ${seed}: ${got}`).toBe(true);
    }
  });

  it('a torn crash keeps a prefix of the unsynced appends cut at an arbitrary byte', async () => {
    const fs = await setup();
    await durableFile(fs, '/db/vlog', 'S');
    const h = fs.open('/db/vlog', 'r+');
    for (let i = 0; i < 10; i++) h.append(bytes('0123456789')); // ten 10-byte records
    const current = dec.decode(fs.readFileDirect('/db/vlog'));
    const lengths = new Set<number>();
    for (const seed of SEEDS) {
      const got = textOf(fs.crash(seed, { files: 'torn' }), '/db/vlog')!;
      expect(current.startsWith(got), `seed ${seed}`).toBe(true);
      expect(got.length, `seed ${seed}`).toBeGreaterThanOrEqual(1);
      expect(got.length, `seed ${seed}`).toBeLessThan(current.length);
      lengths.add(got.length);
    }
    expect([...lengths].some((n) => (n - 1) % 10 !== 0)).toBe(true); // cut inside a record, not only between
    expect(lengths.size).toBeGreaterThan(20);
  });

  it('a torn crash in garbage mode may end in bytes that were never written, after an intact prefix', async () => {
    const fs = await setup();
    await durableFile(fs, '/db/wal', 'SYNCED');
    const h = fs.open('/db/wal', 'r+');
    h.append(new Uint8Array(100).fill(0x41));
    const current = fs.readFileDirect('/db/wal');
    let garbage = 0;
    for (const seed of SEEDS) {
      const got = fs.crash(seed, { files: 'torn', tornGarbage: true }).readFileDirect('/db/wal');
      expect(dec.decode(got.subarray(0, 6)), `seed ${seed}`).toBe('SYNCED');
      expect(got.length, `seed ${seed}`).toBeLessThanOrEqual(current.length);
      expect(got.length, `seed ${seed}`).toBeGreaterThan(6);
      if (got.some((b, i) => b !== current[i])) garbage++;
    }
    expect(garbage).toBeGreaterThan(SEEDS.length / 2);
  });

  it('an unsynced overwrite of synced bytes is undone by dropAll and kept by keepAll', async () => {
    const fs = await setup();
    await durableFile(fs, '/db/f', 'abcdef');
    const h = fs.open('/db/f', 'r+');
    h.write(bytes('XY'), 2);
    h.append(bytes('gh'));
    expect(textOf(fs.crash(0, { mode: 'dropAll' }), '/db/f')).toBe('abcdef');
    expect(textOf(fs.crash(0, { mode: 'keepAll' }), '/db/f')).toBe('abXYefgh');
  });

  it('an unsynced truncate is undone by dropAll; synced, it survives', async () => {
    const fs = await setup();
    await durableFile(fs, '/db/f', 'abcdef');
    const h = fs.open('/db/f', 'r+');
    h.truncate(2);
    expect(textOf(fs.crash(0, { mode: 'dropAll' }), '/db/f')).toBe('abcdef');
    await h.sync();
    expect(textOf(fs.crash(0, { mode: 'dropAll' }), '/db/f')).toBe('ab');
  });

  it("reopening with 'w' truncates unsynced: dropAll brings the old bytes back", async () => {
    const fs = await setup();
    await durableFile(fs, '/db/f', 'old');
    const h = fs.open('/db/f', 'w');
    h.append(bytes('new!'));
    expect(textOf(fs.crash(0, { mode: 'dropAll' }), '/db/f')).toBe('old');
    for (const seed of SEEDS) {
      const got = textOf(fs.crash(seed), '/db/f');
      expect(['old', '', 'n', 'ne', 'new', 'new!'], `seed ${seed}`).toContain(got);
    }
  });
});

describe('directory entries across a crash', () => {
  it('a file created without a directory sync can vanish, even with its bytes synced', async () => {
    const fs = await setup();
    const h = fs.open('/db/000001.sst', 'w');
    h.append(bytes('table'));
    await h.sync();
    expect(fs.crash(0, { mode: 'dropAll' }).exists('/db/000001.sst')).toBe(false);
    const outcomes = new Set(SEEDS.map((seed) => textOf(fs.crash(seed), '/db/000001.sst')));
    expect(outcomes).toEqual(new Set([undefined, 'table']));
  });

  it('a file created, synced and directory-synced survives every crash', async () => {
    const fs = await setup();
    await durableFile(fs, '/db/000001.sst', 'table');
    expect(fs.isDurable('/db/000001.sst')).toBe(true);
    for (const seed of SEEDS) expect(textOf(fs.crash(seed), '/db/000001.sst'), `seed ${seed}`).toBe('table');
  });

  it('a directory-synced file whose bytes were not synced survives as an empty file', async () => {
    const fs = await setup();
    const h = fs.open('/db/f', 'w');
    h.append(bytes('unsynced'));
    await fs.syncDir('/db');
    expect(textOf(fs.crash(0, { mode: 'dropAll' }), '/db/f')).toBe('');
  });

  it('a rename without a directory sync may or may not happen, but is atomic', async () => {
    const fs = await setup();
    await durableFile(fs, '/db/MANIFEST', 'A');
    const h = fs.open('/db/MANIFEST.tmp', 'w');
    h.append(bytes('B'));
    await h.sync();
    h.close();
    fs.rename('/db/MANIFEST.tmp', '/db/MANIFEST');
    const outcomes = new Set<string>();
    for (const seed of SEEDS) {
      const c = fs.crash(seed);
      const state = `${textOf(c, '/db/MANIFEST')}/${textOf(c, '/db/MANIFEST.tmp')}`;
      // Old content (with or without the temp file) or new content, never a mix.
      expect(['A/undefined', 'A/B', 'B/undefined'], `seed ${seed}`).toContain(state);
      outcomes.add(state);
    }
    expect(outcomes.size).toBe(3);
    await fs.syncDir('/db');
    for (const seed of SEEDS) expect(textOf(fs.crash(seed), '/db/MANIFEST'), `seed ${seed}`).toBe('B');
  });

  it('a rename across directories keeps exactly one of the two names', async () => {
    const fs = await setup();
    fs.mkdir('/db/a');
    fs.mkdir('/db/b');
    await fs.syncDir('/db');
    await durableFile(fs, '/db/a/f', 'payload');
    fs.open('/db/b/other', 'w').close(); // pending in b before the rename: prefixes must interlock
    fs.rename('/db/a/f', '/db/b/f');
    const outcomes = new Set<string>();
    for (const seed of SEEDS) {
      const c = fs.crash(seed);
      const inA = c.exists('/db/a/f');
      const inB = c.exists('/db/b/f');
      expect(inA !== inB, `seed ${seed}: a=${inA} b=${inB}`).toBe(true);
      expect(textOf(c, inA ? '/db/a/f' : '/db/b/f')).toBe('payload');
      if (inB) expect(c.exists('/db/b/other'), `seed ${seed}`).toBe(true); // b's ops survive in order
      outcomes.add(inA ? 'a' : 'b');
    }
    expect(outcomes.size).toBe(2);
    await fs.syncDir('/db/a'); // syncing either side commits both halves
    for (const seed of SEEDS) expect(fs.crash(seed).exists('/db/b/f'), `seed ${seed}`).toBe(true);
  });

  it('an unlink without a directory sync can be undone; with one it cannot', async () => {
    const fs = await setup();
    await durableFile(fs, '/db/000003.mem', 'wal');
    fs.unlink('/db/000003.mem');
    expect(textOf(fs.crash(0, { dirs: 'drop' }), '/db/000003.mem')).toBe('wal');
    const outcomes = new Set(SEEDS.map((seed) => textOf(fs.crash(seed), '/db/000003.mem')));
    expect(outcomes).toEqual(new Set([undefined, 'wal']));
    await fs.syncDir('/db');
    for (const seed of SEEDS) expect(fs.crash(seed).exists('/db/000003.mem'), `seed ${seed}`).toBe(false);
  });

  it('pending operations of a directory survive as a prefix, in order', async () => {
    const fs = await setup();
    for (const name of ['1', '2', '3', '4']) fs.open(`/db/${name}`, 'w').close();
    for (const seed of SEEDS) {
      const names = fs.crash(seed).list('/db');
      expect(['1', '2', '3', '4'].slice(0, names.length), `seed ${seed}`).toEqual(names);
    }
  });

  it('a directory rename moves its files, is refused into its own subtree, and is undone by dropAll', async () => {
    const fs = await setup();
    fs.mkdir('/db/tmp-restore');
    await fs.syncDir('/db');
    await durableFile(fs, '/db/tmp-restore/000001.sst', 't');
    expect(errorOf(() => fs.rename('/db/tmp-restore', '/db/tmp-restore/inner')).code).toBe('EINVAL');
    fs.rename('/db/tmp-restore', '/db/restored');
    expect(fs.listAll()).toEqual(['/db/restored/000001.sst']);
    expect(fs.crash(0, { mode: 'dropAll' }).listAll()).toEqual(['/db/tmp-restore/000001.sst']);
    expect(fs.crash(0, { mode: 'keepAll' }).listAll()).toEqual(['/db/restored/000001.sst']);
  });

  it('a mkdir without a sync of the parent vanishes with everything below it, unless durableMkdir', async () => {
    const fs = new FaultFS();
    fs.mkdir('/db');
    await durableFile(fs, '/db/f', 'x');
    expect(fs.crash(0, { mode: 'dropAll' }).exists('/db')).toBe(false);
    const durable = new FaultFS({ durableMkdir: true });
    durable.mkdir('/db/sub');
    await durableFile(durable, '/db/sub/f', 'x');
    expect(textOf(durable.crash(0, { mode: 'dropAll' }), '/db/sub/f')).toBe('x');
  });
});

describe('crash()', () => {
  async function busyFs(): Promise<FaultFS> {
    const fs = await setup();
    for (let i = 0; i < 6; i++) {
      const h = fs.open(`/db/f${i}`, 'w');
      h.append(bytes(`file ${i} `.repeat(5)));
      if (i % 2 === 0) await h.sync();
      h.append(bytes('tail'.repeat(i)));
    }
    fs.rename('/db/f1', '/db/f5');
    fs.unlink('/db/f2');
    return fs;
  }

  function snapshot(fs: FaultFS): string {
    return fs
      .listAll()
      .map((p) => `${p}=${dec.decode(fs.readFileDirect(p))}`)
      .join('\n');
  }

  it('is deterministic: the same seed gives the same state, other seeds other states', async () => {
    const fs = await busyFs();
    for (const seed of [1, 2, 3, 12345, 0xdeadbeef]) {
      expect(snapshot(fs.crash(seed, { tornGarbage: true })), `seed ${seed}`).toBe(
        snapshot(fs.crash(seed, { tornGarbage: true })),
      );
    }
    expect(new Set(SEEDS.map((seed) => snapshot(fs.crash(seed)))).size).toBeGreaterThan(10);
  });

  it('leaves the original unchanged and usable', async () => {
    const fs = await busyFs();
    const before = snapshot(fs);
    const h = fs.open('/db/f0', 'r+');
    fs.crash(7, { mode: 'dropAll' });
    expect(snapshot(fs)).toBe(before);
    h.append(bytes('!'));
    expect(textOf(fs, '/db/f0')!.endsWith('!')).toBe(true);
  });

  it('gives a fully durable file system: a second crash changes nothing', async () => {
    const fs = await busyFs();
    const once = fs.crash(99);
    expect(snapshot(once.crash(5, { mode: 'dropAll' }))).toBe(snapshot(once));
  });

  it('keepAll is the current state; dropAll is what isDurable promised', async () => {
    const fs = await busyFs();
    expect(snapshot(fs.crash(0, { mode: 'keepAll' }))).toBe(snapshot(fs));
    const dropped = fs.crash(0, { mode: 'dropAll' });
    for (const p of fs.listAll().filter((x) => fs.isDurable(x))) {
      expect(textOf(dropped, p), p).toBe(textOf(fs, p));
    }
  });
});

describe('fault injection', () => {
  it('fails the nth matching operation with EIO, visible through IoError.from, and only that one', async () => {
    const fs = await setup();
    const fault = fs.injectFault({ op: 'append', nth: 3, errno: 'EIO' });
    const h = fs.open('/db/wal', 'w');
    h.append(bytes('a'));
    h.append(bytes('b'));
    const err = errorOf(() => h.append(bytes('c')));
    expect(err.code).toBe('EIO');
    const io = IoError.from(err, 'append to WAL', 'wal');
    expect(io.code).toBe('IO_ERROR');
    expect(io.errno).toBe('EIO');
    expect(textOf(fs, '/db/wal')).toBe('ab'); // a failed append changes nothing
    h.append(bytes('d'));
    expect(textOf(fs, '/db/wal')).toBe('abd');
    expect(fault.fired).toBe(1);
    expect(fault.matched).toBe(4 - 1); // spent after firing: the 4th append was not matched
  });

  it('fails with ENOSPC, and partialBytes lets a prefix of the write land first', async () => {
    const fs = await setup();
    const h = fs.open('/db/vlog', 'w');
    fs.injectFault({ op: 'write', errno: 'ENOSPC' });
    expect(errorOf(() => h.write(bytes('whole'), 0)).code).toBe('ENOSPC');
    expect(textOf(fs, '/db/vlog')).toBe('');
    fs.injectFault({ op: ['append', 'write'], errno: 'ENOSPC', partialBytes: 3 });
    const err = errorOf(() => h.append(bytes('partial')));
    expect(err.code).toBe('ENOSPC');
    expect(IoError.from(err, 'append').errno).toBe('ENOSPC');
    expect(textOf(fs, '/db/vlog')).toBe('par');
  });

  it('a sticky fault keeps failing after the nth until cleared', async () => {
    const fs = await setup();
    await durableFile(fs, '/db/f', 'x');
    fs.injectFault({ op: 'sync', errno: 'EIO', nth: 2, sticky: true });
    const h = fs.open('/db/f', 'r+');
    await h.sync();
    for (let i = 0; i < 3; i++) await expect(h.sync()).rejects.toMatchObject({ code: 'EIO' });
    fs.clearFaults();
    await h.sync();
  });

  it('a failed sync leaves the bytes unsynced', async () => {
    const fs = await setup();
    await durableFile(fs, '/db/f', 'old');
    const h = fs.open('/db/f', 'r+');
    h.append(bytes('+new'));
    fs.injectFault({ op: 'sync', errno: 'EIO' });
    await expect(h.sync()).rejects.toMatchObject({ code: 'EIO', syscall: 'fdatasync' });
    expect(textOf(fs.crash(0, { mode: 'dropAll' }), '/db/f')).toBe('old');
  });

  it('matches paths by exact string, RegExp or predicate; a rename by either of its paths', async () => {
    const fs = await setup();
    fs.injectFault({ path: '/db/a', errno: 'EIO' });
    fs.open('/db/b', 'w').close();
    expect(errorOf(() => fs.open('db/a', 'w')).code).toBe('EIO'); // normalised before matching
    fs.injectFault({ path: /\.sst$/, op: 'open', errno: 'EIO' });
    fs.open('/db/x.log', 'w').close();
    expect(errorOf(() => fs.open('/db/1.sst', 'w')).code).toBe('EIO');
    fs.injectFault({ path: (p) => p.endsWith('MANIFEST'), op: 'rename', errno: 'EIO' });
    expect(errorOf(() => fs.rename('/db/b', '/db/MANIFEST')).code).toBe('EIO');
    expect(fs.exists('/db/b')).toBe(true);
  });

  it('can fail every kind of operation, each failing before it has any effect', async () => {
    const fs = await setup();
    await durableFile(fs, '/db/f', 'abc');
    const h = fs.open('/db/f', 'r+');
    const sync: Record<Exclude<FsOp, 'sync' | 'syncDir'>, () => unknown> = {
      open: () => fs.open('/db/g', 'w'),
      read: () => h.read(new Uint8Array(1), 0, 1, 0),
      append: () => h.append(bytes('x')),
      write: () => h.write(bytes('x'), 0),
      truncate: () => h.truncate(0),
      rename: () => fs.rename('/db/f', '/db/h'),
      unlink: () => fs.unlink('/db/f'),
      list: () => fs.list('/db'),
      mkdir: () => fs.mkdir('/db/sub'),
      size: () => fs.size('/db/f'),
      exists: () => fs.exists('/db/f'),
      close: () => fs.open('/db/f', 'r').close(),
    };
    for (const [op, run] of Object.entries(sync)) {
      const fault = fs.injectFault({ op: op as FsOp, errno: 'EIO' });
      expect(errorOf(run).code, op).toBe('EIO');
      expect(fault.fired, op).toBe(1);
    }
    expect(fs.listAll()).toEqual(['/db/f']);
    expect(textOf(fs, '/db/f')).toBe('abc');
    fs.injectFault({ op: 'syncDir', errno: 'EIO' });
    await expect(fs.syncDir('/db')).rejects.toMatchObject({ code: 'EIO' });
  });

  it('a handle closed by a failing close stays closed (EBADF after)', async () => {
    const fs = await setup();
    const h = fs.open('/db/f', 'w');
    fs.injectFault({ op: 'close', errno: 'EIO' });
    expect(errorOf(() => h.close()).code).toBe('EIO');
    expect(errorOf(() => h.append(bytes('x'))).code).toBe('EBADF');
  });

  it('rejects a bad fault spec', () => {
    const fs = new FaultFS();
    expect(() => fs.injectFault({ errno: 'EIO', nth: 0 })).toThrow(/nth/);
    expect(() => fs.injectFault({ errno: 'EPERM' as 'EIO' })).toThrow(/errno/);
  });
});

describe('observability and helpers', () => {
  it('onOperation sees every operation before it runs, and throwing from it stops that operation', async () => {
    const seen: string[] = [];
    const fs = new FaultFS({ onOperation: (op, p, to) => seen.push(to === undefined ? `${op} ${p}` : `${op} ${p} ${to}`) });
    fs.mkdir('/db');
    const h = fs.open('/db/a', 'w');
    h.append(bytes('x'));
    await h.sync();
    h.close();
    fs.rename('/db/a', '/db/b');
    await fs.syncDir('/db');
    expect(seen).toEqual(['mkdir /db', 'open /db/a', 'append /db/a', 'sync /db/a', 'close /db/a', 'rename /db/a /db/b', 'syncDir /db']);
    expect(fs.operationCount).toBe(7);
    expect(fs.countOf('rename')).toBe(1);

    fs.onOperation = (op) => {
      if (op === 'unlink') throw new Error('power cut');
    };
    expect(() => fs.unlink('/db/b')).toThrow('power cut');
    expect(fs.exists('/db/b')).toBe(true);
  });

  it('a hook can crash the file system right before a chosen sync point', async () => {
    let syncs = 0;
    let crashed: FaultFS | undefined;
    const fs = await setup();
    fs.onOperation = (op) => {
      if (op === 'sync' && ++syncs === 2) {
        crashed = fs.crash(3, { mode: 'dropAll' });
        throw new Error('crash');
      }
    };
    const h = fs.open('/db/wal', 'w');
    await fs.syncDir('/db');
    h.append(bytes('one;'));
    await h.sync();
    h.append(bytes('two;'));
    await expect(h.sync()).rejects.toThrow('crash');
    expect(textOf(crashed!, '/db/wal')).toBe('one;');
  });

  it('handles of an unlinked file still read and write', async () => {
    const fs = await setup();
    await durableFile(fs, '/db/old.vlog', 'still here');
    const h: FileHandle = fs.open('/db/old.vlog', 'r+');
    fs.unlink('/db/old.vlog');
    expect(fs.exists('/db/old.vlog')).toBe(false);
    const buf = new Uint8Array(10);
    expect(h.read(buf, 0, 10, 0)).toBe(10);
    expect(dec.decode(buf)).toBe('still here');
    h.append(bytes('!'));
    expect(h.size()).toBe(11);
    h.close();
  });

  it('readFileDirect/writeFileDirect bypass the model: a flipped bit reaches readers and survives a crash', async () => {
    const fs = await setup();
    await durableFile(fs, '/db/000001.sst', 'abcd');
    const h = fs.open('/db/000001.sst', 'r');
    fs.injectFault({ errno: 'EIO', sticky: true }); // the helpers ignore faults
    const b = fs.readFileDirect('/db/000001.sst');
    b[1]! ^= 0x01;
    fs.writeFileDirect('/db/000001.sst', b.subarray(0, 3));
    fs.writeFileDirect('/db/new/KEYREGISTRY', bytes('k'));
    fs.clearFaults();
    const buf = new Uint8Array(3);
    h.read(buf, 0, 3, 0);
    expect(dec.decode(buf)).toBe('acc');
    const c = fs.crash(0, { mode: 'dropAll' });
    expect(textOf(c, '/db/000001.sst')).toBe('acc');
    expect(textOf(c, '/db/new/KEYREGISTRY')).toBe('k');
    expect(fs.listAll()).toEqual(['/db/000001.sst', '/db/new/KEYREGISTRY']);
    const count = fs.operationCount; // the helpers are not operations
    fs.readFileDirect('/db/000001.sst');
    expect(fs.operationCount).toBe(count);
  });

  it('isDurable tracks the file bytes and every name on its path', async () => {
    const fs = new FaultFS();
    fs.mkdir('/db');
    await durableFile(fs, '/db/f', 'x');
    expect(fs.isDurable('/db/f')).toBe(false); // /db itself is not durable in /
    await fs.syncDir('/');
    expect(fs.isDurable('/db/f')).toBe(true);
    const h = fs.open('/db/f', 'r+');
    h.append(bytes('y'));
    expect(fs.isDurable('/db/f')).toBe(false);
    await h.sync();
    fs.rename('/db/f', '/db/g');
    fs.rename('/db/g', '/db/f');
    expect(fs.isDurable('/db/f')).toBe(false); // a crash may stop between the two renames
  });

  it('operations on a closed handle fail with EBADF', () => {
    const fs = new FaultFS();
    const h = fs.open('/f', 'w');
    h.close();
    expect(errorOf(() => h.read(new Uint8Array(1), 0, 1, 0)).code).toBe('EBADF');
    expect(errorOf(() => h.size()).code).toBe('EBADF');
  });

  it('reads through readAll like NodeFS, with relative paths resolved against /', async () => {
    const fs = new FaultFS();
    await durableFile(fs, 'f', 'rel');
    expect(dec.decode(readAll(fs, '/f'))).toBe('rel');
  });
});

describe('files in shared memory (sharedMemory, for an inMemory database on workers)', () => {
  it('shareFile is a view of the file in a SharedArrayBuffer, not a copy; fit cuts the storage to the file', () => {
    const fs = new FaultFS({ sharedMemory: true });
    const h = fs.open('/t', 'w');
    h.append(bytes('table bytes'));
    const view = fs.shareFile('/t');
    expect(view.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(dec.decode(view)).toBe('table bytes');
    expect(view.buffer.byteLength).toBeGreaterThan(view.length); // a file grows by doubling
    h.write(bytes('T'), 0);
    expect(dec.decode(view)).toBe('Table bytes'); // the same memory
    const fitted = fs.shareFile('/t', true);
    expect(fitted.buffer.byteLength).toBe('table bytes'.length);
    expect(dec.decode(fitted)).toBe('Table bytes');
    h.append(bytes('!')); // grows again past the fitted storage
    expect(dec.decode(fs.readFileDirect('/t'))).toBe('Table bytes!');
  });

  it('adoptFile makes the given memory a durable file without copying it, and refuses a name in use', () => {
    const fs = new FaultFS({ sharedMemory: true });
    const memory = new Uint8Array(new SharedArrayBuffer(5));
    memory.set(bytes('adopt'));
    fs.adoptFile('/db/sub/f', memory);
    expect(textOf(fs, '/db/sub/f')).toBe('adopt');
    memory[0] = 'A'.charCodeAt(0);
    expect(textOf(fs, '/db/sub/f')).toBe('Adopt');
    expect(fs.shareFile('/db/sub/f')).toEqual(memory);
    expect(fs.isDurable('/db/sub/f')).toBe(true);
    expect(textOf(fs.crash(1, { mode: 'dropAll' }), '/db/sub/f')).toBe('Adopt');
    expect(errorOf(() => fs.adoptFile('/db/sub/f', memory)).code).toBe('EEXIST');
    expect(errorOf(() => fs.adoptFile('/db/sub', memory)).code).toBe('EEXIST');
  });

  it('shareFile needs a FaultFS made with sharedMemory; a missing file is ENOENT', () => {
    const plain = new FaultFS();
    plain.open('/f', 'w').append(bytes('x'));
    expect(() => plain.shareFile('/f')).toThrow(/sharedMemory/);
    expect(errorOf(() => new FaultFS({ sharedMemory: true }).shareFile('/missing')).code).toBe('ENOENT');
  });
});
