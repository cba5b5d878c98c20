// Kysely over sett/sql (`import { SettDialect } from 'sett/sql'`); docs/sql.md §Kysely.
export { SettDialect, type SettDialectConfig } from './dialect.js';
export { SettDriver, SettConnection, toQueryResult, type DatabaseSource } from './driver.js';
