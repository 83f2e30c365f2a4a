import { defineConfig } from 'vitest/config';

/**
 * Tests that take the whole PostgreSQL server for themselves: the read replica (pg_basebackup of
 * the test server, killed and restarted) and two app nodes on one database with their job clocks.
 * Run after the main suite (`npm test`), one file at a time: beside twenty other files creating
 * and dropping databases they missed their timings (seen 2026-12-07), alone they pass.
 */
export const SERIAL = ['test/read-replica.test.ts', 'test/two-nodes.test.ts'];

export default defineConfig({
  test: {
    include: SERIAL,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    expect: { poll: { timeout: 15_000 } },
    fileParallelism: false,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest-serial.json' },
  },
});
