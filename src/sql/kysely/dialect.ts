// `SettDialect`: Kysely (https://kysely.dev) over sett/sql, embedded — no server, no network.
// Statements are compiled by Kysely's MySQL query compiler and run on sett/sql sessions.
//
// Kysely is an optional peer dependency: it is loaded here with a dynamic import (so
// `import { openSql } from 'sett/sql'` works without it installed) and `new SettDialect()` throws
// when it is missing. Resolving it from sett's place finds the application's own copy, so the
// compiler and adapter are the same classes its `Kysely` instance uses.

import type { DatabaseIntrospector, Dialect, DialectAdapter, Driver, Kysely, QueryCompiler } from 'kysely';
import { invalid } from '../errors.js';
import { openSql } from '../sql.js';
import type { SqlOptions } from '../types.js';
import { SettDriver, type DatabaseSource } from './driver.js';

type KyselyModule = typeof import('kysely');

const kysely: KyselyModule | undefined = await import('kysely').catch(() => undefined);

export interface SettDialectConfig {
  /** An open sett/sql database (or a promise of one, or a function that opens one). `destroy()` closes it. */
  database?: DatabaseSource;
  /** Or: openSql's options; the dialect opens the database on first use and closes it on `destroy()`. */
  options?: SqlOptions;
  /** The database (sett/sql's `USE`) every connection starts in; sett's default `main` when absent. */
  use?: string;
}

export class SettDialect implements Dialect {
  private readonly k: KyselyModule;
  private readonly source: DatabaseSource;

  constructor(private readonly config: SettDialectConfig) {
    if (kysely === undefined) throw invalid("SettDialect needs the 'kysely' package: npm install kysely");
    if (typeof config !== 'object' || config === null || (config.database === undefined) === (config.options === undefined)) {
      throw invalid('SettDialect takes { database } (an open sett/sql database) or { options } (openSql options), one of them');
    }
    this.k = kysely;
    const options = config.options;
    this.source = config.database ?? (() => openSql(options));
  }

  createDriver(): Driver {
    return new SettDriver(this.source, this.config.use);
  }

  createQueryCompiler(): QueryCompiler {
    return new this.k.MysqlQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new this.k.MysqlAdapter();
  }

  /** Kysely's MySQL introspector reads information_schema, which sett/sql does not have: its calls fail (1146). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new this.k.MysqlIntrospector(db);
  }
}
