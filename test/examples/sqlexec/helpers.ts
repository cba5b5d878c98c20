import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { BadgerDataSource, HybridDataSource, type TableDataSource } from '../../../examples/sqlexec/index.js';
import type { TableStore } from '../../../examples/sqlexec/table-store.js';

const dirs: string[] = [];
const open: { close(): Promise<void> }[] = [];

/** A fresh directory under os.tmpdir(), removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sett-sqlexec-'));
  dirs.push(dir);
  return dir;
}

/** Closes `ds` after the test, before its directory goes. */
export function track<T extends { close(): Promise<void> }>(ds: T): T {
  open.push(ds);
  return ds;
}

afterEach(async () => {
  for (const ds of open.splice(0)) await ds.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export type AnySource = TableDataSource<TableStore>;

/**
 * The two data sources as the shared suite makes them: `dir` undefined means in memory. The hybrid
 * one is set default_persistent when it has a directory, so its tables live on disk like Badger's.
 */
export const SOURCES: { kind: string; make: (dir?: string) => AnySource }[] = [
  { kind: 'badger', make: (dir) => track(new BadgerDataSource({ name: 't', options: dir === undefined ? {} : { data_dir: dir } })) as unknown as AnySource },
  {
    kind: 'hybrid',
    make: (dir) => track(new HybridDataSource({ name: 't', options: dir === undefined ? {} : { data_dir: dir, default_persistent: true } })) as unknown as AnySource,
  },
];

export const USERS = {
  name: 'users',
  columns: [
    { name: 'id', type: 'INT', primary: true, autoIncrement: true },
    { name: 'name', type: 'VARCHAR', nullable: false },
    { name: 'email', type: 'VARCHAR', unique: true },
    { name: 'age', type: 'INT' },
  ],
};
