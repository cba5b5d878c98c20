// Konsul's persistence Engine and Transaction interfaces (seed 003), in TypeScript idiom:
// methods resolve or reject instead of returning (value, error).

export type Bytes = Uint8Array | string;

export interface Engine {
  /** Rejects with NotFoundError("key not found") when the key is absent. */
  get(key: string): Promise<Buffer>;
  set(key: string, value: Bytes): Promise<void>;
  /** Deleting an absent key succeeds. */
  delete(key: string): Promise<void>;
  /** KV keys starting with `prefix`, without the internal "kv:" prefix, in key order. */
  list(prefix: string): Promise<string[]>;

  /** Rejects with NotFoundError("service not found") when absent or expired. */
  getService(name: string): Promise<Buffer>;
  /** `ttlMs` > 0: gone from getService and listServices once the clock passes it; 0: no expiry. */
  setService(name: string, data: Bytes, ttlMs: number): Promise<void>;
  deleteService(name: string): Promise<void>;
  /** Names of the live services, in key order. */
  listServices(): Promise<string[]>;

  /** Writes every item or none (one atomic engine batch). */
  batchSet(items: ReadonlyMap<string, Bytes> | Readonly<Record<string, Bytes>>): Promise<void>;
  /** Deletes every key or none. */
  batchDelete(keys: readonly string[]): Promise<void>;

  /** Stops the GC timer, waits for a running GC, closes the database. A second close does nothing. */
  close(): Promise<void>;
  /** A full, consistent backup in sett's backup format (docs/format.md §Backup), written atomically. */
  backup(path: string): Promise<void>;
  /** Replaces the whole contents (KV and services) with the backup's; it does not merge. */
  restore(path: string): Promise<void>;

  beginTx(): RegistryTx;

  /** One value-log GC pass (what the periodic timer runs); true when it rewrote a file. */
  gcOnce(): Promise<boolean>;
  stats(): EngineStats;
}

/** KV writes buffered until commit, then applied atomically. */
export interface RegistryTx {
  set(key: string, value: Bytes): void;
  delete(key: string): void;
  commit(): Promise<void>;
  /** Drops the buffered writes. Safe after commit (the seed's `defer tx.Rollback()`). */
  rollback(): void;
}

export interface EngineStats {
  /** GC passes run (by the timer or gcOnce). */
  gcRuns: number;
  /** Passes that rewrote a value-log file. */
  gcRewrites: number;
  /** Timer passes that failed (logged as warnings). */
  gcFailures: number;
}
