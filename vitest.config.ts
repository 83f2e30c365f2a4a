import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each file opens its own databases; two cores, so two files at a time.
    maxWorkers: 2,
    // The JSON report lets CI print a plain closing line ('N passed, N failed').
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
