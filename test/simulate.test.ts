import { afterAll, beforeAll, expect, it } from 'vitest';
import { runSimulation } from '../src/modules/simulator/runner.js';
import { ADMIN_PASSWORD, createTestEnv, describeDb, type TestEnv } from './support/backends.js';

// The simulator against the real app: registry set up over the API, signed batches, pairing.
describeDb('simulator end to end', (backend) => {
  let env: TestEnv;
  let url: string;
  beforeAll(async () => {
    env = await createTestEnv(backend);
    url = await env.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => env.close());

  it('backfills a few hours of a small city through the signed API', async () => {
    const report = await runSimulation({
      url, password: ADMIN_PASSWORD, lots: 6, seed: 7, backfillDays: 0.25, faults: 'default', progress: false,
      now: () => env.clock.now().getTime(), log: () => {},
    });
    expect(report.error).toBeNull();
    expect(report.sent.failedBatches).toBe(0);
    expect(report.sent.accepted).toBeGreaterThan(100);
    const db = env.ctx.db;
    const lots = await db.selectFrom('lots').select('code').execute();
    expect(lots).toHaveLength(6);
    const sessions = await db.selectFrom('parking_sessions').select(['state', 'flags']).execute();
    expect(sessions.some((s) => s.state === 'closed' && s.flags.length === 0)).toBe(true);
    const events = await db.selectFrom('ingest_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(events.n)).toBe(report.sent.accepted);
    // Every refused event is in quarantine with its code.
    const quarantined = await db.selectFrom('ingest_quarantine').select('rejected').execute();
    expect(quarantined.reduce((n, q) => n + q.rejected, 0)).toBe(report.sent.rejected);
    // A second run over the same window with the same seed changes nothing.
    const again = await runSimulation({
      url, password: ADMIN_PASSWORD, lots: 6, seed: 7, backfillDays: 0.25, faults: 'default', progress: false,
      now: () => env.clock.now().getTime(), log: () => {},
    });
    expect(again.sent.accepted).toBe(0);
  });
});
