import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken } from '../../../test/support/http.js';
import { systemActor } from '../../platform/auth/permissions.js';
import { measureLots } from './kpis.js';
import { themeLive } from './live.js';
import { lotIntervals, minutesAtOrAbove, themeSteps, type Interval, type MeasureWindow } from './measures.js';
import { lotInfos, themesContext, type LotInfo } from './repo.js';
import { measureWindow } from './rollup-read.js';
import { refreshThemeRollup } from './rollup.js';

/*
 * The lot-hour rollup (decision 0019) gives the raw path's numbers to the last bit: random
 * reports (gaps longer than the threshold, totals of 0, free > total, two reports at one
 * instant) on lots with different thresholds, random windows (hour-aligned or not, as of now
 * or earlier), compared with measureLots on the raw reports — before the job has run, after,
 * with late, removed and set-aside reports pending and then taken, after a threshold change,
 * and for the live view's saturated minutes.
 */

const NOW = Date.parse('2026-11-10T10:17:23.250+08:00');
const START = NOW - 3 * 86_400_000;
const H = 3_600_000;

describeDb('themes: the lot-hour rollup equals the raw reports', (backend) => {
  let env: TestEnv;
  let lots: LotInfo[];
  let seed = 20261110;
  const rnd = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const ctx = () => themesContext(env.ctx);
  const reload = async () => {
    lots = (await lotInfos(ctx().db, env.ctx.config.lateThresholdMinutes)).filter((l) => l.code.startsWith('R'));
  };

  const raw = async (w: MeasureWindow) => {
    const perLot = new Map<number, { known: number; saturated: number; occupied: number; total: number }>();
    const m = await measureLots(ctx(), lots, w, (lot, s) => {
      const sums = { known: 0, saturated: 0, occupied: 0, total: 0 };
      for (const iv of lotIntervals(s, w)) {
        const d = iv.end - iv.start;
        sums.known += d;
        if (iv.occupied * 10 >= iv.total * 9) sums.saturated += d;
        sums.occupied += iv.occupied * d;
        sums.total += iv.total * d;
      }
      if (sums.known > 0) perLot.set(lot.id, sums);
    });
    return { m, perLot };
  };
  const same = async (w: MeasureWindow) => {
    const want = await raw(w);
    const got = await measureWindow(ctx().db, lots, w);
    expect(got.measures).toEqual(want.m);
    const perLot = new Map([...got.perLot].filter(([, s]) => s.known > 0));
    expect(perLot).toEqual(want.perLot);
  };
  const randomWindows = async (n: number, asOf = NOW) => {
    for (let i = 0; i < n; i++) {
      const aligned = i % 3 === 0;
      let from = START - H + rnd() * (asOf - START + H);
      if (aligned) from = Math.floor(from / H) * H;
      let to = from + 1 + rnd() * 2 * 86_400_000;
      if (aligned) to = Math.ceil(to / H) * H;
      await same({ from: Math.round(from), to: Math.round(to), asOf });
    }
    await same({ from: START - 86_400_000, to: NOW + 86_400_000, asOf });
  };
  const insertReports = async (lotId: number, rows: { at: number; total: number; free: number }[]) => {
    await env.ctx.db.insertInto('lot_status_reports').values(rows.map((r) => ({ lot_id: lotId, occurred_at: new Date(r.at), total_spaces: r.total, free_spaces: r.free, flagged: false }))).execute();
  };

  beforeAll(async () => {
    env = await createTestEnv(backend);
    env.clock.set(new Date(NOW));
    const admin = await loginToken(env.app);
    await env.app.inject({ method: 'POST', url: '/api/v1/sources', headers: bearer(admin), payload: { code: 'RSRC', name: '源' } });
    const thresholds = [20, 45, 120, null, 7];
    for (const [i, thr] of thresholds.entries()) {
      const r = await env.app.inject({
        method: 'POST', url: '/api/v1/lots', headers: bearer(admin),
        payload: { code: `R${i}`, name: `停车场 R${i}`, districtCode: '320602', kind: 'off_street', category: 'hospital', totalSpaces: 40 + 30 * i, lng: 120.86, lat: 32.01, sourceCode: 'RSRC' },
      });
      expect(r.statusCode, r.body).toBe(201);
      if (thr !== null) await env.ctx.db.updateTable('lots').set({ late_threshold_minutes: thr }).where('code', '=', `R${i}`).execute();
    }
    await reload();
    for (const lot of lots) {
      const rows: { at: number; total: number; free: number }[] = [];
      for (let t = START + rnd() * H; t < NOW - 60_000; t += rnd() < 0.05 ? 3 * H * rnd() : 60_000 + rnd() * 30 * 60_000) {
        const total = rnd() < 0.05 ? 0 : lot.totalSpaces;
        const free = Math.floor(rnd() * 1.15 * lot.totalSpaces * (rnd() < 0.4 ? 0.12 : 1)) - (rnd() < 0.03 ? 3 : 0);
        rows.push({ at: Math.round(t), total, free });
        if (rnd() < 0.03) rows.push({ at: Math.round(t), total, free: Math.floor(free / 2) });
      }
      await insertReports(lot.id, rows);
    }
    const res = await env.app.inject({
      method: 'POST', url: '/api/v1/themes', headers: bearer(admin),
      payload: { code: 'R-ALL', name: '随机', kind: 'custom', lotCodes: lots.map((l) => l.code), alert: { threshold: 0.8, minutes: 30 } },
    });
    expect(res.statusCode, res.body).toBe(201);
  });
  afterAll(() => env.close());

  it('before the job has run: all raw, the same', async () => {
    await randomWindows(4);
  });

  it('after the job: whole hours from the rollup, edges raw — the same on random windows', async () => {
    const r = await refreshThemeRollup(env.ctx);
    expect(r.rebuiltLots).toBe(lots.length);
    expect(r.rows).toBeGreaterThan(300);
    await randomWindows(25);
    // As of an earlier moment (the clock set back): hours after it are not taken from the rollup.
    await randomWindows(5, NOW - 30 * H - 123_456);
  });

  it('late, removed and set-aside reports: the same while pending and after the job took them', async () => {
    const a = lots[0]!;
    const b = lots[2]!;
    // Late reports near the end of an hour: they hold into the next one.
    const hourEnd = Math.ceil((NOW - 40 * H) / H) * H;
    await insertReports(a.id, [{ at: hourEnd - 120_000, total: a.totalSpaces, free: 0 }, { at: hourEnd - 30_000, total: a.totalSpaces, free: 3 }]);
    const victim = await env.ctx.db.selectFrom('lot_status_reports').select('id').where('lot_id', '=', b.id).where('occurred_at', '<', new Date(NOW - 20 * H)).orderBy('occurred_at', 'desc').limit(2).execute();
    await env.ctx.db.deleteFrom('lot_status_reports').where('id', '=', victim[0]!.id).execute();
    await env.ctx.db.updateTable('lot_status_reports').set({ excluded_by: 1 }).where('id', '=', victim[1]!.id).execute();
    expect(Number((await env.ctx.db.selectFrom('theme_rollup_dirty').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(3);
    await randomWindows(8);
    const r = await refreshThemeRollup(env.ctx);
    expect(r.marks).toBe(3);
    expect(r.rebuiltLots).toBe(0);
    await randomWindows(8);
  });

  it('a lot whose late threshold changed is read raw, then rebuilt whole', async () => {
    await env.ctx.db.updateTable('lots').set({ late_threshold_minutes: 33 }).where('id', '=', lots[1]!.id).execute();
    await reload();
    await randomWindows(5);
    expect((await refreshThemeRollup(env.ctx)).rebuiltLots).toBe(1);
    await randomWindows(5);
  });

  it('the clock moves on: the hours just ended are raw until the job, then rolled up', async () => {
    const later = NOW + 2 * H + 5 * 60_000;
    env.clock.set(new Date(later));
    for (const lot of lots) await insertReports(lot.id, [{ at: NOW + 10 * 60_000, total: lot.totalSpaces, free: 1 }, { at: NOW + 70 * 60_000, total: lot.totalSpaces, free: lot.totalSpaces }]);
    await same({ from: START, to: later + H, asOf: later });
    expect((await refreshThemeRollup(env.ctx)).lotHours).toBeGreaterThanOrEqual(lots.length * 2);
    await same({ from: START, to: later + H, asOf: later });
    await same({ from: NOW - 5 * H, to: later, asOf: later });
    env.clock.set(new Date(NOW));
  });

  it("the live view's saturated minutes today equal the raw step function, with and without the theme's cached hours", async () => {
    const tctx = ctx();
    const day = Date.parse('2026-11-10T00:00:00+08:00');
    const check = async () => {
      const w = { from: day, to: day + 86_400_000, asOf: tctx.clock.now().getTime() };
      const all: Interval[] = [];
      const perLot = new Map<number, number>();
      await measureLots(tctx, lots, w, (lot, s) => {
        const ivs = lotIntervals(s, w);
        all.push(...ivs);
        perLot.set(lot.id, ivs.filter((iv) => iv.occupied * 10 >= iv.total * 9).reduce((n, iv) => n + iv.end - iv.start, 0) / 60_000);
      });
      const live = await themeLive(tctx, systemActor('test'), 'R-ALL');
      expect(live.saturatedMinutesToday).toBe(minutesAtOrAbove(themeSteps(all), 0.8));
      expect(live.saturatedMinutesToday).toBeGreaterThan(0);
      for (const m of live.members) expect(m.saturatedMinutesToday).toBe(perLot.get(lots.find((l) => l.code === m.code)!.id) ?? 0);
    };
    await env.ctx.db.deleteFrom('theme_hours').execute();
    await check();
    await refreshThemeRollup(env.ctx);
    expect(Number((await env.ctx.db.selectFrom('theme_hours').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(10);
    await check();
    // A late report today: pending, then taken (the cached hours it reaches are recomputed).
    await insertReports(lots[3]!.id, [{ at: day + 3 * H + 60_000, total: lots[3]!.totalSpaces, free: 0 }]);
    await check();
    await refreshThemeRollup(env.ctx);
    await check();
  });
});
