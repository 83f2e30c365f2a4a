import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { inProcessFetch } from '../../cli/in-process-fetch.js';
import { systemActor } from '../../platform/auth/permissions.js';
import { recordedHistory } from '../ingest/index.js';
import { flagStaleSessions } from '../sessions/index.js';
import { runSimulation } from '../simulator/index.js';
import { shanghaiDay, shanghaiDayStart } from '../../platform/time.js';
import { rebuildAnalytics } from './rebuild.js';
import { refreshAnalytics } from './refresh.js';

/*
 * Rebuild == incremental (issue 6, done-when) on simulator data: two simulated days over a
 * month end, with the heavy fault preset (late uploads of hours, entries sent after their exit,
 * exits whose entry never comes, duplicates), written through the batch path as the clock
 * advances 10 minutes a tick; the refresh runs every simulated hour, the stale flagging too, and
 * halfway data cleaning sets rows aside. Quiet hours follow (only the clock moves), then each
 * lot's last status report is set aside. The six rollup tables must then be what a rebuild of
 * the whole range at the same as-of writes.
 */

const TABLES = ['analytics_lot_hour', 'analytics_lot_day', 'analytics_lot_month', 'analytics_group_hour', 'analytics_group_day', 'analytics_group_month'] as const;
type Table = (typeof TABLES)[number];
type Snapshot = Record<Table, Record<string, unknown>[]>;

describeDb('analytics rebuild equals the incremental refresh', (backend) => {
  let env: TestEnv;
  let incremental: Snapshot;
  let refreshes = 0;
  const start = new Date('2026-10-30T16:00:00Z'); // 31 October 00:00, Shanghai

  const snapshot = async (): Promise<Snapshot> => {
    const out = {} as Snapshot;
    for (const t of TABLES) {
      const rows = await env.ctx.db.selectFrom(t).selectAll().execute();
      out[t] = (rows as Record<string, unknown>[])
        .map((r) => ({ ...r, at: (r.at as Date).toISOString() }))
        .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    }
    return out;
  };

  beforeAll(async () => {
    env = await createTestEnv(backend, { staleSessionDays: 1 });
    env.clock.set(start);
    const history = recordedHistory(env.ctx, systemActor('test'));
    let ticks = 0;
    const report = await runSimulation({
      url: 'http://in-process', fetch: inProcessFetch(env.app), password: ADMIN_PASSWORD, deliver: history.sink,
      lots: 4, seed: 61, faults: 'heavy', liveStartAt: start.getTime(), speed: 60, durationMinutes: 2 * 24 * 60,
      now: () => env.clock.now().getTime(), log: () => undefined,
      sleep: async () => {
        env.clock.advance(10 * 60_000);
        if (++ticks % 6 !== 0) return;
        await flagStaleSessions(env.ctx.db, env.clock.now(), 1);
        await refreshAnalytics(env.ctx);
        refreshes++;
        if (ticks === 6 * 24) {
          // Data cleaning halfway: some sessions and status reports set aside.
          await env.ctx.db.updateTable('parking_sessions').set({ excluded_by: 1 }).where((eb) => eb(eb('id', '%', 17), '=', 0)).execute();
          await env.ctx.db.updateTable('lot_status_reports').set({ excluded_by: 1 }).where((eb) => eb(eb('id', '%', 13), '=', 0)).execute();
        }
      },
    });
    expect(report.error).toBeNull();
    expect(report.faults.late + report.faults.outOfOrder).toBeGreaterThan(0);
    // Then quiet hours: open sessions go on occupying and reports expire with no new data.
    for (let i = 0; i < 3; i++) {
      env.clock.advance(3600_000);
      await refreshAnalytics(env.ctx);
    }
    // Cleaning sets aside each lot's last status report: the one before it is valid longer.
    await sql`update lot_status_reports set excluded_by = 2
              where id in (select max(id) from lot_status_reports where excluded_by is null group by lot_id)`.execute(env.ctx.db);
    env.clock.advance(60_000);
    await refreshAnalytics(env.ctx);
    incremental = await snapshot();
  }, 600_000);
  afterAll(() => env.close());

  it('refreshed along the way over data with late and corrected rows', async () => {
    expect(refreshes).toBeGreaterThanOrEqual(47);
    expect(incremental.analytics_lot_hour.length).toBeGreaterThan(4 * 40);
    expect(incremental.analytics_group_hour.some((r) => r.district_code === '*' && r.category === '*')).toBe(true);
    const count = async (where: ReturnType<typeof sql>) => Number((await sql<{ n: number }>`select count(*)::int as n from parking_sessions where ${where}`.execute(env.ctx.db)).rows[0]!.n);
    expect(await count(sql`state = 'open'`)).toBeGreaterThan(0);
    expect(await count(sql`'stale' = any(flags)`)).toBeGreaterThan(0);
    expect(await count(sql`excluded_by is not null`)).toBeGreaterThan(0);
    // Sessions changed after they were written: exits matched later, entries arriving after their exit.
    expect(await count(sql`updated_at > created_at`)).toBeGreaterThan(0);
  });

  it('rebuilds the whole range at the same as-of into the same rows', async () => {
    const from = shanghaiDayStart(shanghaiDay(new Date(start.getTime() - 3 * 86_400_000)))!;
    const to = new Date(env.clock.now().getTime() + 86_400_000);
    // Wipe first, so that a row the rebuild fails to write shows.
    for (const t of TABLES) await env.ctx.db.deleteFrom(t).execute();
    const progress: [number, number][] = [];
    const r = await rebuildAnalytics(env.ctx, from, to, (done, total) => progress.push([done, total]));
    expect(r.lots).toBe(4);
    expect(progress.at(-1)).toEqual([r.chunks, r.chunks]);
    const rebuilt = await snapshot();
    for (const t of TABLES) {
      expect(rebuilt[t].map(keyOf), t).toEqual(incremental[t].map(keyOf));
      rebuilt[t].forEach((row, i) => expectSameRow(row, incremental[t][i]!, `${t} ${keyOf(row)}`));
    }
  });
});

function keyOf(r: Record<string, unknown>): string {
  return 'lot_id' in r ? `${String(r.lot_id).padStart(6, '0')} ${String(r.at)} ${String(r.pay_channel)}` : `${String(r.district_code)} ${String(r.category)} ${String(r.at)}`;
}

/** Integers exactly; the ∫ occupancy sums up to float rounding (summation order differs). */
function expectSameRow(a: Record<string, unknown>, b: Record<string, unknown>, label: string): void {
  for (const [k, v] of Object.entries(a)) {
    if (k === 'occ_ratio_seconds' || k === 'occ_peak') {
      if (v === null || b[k] === null) expect(v, `${label} ${k}`).toBe(b[k]);
      else expect(Math.abs(Number(v) - Number(b[k])), `${label} ${k}`).toBeLessThan(1e-6 * Math.max(1, Math.abs(Number(b[k]))));
    } else expect(v, `${label} ${k}`).toEqual(b[k]);
  }
}
