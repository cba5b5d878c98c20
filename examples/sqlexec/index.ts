// sqlexec's Badger and Hybrid data sources (seeds 000 and 004) on sett's table and hybrid layers.

export { BadgerDataSource, MAX_GC_REWRITES_PER_RUN, type DatabaseStats } from './badger-data-source.js';
export { HybridDataSource, type PersistenceOptions, type PersistenceConfig, type HybridSourceStats } from './hybrid-data-source.js';
export { TableDataSource, DataSourceTransaction } from './data-source.js';
export { filtersToWhere, toTableQuery, FILTER_OPERATORS, MAX_FILTER_DEPTH } from './filter.js';
export { badgerOpenOptions, hybridOpenOptions, type BadgerOptions, type HybridSourceOptions } from './options.js';
export { EXPORT_FORMAT_VERSION, DEFAULT_IMPORT_BATCH_ROWS, type ExportConfig, type ExportData, type TableExport, type ImportConfig, type ImportMode, type ImportResult } from './export-import.js';
export { NotConnectedError, OptionError, FilterError, UnsupportedOperatorError, ImportError } from './errors.js';
export type { Filter, QueryOptions, QueryResult, ColumnInfo, TableInfo, DataSourceConfig, Row } from './types.js';
