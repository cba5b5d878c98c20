// `startServer`: sett/sql over the MySQL wire protocol (TABLES.md §4, `sett serve`), through
// mysql2's server support (`createServer`). Every connection authenticates with
// mysql_native_password against one user and password and gets its own session (current
// database, transaction). docs/sql.md §Server.

import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { openSql, type SqlDatabase } from '../sql.js';
import type { SqlOptions } from '../types.js';
import { ServerConnection } from './connection.js';

const require = createRequire(import.meta.url);

export interface ServerOptions extends SqlOptions {
  /** TCP port; 0 picks a free one (see `port` of the result). Default 3306. */
  port?: number;
  /** Address to listen on. Default 127.0.0.1 (this machine only). */
  host?: string;
  /** The one account clients log in as. */
  user: string;
  password: string;
  /** Serve an already open database instead of opening `dataDir` (it is not closed by `close()`). */
  database?: SqlDatabase;
}

export interface SettServer {
  /** The port listened on (the one picked, with `port: 0`). */
  readonly port: number;
  readonly host: string;
  /** Connections now open. */
  readonly connections: number;
  /**
   * Stops accepting connections, lets each connection's running command finish and closes it
   * (an open transaction is rolled back, as when a MySQL client disconnects), then closes the
   * database (committed data is on disk).
   */
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<SettServer> {
  const { port = 3306, host = '127.0.0.1', user, password, database, ...sqlOptions } = options;
  if (typeof user !== 'string' || user === '') throw new TypeError('startServer: user must be a non-empty string');
  if (typeof password !== 'string') throw new TypeError('startServer: password must be a string');
  // A table created without ENGINE= goes to disk unless the caller says otherwise.
  const db = database ?? (await openSql({ defaultPersistent: true, ...sqlOptions }));
  const mysql = require('mysql2') as { createServer(): any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  const server = mysql.createServer();
  const open = new Set<ServerConnection>();
  let nextId = 1;
  let closing: Promise<void> | undefined;

  server.on('connection', (conn: any) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    if (closing !== undefined) {
      conn.stream.destroy();
      return;
    }
    open.add(new ServerConnection(conn, db, nextId++, { user, password }, (c) => open.delete(c)));
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server._server.once('error', reject);
      server.listen(port, host, () => {
        server._server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    if (database === undefined) await db.close();
    throw e;
  }
  const address = server._server.address() as AddressInfo;

  return {
    port: address.port,
    host,
    get connections() {
      return open.size;
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.all([...open].map((c) => c.close()));
        await stopped;
        if (database === undefined) await db.close();
      })();
      return closing;
    },
  };
}
