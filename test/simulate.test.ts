import { afterAll, beforeAll, expect, it } from 'vitest';
import { backfillInProcess } from '../src/cli/simulate.js';
import { runSimulation } from '../src/modules/simulator/index.js';
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
    // Only the injected invalid twins are refused: the cars without a plate come on their ticket and are kept.
    const reasons = (await db.selectFrom('ingest_quarantine').select('reasons').execute()).flatMap((q) => q.reasons);
    expect(reasons.filter((r) => !String(r.eventId).endsWith('-BAD'))).toEqual([]);
    const noPlate = await db.selectFrom('parking_sessions').select(['plate', 'plate_raw', 'state']).where('plate', 'like', '无牌车#%').execute();
    expect(noPlate.length).toBeGreaterThan(0);
    expect(noPlate.every((s) => /^无牌车#T[0-9A-Z]{10}$/.test(s.plate) && ['无牌车', '临时车'].includes(s.plate_raw))).toBe(true);
    // A second run over the same window with the same seed changes nothing.
    const again = await runSimulation({
      url, password: ADMIN_PASSWORD, lots: 6, seed: 7, backfillDays: 0.25, faults: 'default', progress: false,
      now: () => env.clock.now().getTime(), log: () => {},
    });
    expect(again.sent.accepted).toBe(0);
  });
});

// The backfill through the batch path, in-process: same data, no HTTP per batch, and the
// simulated hand-over times kept as receipt times (so late uploads stay late for monitoring).
describeDb('simulator backfill through the batch path', (backend) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv(backend);
  });
  afterAll(() => env.close());

  it('writes history via import with simulated receipt times, audited once, idempotent', async () => {
    const options = {
      url: 'unused', password: ADMIN_PASSWORD, lots: 5, seed: 11, backfillDays: 0.5, faults: 'heavy' as const, progress: false,
      now: () => env.clock.now().getTime(), log: () => {},
    };
    const report = await backfillInProcess(env.ctx, options);
    expect(report.error).toBeNull();
    expect(report.sent.failedBatches).toBe(0);
    expect(report.sent.accepted).toBeGreaterThan(100);
    expect(report.faults.lateEpisodes + report.faults.duplicateBatches).toBeGreaterThan(0);

    const db = env.ctx.db;
    const now = env.clock.now();
    const events = await db.selectFrom('ingest_events').select(['via', 'occurred_at', 'received_at']).execute();
    expect(events).toHaveLength(report.sent.accepted);
    expect(events.every((e) => e.via === 'import')).toBe(true);
    // Receipt times follow the simulated day, never before the event nor after now.
    expect(events.every((e) => e.received_at >= e.occurred_at && e.received_at <= now)).toBe(true);
    expect(events.filter((e) => now.getTime() - e.received_at.getTime() > 3 * 3_600_000).length).toBeGreaterThan(events.length / 4);
    // Most events arrive as they happen; the held-back ones (late uploads) arrive late.
    const lags = events.map((e) => e.received_at.getTime() - e.occurred_at.getTime());
    expect(lags.filter((l) => l === 0).length).toBeGreaterThan(events.length / 2);
    expect(report.faults.late).toBeGreaterThan(0);
    expect(lags.filter((l) => l > 30 * 60_000).length).toBeGreaterThan(0);
    // A batch path delivery is not the source's live link.
    const live = await db.selectFrom('lot_live').select(['last_occurred_at', 'last_received_at']).execute();
    expect(live.length).toBeGreaterThan(0);
    expect(live.every((l) => l.last_occurred_at !== null && l.last_received_at === null)).toBe(true);
    const sessions = await db.selectFrom('parking_sessions').select('state').execute();
    expect(sessions.some((s) => s.state === 'closed')).toBe(true);
    const audits = await db.selectFrom('audit_log').select(['action', 'detail']).where('action', '=', 'ingest.history').execute();
    expect(audits).toHaveLength(1);

    const again = await backfillInProcess(env.ctx, options);
    expect(again.sent.accepted).toBe(0);
    expect(again.sent.duplicates).toBe(report.sent.events - report.sent.rejected);
  });
});
