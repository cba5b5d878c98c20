// The table layer's shapes as the hybrid layer's methods use them. src/sql imports only the hybrid
// layer's public face (TABLES.md §1), which does not re-export them, so they are derived here.

import type { Hybrid } from '../hybrid/index.js';

export type TableInfo = ReturnType<Hybrid['describeTable']>;
export type ColumnInfo = TableInfo['columns'][number];
export type IndexInfo = TableInfo['indexes'][number];
export type CreateTableOptions = Parameters<Hybrid['createTable']>[0];
export type ColumnDef = CreateTableOptions['columns'][number];
export type IndexDef = NonNullable<CreateTableOptions['indexes']>[number];
export type AlterTableOptions = Parameters<Hybrid['alterTable']>[1];
export type QueryOptions = NonNullable<Parameters<Hybrid['query']>[1]>;
export type Where = NonNullable<QueryOptions['where']>;
export type OrderBy = NonNullable<QueryOptions['orderBy']>[number];
export type Row = Awaited<ReturnType<Hybrid['query']>>['rows'][number];
export type Plan = ReturnType<Hybrid['explain']>;
export type HybridOptions = NonNullable<Parameters<typeof import('../hybrid/index.js').openHybrid>[0]>;
export type HybridTransaction = ReturnType<Hybrid['begin']>;
