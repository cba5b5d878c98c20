import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = fileURLToPath(new URL('./src/', import.meta.url));

export default defineConfig({
  // Examples import sett by its package name, as users do; under test that name means the source.
  resolve: {
    alias: [
      { find: /^sett$/, replacement: `${src}index.ts` },
      { find: /^sett\/(level|table|hybrid|sql)$/, replacement: `${src}$1/index.ts` },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Expensive invariant checks (whole-level scans, sortedness on every add) run under tests.
    env: { SETT_INVARIANTS: '1' },
    testTimeout: 60_000,
    pool: 'forks',
  },
});
