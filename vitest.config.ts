import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';
import { SERIAL } from './vitest.serial.config.js';

export default defineConfig({
  // Compiles the console's .vue files for its component tests (web/src/**/*.test.ts, which pick
  // happy-dom per file with a `// @vitest-environment happy-dom` comment).
  plugins: [vue()],
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    // Whole-cluster tests (a streaming replica of the test server, two app nodes sharing one
    // database and its job clock) run on their own afterwards: vitest.serial.config.ts.
    exclude: ['**/node_modules/**', ...SERIAL],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll waits 1 s by default: too short for a page under CI's load (the overview map's
    // first data came after it once). As long as the browser pages' own 15 s timeout.
    expect: { poll: { timeout: 15_000 } },
    // Each file opens its own databases; two cores, so two files at a time.
    maxWorkers: 2,
    // The JSON report lets CI print a plain closing line ('N passed, N failed').
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
