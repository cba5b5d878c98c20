// `SettDialect`: Kysely (https://kysely.dev) over sett/sql, embedded — no server, no network.
// Statements are compiled by Kysely's MySQL query compiler and run on sett/sql sessions.
//
// Kysely is an optional peer dependency: it is loaded here with a dynamic import (so
// `import { openSql } from 'sett/sql'` works without it installed) and `new SettDialect()` throws
// when it is missing. Resolving it from sett's place finds the application's own copy, so the
// compiler and adapter are the same classes its `Kysely` instance uses.

import type { DatabaseIntrospector, Dialect, DialectAdapter, Driver, Kysely, QueryCompiler, ReferenceNode } from 'kysely';
import { invalid } from '../errors.js';
import { openSql } from '../sql.js';
import type { SqlOptions } from '../types.js';
import { SettDriver, type DatabaseSource } from './driver.js';

type KyselyModule = typeof import('kysely');

const kysely: KyselyModule | undefined = await import('kysely').catch(() => undefined);

/** A table qualifier that needs no quotes: letters, digits, _ and $, not a keyword MySQL reserves in that place. */
const PLAIN = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const RESERVED = new Set(['SELECT', 'FROM', 'WHERE', 'ORDER', 'GROUP', 'BY', 'LIMIT', 'TABLE', 'INDEX', 'KEY', 'JOIN', 'ON', 'AS', 'AND', 'OR', 'NOT', 'IN', 'IS', 'NULL', 'LIKE', 'BETWEEN', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'SET', 'VALUES', 'INSERT', 'UPDATE', 'DELETE', 'INTO', 'CREATE', 'DROP', 'ALTER', 'USE', 'DATABASE', 'DESC', 'ASC', 'HAVING', 'UNION', 'LEFT', 'RIGHT', 'INNER', 'OUTER', 'CROSS', 'DISTINCT', 'ALL', 'EXISTS', 'PRIMARY', 'UNIQUE', 'DEFAULT', 'CHECK', 'REFERENCES', 'INTERVAL', 'DIV', 'MOD', 'XOR', 'TRUE', 'FALSE', 'USING', 'NATURAL', 'OFFSET', 'FOR', 'WITH', 'READ', 'WRITE', 'RANGE', 'ROWS', 'OVER', 'PARTITION', 'WINDOW', 'MATCH', 'CHANGE', 'COLUMN', 'CONSTRAINT', 'FOREIGN', 'TO', 'RENAME', 'REPLACE', 'IF', 'KEYS', 'SCHEMA', 'SHOW', 'STATUS', 'TRIGGER', 'CALL', 'LOCK', 'UNLOCK', 'OPTION', 'ORDER']);

/**
 * Kysely's MySQL compiler, writing a column's table qualifier without backticks when it needs none
 * (`users`.`name` becomes users.`name`): sett/sql's SELECT does not yet resolve a backtick-quoted
 * qualifier (node-sql-parser gives it as an object, not a name). A qualifier that needs quotes
 * keeps them.
 */
let compilerClass: (new () => QueryCompiler) | undefined;

function settCompiler(k: KyselyModule): new () => QueryCompiler {
  return (compilerClass ??= class SettQueryCompiler extends k.MysqlQueryCompiler {
    protected override visitReference(node: ReferenceNode): void {
      const t = node.table?.table;
      const name = t?.identifier.name;
      if (t !== undefined && t.schema === undefined && name !== undefined && PLAIN.test(name) && !RESERVED.has(name.toUpperCase())) {
        this.append(name);
        this.append('.');
        this.visitNode(node.column);
        return;
      }
      super.visitReference(node);
    }
  });
}

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
    return new (settCompiler(this.k))();
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
