// One client connection of `sett serve`: mysql2's server Connection does the socket, the framing,
// the handshake and the mysql_native_password exchange (`authCallback`); once authenticated, the
// command phase is this file's: each command packet is read here (mysql2's own dispatch routes any
// query starting with SET or PREPARE to 'stmt_prepare', guesses COM_STMT_EXECUTE's parameters and
// ignores COM_STMT_CLOSE), run on the connection's own `SqlSession` one at a time, and answered
// with mysql2 packets (packets.ts for the ones mysql2 writes wrong or not at all). The sequence
// id is reset per command (mysql2's server never resets it: TABLES.md §7).

import { createHash, timingSafeEqual } from 'node:crypto';
import type { SqlDatabase } from '../sql.js';
import type { SqlSession } from '../session.js';
import { SqlError, toSqlError } from '../errors.js';
import { parseSql } from '../parse.js';
import type { SqlResult } from '../types.js';
import {
  binaryRowPacket,
  columnDefinitionPacket,
  columnsOf,
  eofPacket,
  errorPacket,
  parameterDefinitionPacket,
  prepareOkPacket,
  readExecute,
  resultHeaderPacket,
  textRowPacket,
} from './packets.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type MysqlConnection = any;

const COM = {
  QUIT: 0x01,
  INIT_DB: 0x02,
  QUERY: 0x03,
  PING: 0x0e,
  STMT_PREPARE: 0x16,
  STMT_EXECUTE: 0x17,
  STMT_CLOSE: 0x19,
  STMT_RESET: 0x1a,
  SET_OPTION: 0x1b,
  RESET_CONNECTION: 0x1f,
} as const;

const STATUS_IN_TRANS = 0x0001;
const STATUS_AUTOCOMMIT = 0x0002;

// What the server offers: 4.1 protocol and authentication with plugin names (mysql_native_password),
// a database at connect, transactions, connection attributes. Not: SSL, compression, several
// statements per COM_QUERY with a result each (a COM_QUERY of several statements answers with the
// last one's result), session tracking, query attributes.
export const CAPABILITIES =
  0x00000001 | // LONG_PASSWORD
  0x00000002 | // FOUND_ROWS
  0x00000004 | // LONG_FLAG
  0x00000008 | // CONNECT_WITH_DB
  0x00000200 | // PROTOCOL_41
  0x00002000 | // TRANSACTIONS
  0x00008000 | // SECURE_CONNECTION
  0x00020000 | // MULTI_RESULTS
  0x00040000 | // PS_MULTI_RESULTS
  0x00080000 | // PLUGIN_AUTH
  0x00100000 | // CONNECT_ATTRS
  0x00200000; // PLUGIN_AUTH_LENENC_CLIENT_DATA

export const SERVER_VERSION = '8.0.36-sett';

export interface Credentials {
  user: string;
  password: string;
}

const sha1 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** mysql_native_password: the client's token is SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))). */
export function checkNativePassword(password: string, scramble: Buffer, token: Buffer): boolean {
  if (password === '') return token.length === 0;
  if (token.length !== 20) return false;
  const stage2 = sha1(sha1(Buffer.from(password, 'utf8')));
  const mask = sha1(scramble, stage2);
  const stage1 = Buffer.alloc(20);
  for (let i = 0; i < 20; i++) stage1[i] = token[i]! ^ mask[i]!;
  return timingSafeEqual(sha1(stage1), stage2);
}

interface Prepared {
  sql: string;
  params: number;
  types: number[] | undefined;
}

/** `SET ...`, which node-sql-parser cannot parse: session settings a client sends are accepted as no-ops. */
export function setStatement(sql: string): SqlError | 'ok' | undefined {
  const s = sql.trim().replace(/;\s*$/, '');
  if (!/^set\s/i.test(s)) return undefined;
  const body = s.slice(3).trim();
  if (/^(names|character\s+set|charset)\b/i.test(body)) return 'ok';
  if (/^(global|persist|persist_only)\b|^@@(global|persist)\./i.test(body)) return new SqlError('INVALID_ARGUMENT', 'ER_NOT_SUPPORTED_YET', 'sett does not support SET GLOBAL / PERSIST');
  if (/^@[^@]/.test(body)) return new SqlError('INVALID_ARGUMENT', 'ER_NOT_SUPPORTED_YET', 'sett does not support user variables (SET @name)');
  const autocommit = /^(?:(?:session|local)\s+|@@(?:session\.|local\.)?)?autocommit\s*(?:=|:=)\s*(\S+)$/i.exec(body);
  if (autocommit !== null) {
    if (/^(1|on|true)$/i.test(autocommit[1]!)) return 'ok';
    return new SqlError('INVALID_ARGUMENT', 'ER_NOT_SUPPORTED_YET', 'sett does not support SET autocommit = 0: every statement outside BEGIN ... COMMIT commits on its own; use BEGIN');
  }
  // SET [SESSION | LOCAL] var = value, SET @@[session.]var = value, SET [SESSION] TRANSACTION ...: accepted, no effect.
  return 'ok';
}

export class ServerConnection {
  private session: SqlSession;
  private queue: Promise<void> = Promise.resolve();
  private readonly statements = new Map<number, Prepared>();
  private nextStatement = 1;
  private closed = false;

  constructor(
    private readonly conn: MysqlConnection,
    private readonly db: SqlDatabase,
    readonly id: number,
    credentials: Credentials,
    private readonly onClose: (c: ServerConnection) => void,
  ) {
    this.session = db.session();
    conn.on('error', () => undefined); // a client that vanished: 'close' follows
    // A result goes out as several writes (column definitions, rows, EOF/OK): with Nagle's algorithm
    // on, the later ones wait for the client's delayed ACK, ~40 ms a statement. mysql2's client sets
    // TCP_NODELAY on its side; its server support does not.
    conn.stream.setNoDelay?.(true);
    conn.stream.on('close', () => void this.end());
    const command = conn.serverHandshake({
      protocolVersion: 10,
      serverVersion: SERVER_VERSION,
      connectionId: id,
      statusFlags: STATUS_AUTOCOMMIT,
      characterSet: 45, // utf8mb4_general_ci
      capabilityFlags: CAPABILITIES,
      authCallback: (params: any, cb: (err: unknown, mysqlError?: { message: string; code: number }) => void) => this.authenticate(params, credentials, cb),
    });
    // The command phase is ours: once mysql2's handshake command reaches its dispatch state, every
    // packet comes here instead (see the file's comment).
    const dispatch = Object.getPrototypeOf(command).dispatchCommands;
    const execute = command.execute;
    command.execute = (packet: any, connection: any): boolean => {
      if (command.next === dispatch) {
        this.onPacket(packet);
        return false;
      }
      return execute.call(command, packet, connection);
    };
  }

  private authenticate(params: any, credentials: Credentials, cb: (err: unknown, mysqlError?: { message: string; code: number }) => void): void {
    const user = String(params.user ?? '');
    const token: Buffer = Buffer.isBuffer(params.authToken) ? params.authToken : Buffer.from(params.authToken ?? '', 'binary');
    const scramble = Buffer.concat([params.authPluginData1, params.authPluginData2]).subarray(0, 20);
    const ok = user === credentials.user && checkNativePassword(credentials.password, scramble, token);
    // Refusals are written here rather than through cb's error (mysql2 writes it without its SQLSTATE).
    const refuse = (errno: number, sqlState: string, message: string): void => {
      this.conn.writePacket(errorPacket(errno, sqlState, message));
      this.conn.close();
    };
    if (!ok) {
      refuse(1045, '28000', `Access denied for user '${user}'@'${String(params.address ?? 'localhost')}' (using password: ${token.length > 0 ? 'YES' : 'NO'})`);
      return;
    }
    const database = typeof params.database === 'string' ? params.database : '';
    const use = database === '' ? Promise.resolve() : this.session.execute(`USE \`${database.replace(/`/g, '``')}\``).then(() => undefined);
    use.then(
      () => {
        cb(null);
        this.conn._resetSequenceId();
      },
      (e: unknown) => {
        const err = toSqlError(e);
        refuse(Number(err.errno), err.sqlState, err.sqlMessage);
      },
    );
  }

  /** One command packet (read now: mysql2 reuses the packet object), run after the ones before it. */
  private onPacket(packet: any): void {
    this.conn._resetSequenceId(); // the next command starts at 0
    const payload = Buffer.from(packet.buffer.subarray(packet.offset, packet.end));
    const code = payload[0];
    const body = payload.subarray(1);
    if (code === COM.QUIT) {
      this.conn.stream.end();
      return;
    }
    if (code === COM.STMT_CLOSE) {
      // No reply; queued so that it follows the statements before it.
      this.enqueue(async () => {
        this.statements.delete(body.readUInt32LE(0));
      }, false);
      return;
    }
    this.enqueue(() => this.command(code, body), true);
  }

  private enqueue(job: () => Promise<void>, replies: boolean): void {
    this.queue = this.queue.then(async () => {
      if (this.closed) return;
      try {
        await job();
      } catch (e) {
        if (replies) this.error(e);
      }
    });
  }

  /** Done when every command received so far has been answered. */
  async drain(): Promise<void> {
    await this.queue;
  }

  private async command(code: number | undefined, body: Buffer): Promise<void> {
    switch (code) {
      case COM.QUERY:
        return this.reply(await this.query(body.toString('utf8')), false);
      case COM.INIT_DB:
        await this.session.execute(`USE \`${body.toString('utf8').replace(/`/g, '``')}\``);
        return this.ok();
      case COM.PING:
      case COM.STMT_RESET:
      case COM.SET_OPTION:
        return this.ok();
      case COM.RESET_CONNECTION:
        await this.session.end();
        this.session = this.db.session();
        this.statements.clear();
        return this.ok();
      case COM.STMT_PREPARE:
        return this.prepare(body.toString('utf8'));
      case COM.STMT_EXECUTE: {
        const id = body.readUInt32LE(0);
        const st = this.statements.get(id);
        if (st === undefined) throw new SqlError('INVALID_ARGUMENT', 'ER_WRONG_ARGUMENTS', `Unknown prepared statement handler (${id}) given to mysqld_stmt_execute`);
        const { values, types } = readExecute(body, st.params, st.types);
        st.types = types;
        return this.reply(await this.query(st.sql, values), true);
      }
      default:
        this.write(errorPacket(1047, '08S01', `Unknown command ${code ?? ''}`));
    }
  }

  private async query(sql: string, params: readonly unknown[] = []): Promise<SqlResult> {
    const set = setStatement(sql);
    if (set instanceof SqlError) throw set;
    if (set === 'ok') return { rows: [], fields: [], affectedRows: 0, insertId: 0 };
    return this.session.execute(sql, params);
  }

  private prepare(sql: string): void {
    let params = 0;
    if (setStatement(sql) === undefined) params = parseSql(sql).placeholders; // a syntax error is reported at prepare, as MySQL does
    else params = (sql.match(/\?/g) ?? []).length;
    const id = this.nextStatement++;
    this.statements.set(id, { sql, params, types: undefined });
    this.begin();
    this.conn.writePacket(prepareOkPacket(id, 0, params));
    if (params > 0) {
      for (let i = 0; i < params; i++) this.conn.writePacket(parameterDefinitionPacket());
      this.conn.writePacket(eofPacket(this.status()));
    }
    this.done();
  }

  private status(): number {
    return STATUS_AUTOCOMMIT | (this.session.inTransaction ? STATUS_IN_TRANS : 0);
  }

  /** Replies start at sequence id 1 (the command was 0). */
  private begin(): void {
    this.conn.sequenceId = 1;
  }

  private done(): void {
    this.conn._resetSequenceId();
  }

  private write(packet: unknown): void {
    this.begin();
    this.conn.writePacket(packet);
    this.done();
  }

  private ok(affectedRows = 0, insertId: number | bigint = 0): void {
    this.begin();
    this.conn.writeOk({ affectedRows, insertId: Number(insertId), serverStatus: this.status() });
    this.done();
  }

  private error(e: unknown): void {
    if (this.closed) return;
    const err = toSqlError(e, this.session.database);
    this.write(errorPacket(Number(err.errno), err.sqlState, err.sqlMessage));
  }

  private reply(r: SqlResult, binary: boolean): void {
    if (r.fields.length === 0) return this.ok(r.affectedRows, r.insertId);
    const columns = columnsOf(r.fields, r.rows);
    const schema = this.session.database;
    this.begin();
    this.conn.writePacket(resultHeaderPacket(columns.length));
    for (const c of columns) this.conn.writePacket(columnDefinitionPacket(c, schema));
    this.conn.writePacket(eofPacket(this.status()));
    for (const row of r.rows) this.conn.writePacket(binary ? binaryRowPacket(row, columns) : textRowPacket(row, columns));
    this.conn.writePacket(eofPacket(this.status()));
    this.done();
  }

  /** Closes the connection: what is queued finishes first; an open transaction is rolled back. */
  async close(): Promise<void> {
    await this.queue;
    this.conn.stream.end();
    await this.end();
  }

  private async end(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.session.end().catch(() => undefined);
    this.onClose(this);
  }
}
