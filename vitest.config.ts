import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Expensive invariant checks (whole-level scans, sortedness on every add) run under tests.
    env: { SETT_INVARIANTS: '1' },
    testTimeout: 60_000,
    pool: 'forks',
  },
});
