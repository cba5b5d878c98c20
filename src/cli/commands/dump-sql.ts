// `sett dump-sql DIR [--database D] [--batch-rows N] [--memory-engine memory|innodb] [--utc]`:
// a sett/sql data directory as SQL (CREATE TABLE + INSERT statements) on stdout, for MySQL-
// compatible databases (TiDB, Vitess, MySQL) or sett/sql itself to load (docs/scale-out.md).
// Streamed: statement by statement, waiting for stdout to drain. Opens the databases, so it takes
// the directory's lock (exit 3 while another process has it open).

import { once } from 'node:events';
import { dumpSql } from '../../sql/dump.js';
import { isDirectory } from '../database.js';
import { EXIT, usageError, type ExitCode } from '../errors.js';

export interface DumpSqlCommandOptions {
  database: string | undefined;
  batchRows: number | undefined;
  /** 'memory' or 'innodb' (anything else is a usage error). */
  memoryEngine: string | undefined;
  utc: boolean;
}

export async function dumpSqlCommand(dir: string, o: DumpSqlCommandOptions, out: NodeJS.WritableStream = process.stdout): Promise<ExitCode> {
  const memoryEngine = o.memoryEngine;
  if (memoryEngine !== undefined && memoryEngine !== 'memory' && memoryEngine !== 'innodb') throw usageError(`--memory-engine is 'memory' or 'innodb', not '${memoryEngine}'`);
  if (!isDirectory(dir)) throw usageError(`${dir} is not a directory (a sett/sql data directory holds one directory per database)`);
  let closed = false;
  const onError = (e: NodeJS.ErrnoException): void => {
    if (e.code === 'EPIPE') closed = true; // the reader went away (| head): stop quietly
    else throw e;
  };
  out.on('error', onError);
  try {
    for await (const chunk of dumpSql({ dataDir: dir, database: o.database, batchRows: o.batchRows, memoryEngine, utc: o.utc })) {
      if (closed) break;
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), once(out, 'close')]);
    }
  } finally {
    out.off('error', onError);
  }
  return EXIT.ok;
}
