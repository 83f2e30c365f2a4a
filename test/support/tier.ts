/*
 * The unit tier (`npm run test:unit`, vitest.unit.config.ts) runs only pure tests. The test
 * helpers that open a database, run the built program or drive a browser call this first, so a
 * *.unit.test.ts that needs one of them fails with the reason instead of quietly slowing the tier.
 */
export function refuseInUnitTier(what: string): void {
  if (process.env.ZHIBO_TEST_TIER === 'unit') {
    throw new Error(`${what} in a unit test: a *.unit.test.ts stays pure (no database, no built program, no browser) — name the file *.test.ts`);
  }
}
