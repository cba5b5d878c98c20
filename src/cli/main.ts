#!/usr/bin/env node
// The `sett` command (docs/cli.md): info, verify, dump, get, scan, backup, restore, gc, flatten,
// rotate-key. The commands live in program.ts and commands/.

import { run } from './program.js';

// `sett scan DIR | head`: the reader left; stop quietly, as Unix tools do, rather than crash on
// the next write. Only read commands print while they work, so nothing is left half-done.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await run(process.argv.slice(2));
