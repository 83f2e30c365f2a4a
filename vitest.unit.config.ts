import { defineConfig } from 'vitest/config';

/*
 * `npm run test:unit`: the pure tests only — files named *.unit.test.ts, which open no
 * database, start no browser, build nothing and run in seconds. `npm test` (vitest.config.ts)
 * runs them with everything else. A unit test that reaches for a database, the built program or
 * a browser fails at once (test/support/tier.ts).
 */
export default defineConfig({
  test: {
    include: ['src/**/*.unit.test.ts', 'test/**/*.unit.test.ts'],
    env: { ZHIBO_TEST_TIER: 'unit' },
    testTimeout: 10_000,
    reporters: ['default'],
  },
});
