import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeDb, createTestEnv, type TestEnv } from '../../../test/support/backends.js';
import { loginToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from '../../../test/support/ingest.js';
import { flagStaleSessions, type SessionFlag } from '../sessions/index.js';
import { addShanghaiMonths, alignOut, startOfShanghaiDay, startOfShanghaiMonth } from './periods.js';
import { refreshAnalytics } from './refresh.js';

/*
 * Hand-computed rollup rows. Lot A (崇川区, commercial, 10 spaces, late threshold 60 min) and
 * lot B (通州区, hospital, 20 spaces, the platform's 120 min). Sessions are written straight
 * into parking_sessions (the cases need exact times, negatives and exclusions); the late exit
 * comes through the signed ingest API. Times are UTC; Shanghai is +8.
 */

const T = (iso: string) => new Date(iso);

describe('Shanghai periods', () => {
  it('puts days at 16:00 UTC the day before and months at the 1st 00:00 Shanghai', () => {
    expect(startOfShanghaiDay(T('2026-10-31T15:59:59Z')).toISOString()).toBe('2026-10-30T16:00:00.000Z');
    expect(startOfShanghaiDay(T('2026-10-31T16:00:00Z')).toISOString()).toBe('2026-10-31T16:00:00.000Z');
    expect(startOfShanghaiMonth(T('2026-10-31T16:30:00Z')).toISOString()).toBe('2026-10-31T16:00:00.000Z');
    expect(startOfShanghaiMonth(T('2026-10-31T15:30:00Z')).toISOString()).toBe('2026-09-30T16:00:00.000Z');
    expect(addShanghaiMonths(T('2026-12-15T00:00:00Z'), 1).toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(alignOut('day', T('2026-11-01T01:00:00Z'), T('2026-11-01T16:00:00Z'))).toEqual({ from: T('2026-10-31T16:00:00Z'), to: T('2026-11-01T16:00:00Z') });
  });
});

describeDb('analytics rollups', (backend) => {
  let env: TestEnv;
  let source: TestSource;
  let lotA: number;
  let lotB: number;

  interface SessionSpec {
    lot: number;
    plate: string;
    enteredAt?: string;
    exitedAt?: string;
    receivableFen?: number;
    paidFen?: number;
    payChannel?: string;
    flags?: SessionFlag[];
    excludedBy?: number;
  }
  const insertSession = (s: SessionSpec) =>
    env.ctx.db
      .insertInto('parking_sessions')
      .values({
        lot_id: s.lot, source_code: source.code, plate: s.plate, plate_raw: s.plate, plate_color: null, berth_code: null,
        entry_event_id: s.enteredAt ? `in-${s.plate}` : null, exit_event_id: s.exitedAt ? `out-${s.plate}` : null,
        entered_at: s.enteredAt ? T(s.enteredAt) : null, exited_at: s.exitedAt ? T(s.exitedAt) : null,
        receivable_fen: s.receivableFen ?? null, paid_fen: s.paidFen ?? null, pay_channel: s.payChannel ?? null,
        state: s.exitedAt ? 'closed' : 'open', flags: s.flags ?? [], excluded_by: s.excludedBy ?? null,
      })
      .execute();
  const insertReport = (lot: number, at: string, total: number, free: number, excludedBy: number | null = null) =>
    env.ctx.db.insertInto('lot_status_reports').values({ lot_id: lot, occurred_at: T(at), total_spaces: total, free_spaces: free, flagged: false, excluded_by: excludedBy }).execute();

  const lotRow = (table: 'analytics_lot_hour' | 'analytics_lot_day' | 'analytics_lot_month', lot: number, at: string, channel = '*') =>
    env.ctx.db.selectFrom(table).selectAll().where('lot_id', '=', lot).where('at', '=', T(at)).where('pay_channel', '=', channel).executeTakeFirst();
  const groupRow = (table: 'analytics_group_hour' | 'analytics_group_day' | 'analytics_group_month', district: string, category: string, at: string) =>
    env.ctx.db.selectFrom(table).selectAll().where('district_code', '=', district).where('category', '=', category).where('at', '=', T(at)).executeTakeFirst();

  beforeAll(async () => {
    env = await createTestEnv(backend);
    env.clock.set('2026-11-01T02:20:00Z'); // 10:20 on 1 November, Shanghai
    const token = await loginToken(env.app);
    source = await createSourceWithLots(env, token, 'AN-SRC', [
      { code: 'AN-A', districtCode: '320602', category: 'commercial', totalSpaces: 10 },
      { code: 'AN-B', districtCode: '320612', category: 'hospital', totalSpaces: 20 },
    ]);
    const lots = await env.ctx.db.selectFrom('lots').select(['id', 'code']).execute();
    lotA = lots.find((l) => l.code === 'AN-A')!.id;
    lotB = lots.find((l) => l.code === 'AN-B')!.id;
    await env.ctx.db.updateTable('lots').set({ late_threshold_minutes: 60 }).where('id', '=', lotA).execute();

    // Across Shanghai midnight and the October/November month end: 23:30 → 00:30.
    await insertSession({ lot: lotA, plate: '苏F00001', enteredAt: '2026-10-31T15:30:00Z', exitedAt: '2026-10-31T16:30:00Z', receivableFen: 500, paidFen: 300, payChannel: 'wechat' });
    await insertSession({ lot: lotA, plate: '苏F00002', enteredAt: '2026-11-01T01:15:00Z' }); // open
    await insertSession({ lot: lotA, plate: '苏F00003', exitedAt: '2026-11-01T01:40:00Z', receivableFen: 100, paidFen: 100, flags: ['no_entry'] });
    await insertSession({ lot: lotA, plate: '苏F00004', enteredAt: '2026-11-01T01:50:00Z', exitedAt: '2026-11-01T01:45:00Z', flags: ['negative_duration'] });
    await insertSession({ lot: lotA, plate: '苏F00005', enteredAt: '2026-11-01T01:00:00Z', exitedAt: '2026-11-01T01:30:00Z', receivableFen: 999, excludedBy: 1 });
    // Open for a week: occupies until the stale limit (3 days in the test config), not until now.
    await insertSession({ lot: lotB, plate: '苏F00006', enteredAt: '2026-10-25T00:00:00Z' });

    // A: 40 % from 00:00, 80 % from 00:30, unknown after 01:30 (60 min threshold).
    await insertReport(lotA, '2026-11-01T00:00:00Z', 10, 6);
    await insertReport(lotA, '2026-11-01T00:30:00Z', 10, 2);
    // B: total 0 in the report → the lot's 20; 5 occupied = 25 % from 00:15 until 02:15 (120 min).
    await insertReport(lotB, '2026-11-01T00:15:00Z', 0, 15);
    await insertReport(lotB, '2026-11-01T01:00:00Z', 20, 0, 7); // set aside by cleaning: ignored

    const r = await refreshAnalytics(env.ctx);
    expect(r.marks).toBeGreaterThan(0);
  });
  afterAll(() => env.close());

  it('puts a session crossing Shanghai midnight and a month end in the right hours, days and months', async () => {
    expect(await lotRow('analytics_lot_hour', lotA, '2026-10-31T15:00:00Z')).toMatchObject({ entries: 1, exits: 0, occupied_seconds: 1800, sessions: 1, complete_sessions: 1 });
    expect(await lotRow('analytics_lot_hour', lotA, '2026-10-31T16:00:00Z')).toMatchObject({
      entries: 0, exits: 1, occupied_seconds: 1800, dwell_seconds: 3600, dwell_count: 1, receivable_fen: 500, paid_fen: 300, arrears_fen: 200, sessions: 0,
    });
    expect(await lotRow('analytics_lot_hour', lotA, '2026-10-31T16:00:00Z', 'wechat')).toMatchObject({ exits: 1, dwell_seconds: 3600, receivable_fen: 500, arrears_fen: 200, entries: 0, occupied_seconds: 0 });
    // 31 October (Shanghai) starts 2026-10-30T16:00Z; 1 November at 2026-10-31T16:00Z.
    expect(await lotRow('analytics_lot_day', lotA, '2026-10-30T16:00:00Z')).toMatchObject({ entries: 1, exits: 0, occupied_seconds: 1800 });
    expect(await lotRow('analytics_lot_month', lotA, '2026-09-30T16:00:00Z')).toMatchObject({ entries: 1, exits: 0, occupied_seconds: 1800, sessions: 1 });
    const nov = await lotRow('analytics_lot_month', lotA, '2026-10-31T16:00:00Z');
    // November: the crossing session's exit and half hour, the open one (01:15 → 02:20), the entry-less and negative ones.
    expect(nov).toMatchObject({ entries: 2, exits: 3, occupied_seconds: 1800 + 2700 + 1200, dwell_count: 1, receivable_fen: 600, paid_fen: 400, arrears_fen: 200, sessions: 3, complete_sessions: 1, flagged_sessions: 2 });
  });

  it('counts an open session until as-of, an entry-less and a negative one without time, an excluded one not at all', async () => {
    const h1 = await lotRow('analytics_lot_hour', lotA, '2026-11-01T01:00:00Z');
    expect(h1).toMatchObject({ entries: 2, exits: 2, occupied_seconds: 2700, dwell_seconds: 0, dwell_count: 0, receivable_fen: 100, paid_fen: 100, arrears_fen: 0, sessions: 3, complete_sessions: 1, flagged_sessions: 2 });
    expect(await lotRow('analytics_lot_hour', lotA, '2026-11-01T01:00:00Z', '')).toMatchObject({ exits: 2, receivable_fen: 100, occupied_seconds: 0, occ_peak: null });
    expect(await lotRow('analytics_lot_hour', lotA, '2026-11-01T02:00:00Z')).toMatchObject({ entries: 0, occupied_seconds: 1200 });
    expect(await lotRow('analytics_lot_hour', lotA, '2026-11-01T03:00:00Z')).toBeUndefined();
    // The week-old open session of B: 72 hours, then the stale limit.
    const b = await env.ctx.db.selectFrom('analytics_lot_hour').select(['at', 'occupied_seconds']).where('lot_id', '=', lotB).where('occupied_seconds', '>', 0).orderBy('at').execute();
    expect(b).toHaveLength(72);
    expect(b[0]!.at).toEqual(T('2026-10-25T00:00:00Z'));
    expect(b[71]!.at).toEqual(T('2026-10-27T23:00:00Z'));
    expect(await lotRow('analytics_lot_month', lotB, '2026-09-30T16:00:00Z')).toMatchObject({ entries: 1, occupied_seconds: 72 * 3600, sessions: 1, complete_sessions: 0 });
  });

  it('gives known seconds, ∫ occupancy and the peak per lot from the status reports', async () => {
    const a0 = await lotRow('analytics_lot_hour', lotA, '2026-11-01T00:00:00Z');
    expect(a0).toMatchObject({ occ_known_seconds: 3600, entries: 0 });
    expect(a0!.occ_ratio_seconds).toBeCloseTo(1800 * 0.4 + 1800 * 0.8, 6);
    expect(a0!.occ_peak).toBeCloseTo(0.8, 9);
    const a1 = await lotRow('analytics_lot_hour', lotA, '2026-11-01T01:00:00Z');
    expect(a1).toMatchObject({ occ_known_seconds: 1800 }); // unknown from 01:30, 60 min after the last report
    expect(a1!.occ_ratio_seconds).toBeCloseTo(1440, 6);
    expect((await lotRow('analytics_lot_hour', lotA, '2026-11-01T02:00:00Z'))!.occ_known_seconds).toBe(0);
    const b = await env.ctx.db.selectFrom('analytics_lot_hour').select(['at', 'occ_known_seconds', 'occ_ratio_seconds', 'occ_peak']).where('lot_id', '=', lotB).where('occ_known_seconds', '>', 0).orderBy('at').execute();
    expect(b.map((r) => [r.at.toISOString(), r.occ_known_seconds, r.occ_ratio_seconds, r.occ_peak])).toEqual([
      ['2026-11-01T00:00:00.000Z', 2700, 675, 0.25],
      ['2026-11-01T01:00:00.000Z', 3600, 900, 0.25],
      ['2026-11-01T02:00:00.000Z', 900, 225, 0.25], // valid until 02:15, 120 min
    ]);
  });

  it('gives a group the ratio of the sums over the lots known at each moment', async () => {
    const city0 = await groupRow('analytics_group_hour', '*', '*', '2026-11-01T00:00:00Z');
    // 00:00–00:15 A alone 4/10; 00:15–00:30 (4+5)/(10+20); 00:30–01:00 (8+5)/30.
    expect(city0!.occ_known_seconds).toBe(3600);
    expect(city0!.occ_ratio_seconds).toBeCloseTo(900 * 0.4 + 900 * 0.3 + 1800 * (13 / 30), 6);
    expect(city0!.occ_peak).toBeCloseTo(13 / 30, 9);
    const city1 = await groupRow('analytics_group_hour', '*', '*', '2026-11-01T01:00:00Z');
    expect(city1!.occ_known_seconds).toBe(3600); // 01:30–02:00 B alone
    expect(city1!.occ_ratio_seconds).toBeCloseTo(1800 * (13 / 30) + 1800 * 0.25, 6);
    const day = await groupRow('analytics_group_day', '*', '*', '2026-10-31T16:00:00Z');
    expect(day!.occ_known_seconds).toBe(3600 + 3600 + 900);
    expect(day!.occ_ratio_seconds).toBeCloseTo(1410 + 1230 + 225, 6);
    expect(day!.occ_peak).toBeCloseTo(13 / 30, 9);
    // A's district, category and both equal A; B's district equals B.
    for (const [d, c] of [['320602', '*'], ['*', 'commercial'], ['320602', 'commercial']] as const) {
      const g = await groupRow('analytics_group_hour', d, c, '2026-11-01T00:00:00Z');
      expect([g!.occ_known_seconds, g!.occ_ratio_seconds, g!.occ_peak]).toEqual([3600, 2160, 0.8]);
    }
    expect(await groupRow('analytics_group_hour', '320612', '*', '2026-11-01T02:00:00Z')).toMatchObject({ occ_known_seconds: 900, occ_ratio_seconds: 225, occ_peak: 0.25 });
    expect(await groupRow('analytics_group_hour', '320602', 'hospital', '2026-11-01T00:00:00Z')).toBeUndefined();
    const month = await groupRow('analytics_group_month', '*', 'hospital', '2026-10-31T16:00:00Z');
    expect(month).toMatchObject({ occ_known_seconds: 2700 + 3600 + 900, occ_ratio_seconds: 1800 });
  });

  it('takes the queue and moves refreshed_until to as-of', async () => {
    expect(await env.ctx.db.selectFrom('analytics_dirty').selectAll().execute()).toEqual([]);
    expect((await env.ctx.db.selectFrom('analytics_state').select('refreshed_until').executeTakeFirstOrThrow()).refreshed_until).toEqual(T('2026-11-01T02:20:00Z'));
  });

  it('updates old hours when a late exit closes an old open session, and the flag hour on a flags-only update', async () => {
    // A day later the open session still counts, up to as-of.
    env.clock.set('2026-11-02T04:00:00Z');
    await refreshAnalytics(env.ctx);
    expect(await lotRow('analytics_lot_hour', lotA, '2026-11-02T03:00:00Z')).toMatchObject({ occupied_seconds: 3600 });
    expect(await lotRow('analytics_lot_day', lotA, '2026-11-01T16:00:00Z')).toMatchObject({ occupied_seconds: 12 * 3600 });

    // Then its exit arrives (offline upload): it left at 10:40 on 1 November.
    env.clock.set('2026-11-02T05:00:00Z');
    const res = await postEvents(env, source, [
      { type: 'exit', eventId: 'late-exit-2', occurredAt: '2026-11-01 10:40:00', lotCode: 'AN-A', plate: '苏F00002', receivableFen: 200, paidFen: 150, payChannel: 'alipay' },
    ]);
    expect(res.json()).toMatchObject({ accepted: 1 });
    await refreshAnalytics(env.ctx);
    expect(await lotRow('analytics_lot_hour', lotA, '2026-11-01T02:00:00Z')).toMatchObject({ exits: 1, occupied_seconds: 2400, dwell_seconds: 85 * 60, receivable_fen: 200, paid_fen: 150, arrears_fen: 50 });
    expect(await lotRow('analytics_lot_hour', lotA, '2026-11-01T02:00:00Z', 'alipay')).toMatchObject({ exits: 1, receivable_fen: 200 });
    expect(await lotRow('analytics_lot_hour', lotA, '2026-11-01T03:00:00Z')).toBeUndefined();
    expect(await lotRow('analytics_lot_day', lotA, '2026-11-01T16:00:00Z')).toBeUndefined();
    expect(await lotRow('analytics_lot_month', lotA, '2026-10-31T16:00:00Z')).toMatchObject({ exits: 4, occupied_seconds: 1800 + 2700 + 2400, complete_sessions: 2 });

    // The stale flag, a week after entry, changes only the entry hour's flagged count.
    expect(await lotRow('analytics_lot_hour', lotB, '2026-10-25T00:00:00Z')).toMatchObject({ flagged_sessions: 0 });
    expect(await flagStaleSessions(env.ctx.db, env.clock.now(), 3)).toBe(1);
    const marks = await env.ctx.db.selectFrom('analytics_dirty').selectAll().execute();
    // Only the entry moment, not entry → now: the span of an open session did not change.
    expect(marks.map((m) => [m.lot_id, m.from_at, m.to_at])).toEqual([[lotB, T('2026-10-25T00:00:00Z'), T('2026-10-25T00:00:00Z')]]);
    await refreshAnalytics(env.ctx);
    expect(await lotRow('analytics_lot_hour', lotB, '2026-10-25T00:00:00Z')).toMatchObject({ flagged_sessions: 1, occupied_seconds: 3600, entries: 1 });
    expect(await lotRow('analytics_lot_month', lotB, '2026-09-30T16:00:00Z')).toMatchObject({ flagged_sessions: 1, occupied_seconds: 72 * 3600 });
  });

  it('keeps the queued marks when a refresh fails halfway', async () => {
    await insertSession({ lot: lotB, plate: '苏F00007', enteredAt: '2026-11-02T04:10:00Z', exitedAt: '2026-11-02T04:20:00Z' });
    const before = await env.ctx.db.selectFrom('analytics_dirty').selectAll().execute();
    expect(before).toHaveLength(1);
    // A setting the database refuses makes the recompute fail after the marks were taken.
    const broken = { ...env.ctx, config: { ...env.ctx.config, lateThresholdMinutes: Number.NaN } };
    await expect(refreshAnalytics(broken)).rejects.toThrow();
    expect(await env.ctx.db.selectFrom('analytics_dirty').selectAll().execute()).toEqual(before);
    expect((await env.ctx.db.selectFrom('analytics_state').select('refreshed_until').executeTakeFirstOrThrow()).refreshed_until).toEqual(T('2026-11-02T05:00:00Z'));
    await refreshAnalytics(env.ctx);
    expect(await lotRow('analytics_lot_hour', lotB, '2026-11-02T04:00:00Z')).toMatchObject({ entries: 1, exits: 1, occupied_seconds: 600 });
  });
});
