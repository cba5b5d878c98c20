// `npm run bench:examples`: each example's own bench.ts, one child process each so one
// example's heap and open files never colour the next one's figures.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const EXAMPLES = ['kv-store', 'queue', 'registry', 'sqlexec'];

const here = dirname(fileURLToPath(import.meta.url));
// Example names choose which run; every other argument (`--num 1000`, `--quick`) goes to each one.
const args = process.argv.slice(2);
const only = args.filter((a) => EXAMPLES.includes(a));
const passThrough = args.filter((a) => !EXAMPLES.includes(a));
let failed = 0;
for (const name of EXAMPLES) {
  if (only.length > 0 && !only.includes(name)) continue;
  const script = join(here, name, 'bench.js');
  if (!existsSync(script)) {
    console.log(`\n## ${name}: no bench.js (not built yet)`);
    continue;
  }
  console.log(`\n## ${name}`);
  const run = spawnSync(process.execPath, ['--expose-gc', script, ...passThrough], { stdio: 'inherit' });
  if (run.status !== 0) {
    failed++;
    console.error(`${name}: bench exited with ${run.status ?? run.signal}`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
