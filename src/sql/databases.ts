// Databases: each a directory under `dataDir` holding one hybrid database (TABLES.md §4), opened
// on first use and kept open until `close()`. Without `dataDir` (or with `enableDisk: false`)
// databases are in-memory hybrids that live as long as the `openSql` handle.

import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { IoError } from '../index.js';
import { openHybrid, type Hybrid } from '../hybrid/index.js';
import { SqlError } from './errors.js';
import type { HybridOptions } from './hybrid-types.js';

/** The database a session starts in; created when `openSql` opens a directory. */
export const DEFAULT_DATABASE = 'main';

const NAME = /^[A-Za-z0-9_$][A-Za-z0-9_$-]{0,63}$/;

export class Databases {
  private readonly open = new Map<string, Promise<Hybrid>>();
  /** The databases of `open` that finished opening: statements reach them without a promise. */
  private readonly ready = new Map<string, Hybrid>();
  /** In-memory mode: the databases that exist. */
  private readonly memoryNames = new Set<string>([DEFAULT_DATABASE]);
  private closed = false;

  constructor(
    readonly dataDir: string | undefined,
    private readonly options: Omit<HybridOptions, 'dataDir'>,
  ) {}

  get onDisk(): boolean {
    return this.dataDir !== undefined && this.options.enableDisk !== false;
  }

  async init(): Promise<void> {
    if (this.onDisk) await makeDirectory(join(this.dataDir!, DEFAULT_DATABASE));
  }

  static checkName(name: string): string {
    if (typeof name !== 'string' || !NAME.test(name)) throw new SqlError('INVALID_ARGUMENT', 'ER_WRONG_ARGUMENTS', `Incorrect database name '${String(name)}' (letters, digits, _ $ -; at most 64)`);
    return name;
  }

  async exists(name: string): Promise<boolean> {
    if (!NAME.test(name)) return false;
    if (!this.onDisk) return this.memoryNames.has(name);
    try {
      return (await stat(join(this.dataDir!, name))).isDirectory();
    } catch {
      return false;
    }
  }

  async list(): Promise<string[]> {
    if (!this.onDisk) return [...this.memoryNames].sort();
    const entries = await readdir(this.dataDir!, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && NAME.test(e.name)).map((e) => e.name).sort();
  }

  async create(name: string, ifNotExists: boolean): Promise<boolean> {
    Databases.checkName(name);
    if (await this.exists(name)) {
      if (ifNotExists) return false;
      throw new SqlError('INVALID_ARGUMENT', 'ER_DB_CREATE_EXISTS', `Can't create database '${name}'; database exists`);
    }
    if (this.onDisk) await makeDirectory(join(this.dataDir!, name));
    else this.memoryNames.add(name);
    return true;
  }

  async drop(name: string, ifExists: boolean): Promise<boolean> {
    if (!(await this.exists(name))) {
      if (ifExists) return false;
      throw new SqlError('INVALID_ARGUMENT', 'ER_DB_DROP_EXISTS', `Can't drop database '${name}'; database doesn't exist`);
    }
    const h = this.open.get(name);
    this.open.delete(name);
    this.ready.delete(name);
    if (h !== undefined) await (await h).close();
    if (this.onDisk) await rm(join(this.dataDir!, name), { recursive: true, force: true });
    else this.memoryNames.delete(name);
    return true;
  }

  /** The open hybrid of database `name` (opened now if not yet); 1049 when there is no such database. */
  async get(name: string): Promise<Hybrid> {
    if (this.closed) throw new SqlError('CLOSED', 'ER_UNKNOWN_ERROR', 'the SQL database is closed');
    let h = this.open.get(name);
    if (h === undefined) {
      if (!(await this.exists(name))) throw new SqlError('INVALID_ARGUMENT', 'ER_BAD_DB_ERROR', `Unknown database '${name}'`);
      h = this.onDisk
        ? openHybrid({ ...this.options, dataDir: join(this.dataDir!, name) })
        : openHybrid({ ...this.options, dataDir: undefined, enableDisk: false });
      const opening = h;
      this.open.set(name, opening);
      opening.then(
        (x) => {
          if (this.open.get(name) === opening) this.ready.set(name, x);
        },
        () => this.open.delete(name),
      );
    }
    return h;
  }

  /** The hybrid of database `name` when it is open already (get() opens it otherwise). */
  opened(name: string): Hybrid | undefined {
    return this.closed ? undefined : this.ready.get(name);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = [...this.open.values()];
    this.open.clear();
    this.ready.clear();
    // Every database is closed (each releases its directory lock) even when one fails; a failure
    // is then reported, not swallowed: a close that failed may have left its lock held.
    let failed: unknown;
    for (const p of all) {
      let h: Hybrid;
      try {
        h = await p;
      } catch {
        continue; // a database that failed to open has nothing to close
      }
      try {
        await h.close();
      } catch (e) {
        failed ??= e;
      }
    }
    if (failed !== undefined) throw failed;
  }
}

/**
 * `mkdir -p`, one level at a time: Node 20's recursive mkdir never settles when a parent can never
 * be made (a path under /proc), so a bad dataDir would hang openSql. Failures are IO_ERROR.
 */
async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && (await stat(dir)).isDirectory()) return;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw IoError.from(e, 'create directory', dir);
    await makeDirectory(parent);
    try {
      await mkdir(dir);
    } catch (again) {
      throw IoError.from(again, 'create directory', dir);
    }
  }
}
