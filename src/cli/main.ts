#!/usr/bin/env node
// The `sett` command. The operator commands (info, verify, dump, backup, restore, gc, flatten)
// arrive with the engine; today it only describes itself.

const HELP = `sett — inspect and operate a sett data directory

Usage: sett <command> DIR

Commands (not yet implemented in this version):
  info DIR       levels, tables, value-log files, sizes
  verify DIR     read every checksum and report
  dump DIR       print keys and values
  backup DIR     write a backup stream
  restore DIR    load a backup stream
  gc DIR         run value-log garbage collection
  flatten DIR    compact every level into one

Options:
  -h, --help     show this help
`;

function main(argv: readonly string[]): number {
  const command = argv[0];
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  process.stderr.write(`sett: command "${command}" is not implemented yet\n\n${HELP}`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
