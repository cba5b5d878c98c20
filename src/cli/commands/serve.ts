// `sett serve DIR --port 3306 --user U --password P [--host 127.0.0.1]`: sett/sql over the MySQL
// wire protocol (src/sql/server, docs/sql.md §Server) until SIGINT or SIGTERM, which stop
// accepting connections, close the open ones (their open transactions rolled back) and close the
// database (committed data is on disk).

import { startServer } from '../../sql/index.js';
import { EXIT, usageError, type ExitCode } from '../errors.js';
import { dim } from '../format.js';

export interface ServeOptions {
  port: number;
  host: string;
  user: string;
  /** Undefined: $SETT_SQL_PASSWORD. */
  password: string | undefined;
}

export async function serveCommand(dir: string, options: ServeOptions): Promise<ExitCode> {
  const password = options.password ?? process.env['SETT_SQL_PASSWORD'];
  if (password === undefined) throw usageError('sett serve needs --password P (or $SETT_SQL_PASSWORD)');
  const server = await startServer({ dataDir: dir, port: options.port, host: options.host, user: options.user, password });
  process.stdout.write(`sett serve: MySQL protocol on ${options.host}:${server.port}, user ${options.user}, data in ${dir}\n`);
  process.stdout.write(dim(`connect: mysql -h ${options.host} -P ${server.port} -u ${options.user} -p   (Ctrl-C or SIGTERM to stop)\n`));
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  process.stdout.write(`sett serve: ${signal}: closing ${server.connections} connection(s) and the database\n`);
  await server.close();
  process.stdout.write('sett serve: stopped\n');
  return EXIT.ok;
}
