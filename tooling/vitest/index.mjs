import { defineConfig } from 'vitest/config';

/**
 * Shared Vitest configuration. Tests open real SQLite files, so they run in forked
 * processes (native addons and file locks behave as in production) with generous timeouts
 * for this 2-core machine.
 */
export const baseTestConfig = defineConfig({
  test: {
    pool: 'forks',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
  },
});

export default baseTestConfig;
