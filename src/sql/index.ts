// The SQL front (`import { openSql } from 'sett/sql'`): MySQL-dialect SQL, parsed by
// node-sql-parser, run on the hybrid layer. TABLES.md §4 is the contract; docs/sql.md the guide.
export { openSql, SqlDatabase } from './sql.js';
export { SqlSession } from './session.js';
export { SqlError, MYSQL_ERRORS, type MysqlError, type MysqlErrorName, type SqlPosition } from './errors.js';
export { DEFAULT_DATABASE } from './databases.js';
export type { SqlOptions, SqlResult, SqlField } from './types.js';
export { SettDialect, SettDriver, SettConnection, type SettDialectConfig } from './kysely/index.js';
export { startServer, type ServerOptions, type SettServer } from './server/index.js';
export { dumpSql, dumpHybrid, type DumpSqlOptions, type DumpFormatOptions } from './dump.js';
