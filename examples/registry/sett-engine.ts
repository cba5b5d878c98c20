// The Engine on a sett database. The disk ("badger") engine and the memory engine are this class
// over a database opened on a directory or with { inMemory: true } (see open.ts for why).

import { ClosedError, InvalidArgumentError, type Clock, type DB, type Logger, type Transaction } from 'sett';
import { backupTo, restoreFrom } from './backup.js';
import type { Bytes, Engine, EngineStats, RegistryTx } from './engine.js';
import { NotFoundError } from './errors.js';
import { GcLoop, type Scheduler } from './gc.js';
import { KV_PREFIX, SERVICE_PREFIX, checkPrefix, kvKey, serviceKey } from './keys.js';

export interface SettEngineParts {
  db: DB;
  clock: Clock | undefined;
  log: Logger;
  scheduler: Scheduler;
  gcIntervalMs: number;
  gcDiscardRatio: number;
}

function checkTtl(ttlMs: unknown): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs < 0) {
    throw new InvalidArgumentError(`ttlMs must be a number of milliseconds >= 0 (0: no expiry), got ${String(ttlMs)}`);
  }
  return ttlMs;
}

export class SettEngine implements Engine {
  private readonly db: DB;
  private readonly gc: GcLoop;
  private closed = false;

  constructor(private readonly parts: SettEngineParts) {
    this.db = parts.db;
    this.gc = new GcLoop(() => this.db.runValueLogGC(parts.gcDiscardRatio), parts.log);
    this.gc.start(parts.scheduler, parts.gcIntervalMs);
  }

  async get(key: string): Promise<Buffer> {
    this.checkOpen();
    const value = this.db.getSync(kvKey(key));
    if (value === undefined) throw new NotFoundError('key not found');
    return value;
  }

  async set(key: string, value: Bytes): Promise<void> {
    this.checkOpen();
    await this.db.put(kvKey(key), value);
  }

  async delete(key: string): Promise<void> {
    this.checkOpen();
    await this.db.delete(kvKey(key));
  }

  async list(prefix: string): Promise<string[]> {
    this.checkOpen();
    return this.keysUnder(KV_PREFIX, checkPrefix(prefix));
  }

  async getService(name: string): Promise<Buffer> {
    this.checkOpen();
    // The engine hides an entry once its expiry passes on the database's clock: an expired
    // service reads as absent, with no sweeper.
    const data = this.db.getSync(serviceKey(name));
    if (data === undefined) throw new NotFoundError('service not found');
    return data;
  }

  async setService(name: string, data: Bytes, ttlMs: number): Promise<void> {
    this.checkOpen();
    const key = serviceKey(name);
    const ttl = checkTtl(ttlMs);
    await this.db.put(key, data, ttl === 0 ? {} : { ttl });
  }

  async deleteService(name: string): Promise<void> {
    this.checkOpen();
    await this.db.delete(serviceKey(name));
  }

  async listServices(): Promise<string[]> {
    this.checkOpen();
    return this.keysUnder(SERVICE_PREFIX, '');
  }

  async batchSet(items: ReadonlyMap<string, Bytes> | Readonly<Record<string, Bytes>>): Promise<void> {
    this.checkOpen();
    if (typeof items !== 'object' || items === null) throw new InvalidArgumentError('batchSet takes a Map or an object of key -> value');
    const pairs = items instanceof Map ? [...items.entries()] : Object.entries(items);
    // Every key is checked before anything is written; db.batch is then one atomic commit.
    await this.db.batch(pairs.map(([key, value]) => ({ type: 'put' as const, key: kvKey(key), value })));
  }

  async batchDelete(keys: readonly string[]): Promise<void> {
    this.checkOpen();
    if (!Array.isArray(keys)) throw new InvalidArgumentError('batchDelete takes an array of keys');
    await this.db.batch(keys.map((key) => ({ type: 'del' as const, key: kvKey(key) })));
  }

  beginTx(): RegistryTx {
    this.checkOpen();
    return new SettTx(this.db.transaction());
  }

  async backup(path: string): Promise<void> {
    this.checkOpen();
    await backupTo(this.db, path);
    this.parts.log.info(`registry: backup completed: ${path}`);
  }

  async restore(path: string): Promise<void> {
    this.checkOpen();
    await restoreFrom(this.db, path, this.parts.clock);
    this.parts.log.info(`registry: restored from ${path}`);
  }

  async gcOnce(): Promise<boolean> {
    this.checkOpen();
    return this.gc.once();
  }

  stats(): EngineStats {
    return { ...this.gc.stats };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.gc.stop();
    await this.db.close();
  }

  private keysUnder(namespace: string, prefix: string): string[] {
    const out: string[] = [];
    const it = this.db.iterator({ prefix: namespace + prefix, values: false });
    try {
      for (const [key] of it) out.push(key!.toString('utf8', namespace.length));
    } finally {
      it.close();
    }
    return out;
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedError('registry engine');
  }
}

class SettTx implements RegistryTx {
  constructor(private readonly txn: Transaction) {}

  set(key: string, value: Bytes): void {
    this.txn.put(kvKey(key), value);
  }

  delete(key: string): void {
    this.txn.delete(kvKey(key));
  }

  commit(): Promise<void> {
    return this.txn.commit();
  }

  rollback(): void {
    this.txn.discard();
  }
}
