import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from '../../../test/support/ingest.js';
import { systemActor } from '../../platform/auth/permissions.js';
import { parseMonth } from './month.js';
import { monitoringContext } from './repo.js';
import { lotBounds, longIntervals, monthCounts, reportLots } from './sync-data.js';
import { monthData, refreshSyncDays } from './sync-days.js';
import type { SyncReport } from './sync-report.js';

/*
 * The sync report from day summaries (sync-days.ts) must say exactly what the direct
 * computation over all of the month's events says (sync-data.ts): compared here on the same
 * data at every stage — before the job ran, after it, after late deliveries into summarised
 * days (before and after the job sees them), after a threshold change, and in the running month
 * whose today is read live. The data has gaps spanning Shanghai midnight and the month's edges,
 * late deliveries and equal timestamps. Times are Shanghai wall time.
 */

const sh = (t: string) => new Date(`${t.replace(' ', 'T')}+08:00`);
const MIN = 60_000;

describeDb('monitoring: sync report day summaries', (backend) => {
  let env: TestEnv;
  let admin: string;
  let src: TestSource;

  const ctx = () => monitoringContext(env.ctx);
  /** Events straight into the table (the triggers fire as for ingest): [lot code, occurredAt, minutes late]. */
  let seq = 0;
  const insert = async (rows: [string, Date, number][]) => {
    const lots = new Map((await env.ctx.db.selectFrom('lots').select(['id', 'code']).execute()).map((l) => [l.code, l.id]));
    await env.ctx.db.insertInto('ingest_events').values(rows.map(([code, at, late]) => ({
      source_code: 'S-D', event_id: `e-${++seq}`, type: 'status', lot_id: lots.get(code)!, occurred_at: at,
      received_at: new Date(at.getTime() + late * MIN), payload: '{}',
    }))).execute();
  };

  /** Both computations of the month at the clock's now: they must be equal. */
  const compare = async (monthText: string) => {
    const c = ctx();
    const now = env.clock.now();
    const month = parseMonth(monthText);
    const p = { start: month.start, end: month.end };
    const lots = await reportLots(c.db, systemActor('test'), c.config.lateThresholdMinutes);
    const direct = { counts: await monthCounts(c.db, lots, p), bounds: await lotBounds(c.db, lots, p), intervals: await longIntervals(c.db, lots, p) };
    const fast = await monthData(c.db, lots, p, now);
    expect(fast.counts).toEqual(direct.counts);
    expect(fast.bounds).toEqual(direct.bounds);
    expect(fast.intervals).toEqual(direct.intervals);
    return direct;
  };
  const report = async (month: string): Promise<SyncReport> => {
    const res = await env.app.inject({ method: 'GET', url: `/api/v1/reports/sync?month=${month}`, headers: bearer(admin) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const summaries = async () => Number((await sql<{ n: number }>`select count(*)::int as n from monitoring_sync_days`.execute(env.ctx.db)).rows[0]!.n);

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    src = await createSourceWithLots(env, admin, 'S-D', [{ code: 'D-1' }, { code: 'D-2' }, { code: 'D-3' }, { code: 'D-4' }]);
    await env.ctx.db.updateTable('lots').set({ late_threshold_minutes: 30 }).where('code', '=', 'D-2').execute();

    const rows: [string, Date, number][] = [];
    // D-1: every 20 minutes from 10-28 to 11-03, except a silence 10-05 22:00 → 10-06 03:00 (across midnight)
    // and the night of the month's end 10-31 21:00 → 11-01 02:00; every 7th event 3 hours late.
    for (let t = sh('2026-09-28 00:00').getTime(); t < sh('2026-11-03 00:00').getTime(); t += 20 * MIN) {
      if (t > sh('2026-10-05 22:00').getTime() && t < sh('2026-10-06 03:00').getTime()) continue;
      if (t > sh('2026-10-31 21:00').getTime() && t < sh('2026-11-01 02:00').getTime()) continue;
      rows.push(['D-1', new Date(t), rows.length % 7 === 0 ? 180 : 1]);
    }
    // D-2 (threshold 30): every 25 minutes on some days only, so whole empty days lie between
    // days with data; two events at the same instant; 40 minutes late now and then.
    for (const day of ['2026-10-02', '2026-10-03', '2026-10-09', '2026-10-20']) {
      for (let t = sh(`${day} 08:00`).getTime(); t < sh(`${day} 23:59`).getTime(); t += 25 * MIN) rows.push(['D-2', new Date(t), t % 3 === 0 ? 40 : 0]);
    }
    rows.push(['D-2', sh('2026-10-09 12:00'), 0], ['D-2', sh('2026-10-09 12:00'), 5]);
    // D-3: one event before the month and one after: the whole of October is one silence.
    rows.push(['D-3', sh('2026-09-20 10:00'), 0], ['D-3', sh('2026-11-02 10:00'), 0]);
    // D-4: nothing at all.
    await insert(rows);
  });
  afterAll(() => env.close());

  it('equals the direct computation before, during and after the summaries, with late data and threshold changes', async () => {
    env.clock.set(sh('2026-11-25 10:00'));
    const before = await report('2026-10');
    const direct = await compare('2026-10');
    expect(direct.intervals.size).toBeGreaterThan(0); // the data does have gaps

    // The job summarises every closed day since each lot's first event.
    const run = await refreshSyncDays(env.ctx);
    expect(run.days).toBeGreaterThan(0);
    expect(await summaries()).toBe(run.days);
    await compare('2026-10');
    await compare('2026-11');
    // The report (JSON, and the .xlsx/.docx built from it) says the same as before the summaries.
    expect(await report('2026-10')).toEqual(before);

    // Late deliveries into summarised days: one filling half of D-1's midnight silence, one for
    // D-3 in the middle of October (cutting its month-long silence), one delivered very late.
    await insert([['D-1', sh('2026-10-06 00:10'), 3000], ['D-3', sh('2026-10-15 23:59'), 900], ['D-2', sh('2026-10-09 23:55'), 2]]);
    const marked = await compare('2026-10'); // the marked days are read from the events
    expect(marked.counts.get((await env.ctx.db.selectFrom('lots').select('id').where('code', '=', 'D-3').executeTakeFirstOrThrow()).id)?.records).toBe(1);
    const second = await refreshSyncDays(env.ctx);
    expect(second.marks).toBeGreaterThan(0);
    await compare('2026-10');
    expect(await report('2026-10')).not.toEqual(before);

    // Deleted events (as the archive deletes them) mark their days too.
    await sql`delete from ingest_events where id in (select id from ingest_events where lot_id = (select id from lots where code = 'D-2') and occurred_at < ${sh('2026-10-03 12:00').toISOString()}::timestamptz order by occurred_at desc limit 3)`.execute(env.ctx.db);
    await compare('2026-10');
    await refreshSyncDays(env.ctx);
    await compare('2026-10');

    // A changed threshold makes the lot's summaries unusable until the job recomputes them.
    await env.ctx.db.updateTable('lots').set({ late_threshold_minutes: 60 }).where('code', '=', 'D-1').execute();
    await compare('2026-10');
    const third = await refreshSyncDays(env.ctx);
    expect(third.days).toBeGreaterThan(0);
    await compare('2026-10');
    await compare('2026-09');
  });

  it('reads today from the events in the running month, and late data sent through the API', async () => {
    // The running month: 2 November 10:00; 1 November is summarised, today is live.
    env.clock.set(sh('2026-11-02 10:00'));
    await refreshSyncDays(env.ctx);
    const kept = await sql<{ day: string }>`select to_char(day, 'YYYY-MM-DD') as day from monitoring_sync_days where day >= date '2026-11-02'`.execute(env.ctx.db);
    expect(kept.rows).toEqual([]); // no summary of a day that has not ended
    await compare('2026-11');
    const res = await postEvents(env, src, [{ type: 'status', eventId: 'late-api', occurredAt: '2026-11-01 01:00:00', lotCode: 'D-1', totalSpaces: 100, freeSpaces: 40 }]);
    expect(res.statusCode, res.body).toBe(200);
    await compare('2026-11');
    await compare('2026-10');
    await refreshSyncDays(env.ctx);
    await compare('2026-11');
    // Marks of days that are closed are all handled; none of today's are kept.
    const left = await sql<{ n: number }>`select count(*)::int as n from monitoring_sync_dirty`.execute(env.ctx.db);
    expect(Number(left.rows[0]!.n)).toBe(0);
  });
});
