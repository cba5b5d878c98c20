// The `sett` command line: every command, its arguments and flags (docs/cli.md), and how a run
// ends — the exit code (errors.ts) and, with --json, an error object on stdout. A command's module
// (and the engine behind it) is imported when the command runs: help and usage errors stay fast.

import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError as CommanderArgumentError } from 'commander';
import { nodeFS, readAll } from '../fs/index.js';
import { EXIT, describeError, exitCodeOf, type ExitCode } from './errors.js';
import { bad, parseBytesArg } from './format.js';
import { KEY_FILE_ENV, masterKeyOf } from './keys.js';

function version(): string {
  try {
    const path = fileURLToPath(new URL('../../../package.json', import.meta.url));
    const parsed: unknown = JSON.parse(Buffer.from(readAll(nodeFS, path)).toString('utf8'));
    const v = (parsed as { version?: unknown }).version;
    return typeof v === 'string' ? v : 'unknown';
  } catch {
    return 'unknown';
  }
}

function integer(name: string, min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) throw new CommanderArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

function ratio(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n < 1)) throw new CommanderArgumentError('the ratio must be a number between 0 and 1 (exclusive), e.g. 0.5');
  return n;
}

interface CommonFlags {
  json?: boolean;
  hex?: boolean;
  progress?: boolean;
  keyFile?: string;
}

const KEY_FILE_HELP = `file holding the master key of an encrypted database: raw 16/24/32 bytes, or 32/48/64 hex digits (default: $${KEY_FILE_ENV})`;

const flag = (b: boolean | undefined): boolean => b === true;

export function buildProgram(setExit: (code: ExitCode) => void): Command {
  const program = new Command('sett')
    .description('Inspect and operate a sett data directory, live or stopped.\nRead commands take no lock; write commands (gc, flatten, restore, rotate-key) do.\nEncrypted databases: --key-file FILE, or the SETT_KEY_FILE environment variable.')
    .version(version(), '-V, --version')
    .showHelpAfterError('(run sett --help for usage)')
    .addHelpText('after', '\nExit codes: 0 ok, 1 problems found or command failed, 2 usage error or not a sett database/file, 3 database locked by another process.\nEncrypted database without its key, or a wrong key: 1 (WRONG_KEY); a key file that holds no key: 2.')
    .exitOverride();

  program
    .command('info')
    .description('summary of a database: MANIFEST, levels, tables, value-log files, WALs, abnormalities, totals')
    .argument('<dir>', 'database directory')
    .option('--tables', 'list every table')
    .option('--key-file <path>', KEY_FILE_HELP)
    .option('--json', 'print JSON')
    .option('--hex', 'show every key as hex')
    .option('--svg <file>', 'draw the tree (levels, tables along the key space, WALs, value-log files) as SVG into FILE')
    .option('--html <file>', 'the same picture as a self-contained HTML page with details on hover')
    .action(async (dir: string, o: CommonFlags & { tables?: boolean; svg?: string; html?: string }) => {
      const { infoCommand } = await import('./commands/info.js');
      setExit(await infoCommand(dir, { json: flag(o.json), hex: flag(o.hex), tables: flag(o.tables), key: masterKeyOf(o.keyFile), svg: o.svg, html: o.html }));
    });

  program
    .command('verify')
    .description('read every checksum of every file; exit 0 if all is well, 1 if anything is damaged or missing')
    .argument('<dir>', 'database directory')
    .option('--key-file <path>', KEY_FILE_HELP)
    .option('--json', 'print JSON')
    .option('--no-progress', 'no progress bar')
    .action(async (dir: string, o: CommonFlags) => {
      const { verifyCommand } = await import('./commands/verify.js');
      setExit(await verifyCommand(dir, { json: flag(o.json), progress: o.progress !== false, key: masterKeyOf(o.keyFile) }));
    });

  program
    .command('dump')
    .description('print one file (table, WAL, value-log file, MANIFEST or DISCARD; detected by its header)')
    .argument('<file>', 'a file of a database directory')
    .option('--limit <n>', 'stop after n entries', integer('--limit', 0), Number.MAX_SAFE_INTEGER)
    .option('--summary', 'header only, no entries')
    .option('--key-file <path>', KEY_FILE_HELP)
    .option('--json', 'print JSON')
    .option('--hex', 'show every key and value as hex')
    .action(async (file: string, o: CommonFlags & { limit: number; summary?: boolean }) => {
      const { dumpCommand } = await import('./commands/dump.js');
      setExit(await dumpCommand(file, { json: flag(o.json), hex: flag(o.hex), limit: o.limit, summary: flag(o.summary), key: masterKeyOf(o.keyFile) }));
    });

  program
    .command('get')
    .description('print the value of a key (KEY is text, or 0x + hex for binary keys); exit 1 if not found')
    .argument('<dir>', 'database directory')
    .argument('<key>', 'the key')
    .option('--raw', "write the value's bytes exactly, without a newline")
    .option('--key-file <path>', KEY_FILE_HELP)
    .option('--json', 'print JSON')
    .option('--hex', 'show the key and value as hex')
    .action(async (dir: string, key: string, o: CommonFlags & { raw?: boolean }) => {
      const { getCommand } = await import('./commands/get.js');
      setExit(await getCommand(dir, parseBytesArg(key), { json: flag(o.json), hex: flag(o.hex), raw: flag(o.raw), key: masterKeyOf(o.keyFile) }));
    });

  program
    .command('scan')
    .description('print keys and values in order')
    .argument('<dir>', 'database directory')
    .option('--prefix <p>', 'only keys starting with p (text, or 0x + hex)')
    .option('--limit <n>', 'at most n keys', integer('--limit', 0))
    .option('--reverse', 'in descending order')
    .option('--keys-only', 'keys only')
    .option('--all-versions', 'every version still stored, tombstones included, with its version')
    .option('--key-file <path>', KEY_FILE_HELP)
    .option('--json', 'print JSON')
    .option('--hex', 'show every key and value as hex')
    .action(async (dir: string, o: CommonFlags & { prefix?: string; limit?: number; reverse?: boolean; keysOnly?: boolean; allVersions?: boolean }) => {
      const { scanCommand } = await import('./commands/scan.js');
      setExit(
        await scanCommand(dir, {
          json: flag(o.json),
          hex: flag(o.hex),
          prefix: o.prefix === undefined ? undefined : parseBytesArg(o.prefix),
          limit: o.limit,
          reverse: flag(o.reverse),
          keysOnly: flag(o.keysOnly),
          allVersions: flag(o.allVersions),
          key: masterKeyOf(o.keyFile),
        }),
      );
    });

  program
    .command('backup')
    .description('write a backup of a database (live or stopped) to a file; prints the version reached')
    .argument('<dir>', 'database directory')
    .argument('<file>', 'backup file to write')
    .option('--since <version>', 'incremental: only changes after this version (printed by an earlier backup)', integer('--since', 0))
    .option('--key-file <path>', KEY_FILE_HELP)
    .option('--json', 'print JSON')
    .option('--no-progress', 'no progress bar')
    .action(async (dir: string, file: string, o: CommonFlags & { since?: number }) => {
      const { backupCommand } = await import('./commands/backup.js');
      setExit(await backupCommand(dir, file, { json: flag(o.json), progress: o.progress !== false, since: o.since, key: masterKeyOf(o.keyFile) }));
    });

  program
    .command('restore')
    .description('load a backup file into a new or empty database directory (takes the lock)')
    .argument('<file>', 'backup file')
    .argument('<dir>', 'database directory')
    .option('--force', 'load into an existing database (e.g. an incremental backup)')
    .option('--key-file <path>', `${KEY_FILE_HELP}; a new database is created encrypted with it`)
    .option('--json', 'print JSON')
    .option('--no-progress', 'no progress bar')
    .action(async (file: string, dir: string, o: CommonFlags & { force?: boolean }) => {
      const { restoreCommand } = await import('./commands/backup.js');
      setExit(await restoreCommand(file, dir, { json: flag(o.json), progress: o.progress !== false, force: flag(o.force), key: masterKeyOf(o.keyFile) }));
    });

  program
    .command('gc')
    .description('value-log garbage collection until no file qualifies (takes the lock)')
    .argument('<dir>', 'database directory')
    .option('--ratio <r>', 'rewrite a file when at least this fraction of it is garbage', ratio, 0.5)
    .option('--key-file <path>', KEY_FILE_HELP)
    .option('--json', 'print JSON')
    .option('--no-progress', 'no progress bar')
    .action(async (dir: string, o: CommonFlags & { ratio: number }) => {
      const { gcCommand } = await import('./commands/maintain.js');
      setExit(await gcCommand(dir, o.ratio, { json: flag(o.json), progress: o.progress !== false, key: masterKeyOf(o.keyFile) }));
    });

  program
    .command('flatten')
    .description('compact every table into one level (takes the lock)')
    .argument('<dir>', 'database directory')
    .option('--key-file <path>', KEY_FILE_HELP)
    .option('--json', 'print JSON')
    .option('--no-progress', 'no progress bar')
    .action(async (dir: string, o: CommonFlags) => {
      const { flattenCommand } = await import('./commands/maintain.js');
      setExit(await flattenCommand(dir, { json: flag(o.json), progress: o.progress !== false, key: masterKeyOf(o.keyFile) }));
    });

  program
    .command('rotate-key')
    .description('re-encrypt the data keys of an encrypted database under a new master key (takes the lock; rewrites only KEYREGISTRY)')
    .argument('<dir>', 'database directory')
    .option('--key-file <path>', `the current master key: ${KEY_FILE_HELP}`)
    .option('--new-key-file <path>', 'the new master key, in the same form (required)')
    .option('--json', 'print JSON')
    .action(async (dir: string, o: CommonFlags & { newKeyFile?: string }) => {
      const { rotateKeyCommand } = await import('./commands/rotate-key.js');
      setExit(await rotateKeyCommand(dir, { json: flag(o.json), keyFile: o.keyFile, newKeyFile: o.newKeyFile }));
    });

  program
    .command('dump-sql')
    .description('write a sett/sql data directory as SQL (CREATE TABLE + INSERT statements) to stdout, for MySQL-compatible databases or sett/sql to load')
    .argument('<dir>', 'sett/sql data directory (one subdirectory per database)')
    .option('--database <name>', 'only this database, without CREATE DATABASE / USE (default: every database)')
    .option('--batch-rows <n>', 'rows per INSERT statement', integer('--batch-rows', 1), 1000)
    .option('--memory-engine <engine>', "what memory tables become: 'memory' (ENGINE=MEMORY) or 'innodb'", 'memory')
    .option('--utc', 'write DATETIME/TIMESTAMP values in UTC (default: local time)')
    .action(async (dir: string, o: { database?: string; batchRows: number; memoryEngine: string; utc?: boolean }) => {
      const { dumpSqlCommand } = await import('./commands/dump-sql.js');
      setExit(await dumpSqlCommand(dir, { database: o.database, batchRows: o.batchRows, memoryEngine: o.memoryEngine, utc: flag(o.utc) }));
    });

  program
    .command('sql')
    .description('an SQL shell (sett/sql, MySQL dialect) over a data directory: one subdirectory per database; -e runs statements and exits')
    .argument('<dir>', 'data directory (created if missing)')
    .option('-e, --execute <statements>', 'run these statements (separated by ;) and exit: 0 if all succeeded, 1 at the first SQL error')
    .option('--database <name>', 'start in this database (default: main)')
    .option('--json', 'print one JSON object per statement, one per line')
    .action(async (dir: string, o: { json?: boolean; execute?: string; database?: string }) => {
      const { sqlCommand } = await import('./commands/sql.js');
      setExit(await sqlCommand(dir, { json: flag(o.json), execute: o.execute, database: o.database }));
    });

  program
    .command('serve')
    .description('serve a data directory over the MySQL wire protocol (sett/sql); SIGINT/SIGTERM stop it cleanly')
    .argument('<dir>', 'data directory (one subdirectory per database; created if missing)')
    .option('--port <n>', 'TCP port (0: any free one)', integer('--port', 0), 3306)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--user <name>', 'the user clients log in as', 'root')
    .option('--password <p>', 'its password (default: $SETT_SQL_PASSWORD)')
    .action(async (dir: string, o: { port: number; host: string; user: string; password?: string }) => {
      const { serveCommand } = await import('./commands/serve.js');
      setExit(await serveCommand(dir, { port: o.port, host: o.host, user: o.user, password: o.password }));
    });

  return program;
}

/** Runs the command line `argv` (without node and the script); resolves with the exit code. */
export async function run(argv: readonly string[]): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  if (argv.length === 0) {
    process.stderr.write(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage; // commander printed it
    const command = argv.find((a) => !a.startsWith('-')) ?? '';
    const described = describeError(err);
    process.stderr.write(`${bad(`sett ${command}: ${described.message}`)}\n`);
    if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ ok: false, error: described }, null, 2)}\n`);
    return exitCodeOf(err);
  }
}
