import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestEnv, type Backend, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken } from '../../../test/support/http.js';
import { readFeed, type FeedPlace } from '../../../test/support/snapshot-expect.js';
import { systemActor } from '../../platform/auth/permissions.js';
import { importSnapshots } from '../ingest/index.js';
import { backtest, SLOT_MS, slotSeries } from './forecast.js';
import { measureLots } from './kpis.js';
import { lotIntervals, type Interval } from './measures.js';
import { lotInfos, themesContext } from './repo.js';
import { measureWindow } from './rollup-read.js';
import { refreshThemeRollup } from './rollup.js';

/*
 * Exactness of the theme measures on real occupancy data: four operators of the German week
 * (../shared/data/de-parking-2021-03) — one with free > total cells, one without capacities, one
 * almost silent — imported through ingest, grouped into a theme through the API, and the
 * endpoint's figures compared with a brute-force count made here second by second straight from
 * the CSV files (no code of the module): at each second, the newest cell at or before it holds
 * when it is younger than the lot's late threshold (docs/指标口径.md section 5).
 */

const CANDIDATES = [
  ...(process.env.ZHIBO_SHARED_DATA ? [`${process.env.ZHIBO_SHARED_DATA.replace(/\/+$/, '')}/de-parking-2021-03/`] : []),
  new URL('../../../../shared/data/de-parking-2021-03/', import.meta.url).pathname,
  '/work/shared/data/de-parking-2021-03/',
];
const REAL = CANDIDATES.find((dir) => existsSync(`${dir}meta-data.csv`));
const SOURCES = new Set(['esslingen-parken', 'swt-trier-parken', 'heilbronn-parken', 'limburg-parken']);
const DEFAULT_THRESHOLD = 120;
const SOURCE_THRESHOLD = { 'heilbronn-parken': 45 } as Record<string, number>;
const LOT_THRESHOLD_MIN = 20; // the first esslingen lot: reports every 15 min, some gaps

/** CSV text, every field quoted. */
const stringify = (rows: string[][]) => rows.map((r) => r.map((v) => `"${v.replace(/"/g, '""')}"`).join(',')).join('\n') + '\n';

/** A feed directory holding only the chosen operators' columns. */
function subsetFeed(dir: string): string {
  const out = mkdtempSync(path.join(tmpdir(), 'themes-feed-'));
  const meta = parse(readFileSync(path.join(dir, 'meta-data.csv')), { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
  const header = meta[0]!;
  const srcCol = header.indexOf('source_id');
  const rows = meta.slice(1).filter((r) => SOURCES.has((r[srcCol] ?? '').trim()));
  writeFileSync(path.join(out, 'meta-data.csv'), stringify([header, ...rows]));
  const ids = new Set(rows.map((r) => r[0]!.trim()));
  for (const name of readdirSync(dir).filter((n) => /^\d{4}-\d{2}-\d{2}\.csv$/.test(n))) {
    const day = parse(readFileSync(path.join(dir, name)), { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
    const keep = day[0]!.map((h, i) => (i === 0 || ids.has(h.trim()) ? i : -1)).filter((i) => i >= 0);
    writeFileSync(path.join(out, name), stringify(day.map((r) => keep.map((i) => r[i] ?? ''))));
  }
  return out;
}

interface BruteLot {
  place: FeedPlace;
  total: number;
  thresholdMin: number;
}

/** Second by second over [from, to), as of `asOf`. */
function brute(lots: BruteLot[], from: number, to: number, asOf: number) {
  let known = 0;
  let sat = 0;
  let occSum = 0;
  let totSum = 0;
  const hourOcc = new Map<number, number>();
  const hourTot = new Map<number, number>();
  const hourKnown = new Map<number, number>();
  const end = Math.min(to, asOf);
  for (const l of lots) {
    const times = l.place.times;
    if (l.total <= 0) continue;
    let k = -1;
    for (let s = from; s < end; s += 1000) {
      while (k + 1 < times.length && times[k + 1]! <= s) k++;
      if (k < 0 || s >= times[k]! + l.thresholdMin * 60_000) continue;
      const free = l.place.free.get(times[k]!)!;
      const occ = Math.min(Math.max(l.total - free, 0), l.total);
      known += 1;
      if (occ * 10 >= l.total * 9) sat += 1;
      occSum += occ;
      totSum += l.total;
      const h = Math.floor(s / 3_600_000) * 3_600_000;
      hourOcc.set(h, (hourOcc.get(h) ?? 0) + occ);
      hourTot.set(h, (hourTot.get(h) ?? 0) + l.total);
      hourKnown.set(h, (hourKnown.get(h) ?? 0) + 1);
    }
  }
  // The peak hour among the hours with at least half the known lot-seconds of the best-covered one.
  const most = Math.max(0, ...hourKnown.values());
  let peak: { at: number; v: number } | null = null;
  for (const h of [...hourTot.keys()].sort((a, b) => a - b)) {
    if (hourKnown.get(h)! * 2 < most) continue;
    const v = hourOcc.get(h)! / hourTot.get(h)!;
    if (!peak || v > peak.v) peak = { at: h, v };
  }
  return {
    knownMinutes: known / 60, saturatedMinutes: sat / 60,
    occupancyAvg: known ? occSum / totSum : null, saturatedShare: known ? sat / known : null,
    peakOccupancy: peak?.v ?? null, peakAt: peak ? new Date(peak.at).toISOString() : null,
  };
}

const realBackend: Backend = BACKENDS.includes('postgres') ? 'postgres' : 'pglite';
describe(`themes: exact measures on the real German week [${realBackend}]`, () => {
  if (!REAL) {
    it.skip('skipped: the shared real data is not here', () => {});
    return;
  }
  let env: TestEnv;
  let admin: string;
  let feedDir: string;
  let lots: BruteLot[];
  const byCode = new Map<string, BruteLot>();

  beforeAll(async () => {
    feedDir = subsetFeed(REAL);
    env = await createTestEnv(realBackend);
    env.clock.set('2021-03-08T12:00:00+08:00');
    const result = await importSnapshots(env.ctx, systemActor('test:themes'), { dir: feedDir });
    expect(result.rejected).toBe(0);
    admin = await loginToken(env.app);
    const feed = readFeed(feedDir);
    const places = [...feed.places.values()];
    const esslingen = places.filter((p) => p.sourceId === 'esslingen-parken' && p.times.length > 0)[0]!;
    for (const [src, min] of Object.entries(SOURCE_THRESHOLD)) {
      await env.ctx.db.updateTable('data_sources').set({ late_threshold_minutes: min }).where('code', '=', src).execute();
    }
    await env.ctx.db.updateTable('lots').set({ late_threshold_minutes: LOT_THRESHOLD_MIN }).where('code', '=', esslingen.placeId).execute();
    lots = places.map((p) => ({
      place: p,
      // The importer's capacity: num_all, else the largest free count it saw (ingest keeps the report's total).
      total: Number(p.numAll) > 0 ? Number(p.numAll) : Math.max(0, ...p.free.values()),
      thresholdMin: p === esslingen ? LOT_THRESHOLD_MIN : (SOURCE_THRESHOLD[p.sourceId] ?? DEFAULT_THRESHOLD),
    }));
    for (const l of lots) byCode.set(l.place.placeId, l);
    const res = await env.app.inject({
      method: 'POST', url: '/api/v1/themes', headers: bearer(admin),
      payload: { code: 'DE-WEEK', name: '德国一周', kind: 'custom', lotCodes: places.map((p) => p.placeId) },
    });
    expect(res.statusCode, res.body).toBe(201);
    const trier = await env.app.inject({
      method: 'POST', url: '/api/v1/themes', headers: bearer(admin),
      payload: { code: 'TRIER', name: 'Trier', kind: 'transport', lotCodes: places.filter((p) => p.sourceId === 'swt-trier-parken').map((p) => p.placeId) },
    });
    expect(trier.statusCode, trier.body).toBe(201);
  }, 600_000);
  afterAll(async () => {
    await env?.close();
    if (feedDir) rmSync(feedDir, { recursive: true, force: true });
  });

  const kpis = async (code: string, from: string, to: string) => {
    const res = await env.app.inject({ method: 'GET', url: `/api/v1/themes/${code}/kpis?from=${from}&to=${to}`, headers: bearer(admin) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const shDay = (d: string) => Date.parse(`${d}T00:00:00+08:00`);
  const expectSame = (got: Record<string, unknown>, want: ReturnType<typeof brute>) => {
    expect(got.knownMinutes as number).toBeCloseTo(want.knownMinutes, 6);
    expect(got.saturatedMinutes as number).toBeCloseTo(want.saturatedMinutes, 6);
    expect(got.occupancyAvg as number).toBeCloseTo(want.occupancyAvg!, 12);
    expect(got.saturatedShare as number).toBeCloseTo(want.saturatedShare!, 12);
    expect(got.peakOccupancy as number).toBeCloseTo(want.peakOccupancy!, 12);
    expect(got.peakAt).toBe(want.peakAt);
  };

  it('the whole theme over the week (Shanghai days 03-01 … 03-08) equals the second-by-second count', async () => {
    const want = brute(lots, shDay('2021-03-01'), shDay('2021-03-09'), Date.parse('2021-03-08T12:00:00+08:00'));
    expect(want.knownMinutes).toBeGreaterThan(100_000);
    expect(want.saturatedShare).toBeGreaterThan(0);
    const got = await kpis('DE-WEEK', '2021-03-01', '2021-03-08');
    expectSame(got, want);
    expect(got.lots).toBe(lots.length);
  });

  it('one Shanghai day: the report before midnight holds into it', async () => {
    const want = brute(lots, shDay('2021-03-03'), shDay('2021-03-04'), Date.parse('2021-03-08T12:00:00+08:00'));
    expectSame(await kpis('DE-WEEK', '2021-03-03', '2021-03-03'), want);
  });

  it('a subset theme (Trier, many free > total cells) on a weekend', async () => {
    const trier = lots.filter((l) => l.place.sourceId === 'swt-trier-parken');
    const want = brute(trier, shDay('2021-03-06'), shDay('2021-03-08'), Date.parse('2021-03-08T12:00:00+08:00'));
    expectSame(await kpis('TRIER', '2021-03-06', '2021-03-07'), want);
  });

  it('as of a moment inside the week: nothing after now is known', async () => {
    env.clock.set('2021-03-04T15:07:30+08:00');
    try {
      const want = brute(lots, shDay('2021-03-04'), shDay('2021-03-05'), Date.parse('2021-03-04T15:07:30+08:00'));
      expectSame(await kpis('DE-WEEK', '2021-03-04', '2021-03-04'), want);
    } finally {
      env.clock.set('2021-03-08T12:00:00+08:00');
    }
  });

  it('from the lot-hour rollup (decision 0019): the same figures, equal to the raw path to the last bit', async () => {
    const ctx = themesContext(env.ctx);
    const r = await refreshThemeRollup(env.ctx);
    expect(r.rows).toBeGreaterThan(1000);
    const asOf = Date.parse('2021-03-08T12:00:00+08:00');
    expectSame(await kpis('DE-WEEK', '2021-03-01', '2021-03-08'), brute(lots, shDay('2021-03-01'), shDay('2021-03-09'), asOf));
    expectSame(await kpis('DE-WEEK', '2021-03-03', '2021-03-03'), brute(lots, shDay('2021-03-03'), shDay('2021-03-04'), asOf));
    const trier = lots.filter((l) => l.place.sourceId === 'swt-trier-parken');
    expectSame(await kpis('TRIER', '2021-03-06', '2021-03-07'), brute(trier, shDay('2021-03-06'), shDay('2021-03-08'), asOf));
    const members = (await lotInfos(ctx.db, DEFAULT_THRESHOLD)).filter((l) => byCode.has(l.code));
    // Windows not on the hour: rollup inside, raw at the edges; the whole week as of now.
    for (const [from, to] of [['2021-03-02T07:23:11+08:00', '2021-03-05T19:41:02+08:00'], ['2021-03-01T00:00:00+08:00', '2021-03-09T00:00:00+08:00'], ['2021-03-06T13:59:59+08:00', '2021-03-06T15:00:01+08:00']] as const) {
      const w = { from: Date.parse(from), to: Date.parse(to), asOf };
      expect((await measureWindow(ctx.db, members, w)).measures).toEqual(await measureLots(ctx, members, w));
    }
  }, 120_000);

  it('forecast: six hours in 15-minute steps, and the one-hour-ahead backtest of the week (docs/performance.md)', async () => {
    env.clock.set('2021-03-05T10:07:00+08:00');
    try {
      const f = (await env.app.inject({ method: 'GET', url: '/api/v1/themes/DE-WEEK/forecast', headers: bearer(admin) })).json();
      expect(f.at).toBe('2021-03-05T02:00:00.000Z');
      expect(f.dayClass).toBe('working');
      expect(f.comparableDays).toEqual(['2021-03-04', '2021-03-03', '2021-03-02', '2021-03-01']);
      expect(f.steps).toHaveLength(24);
      for (const st of f.steps) {
        expect(st.occupancy).toBeGreaterThanOrEqual(0);
        expect(st.occupancy).toBeLessThanOrEqual(1);
        expect(st.low).toBeLessThanOrEqual(st.high);
      }
    } finally {
      env.clock.set('2021-03-08T12:00:00+08:00');
    }
    const ctx = themesContext(env.ctx);
    const all = await lotInfos(ctx.db, DEFAULT_THRESHOLD);
    const members = all.filter((l) => byCode.has(l.code));
    const from = shDay('2021-03-01');
    const n = (8 * 86_400_000) / SLOT_MS;
    const w = { from, to: from + n * SLOT_MS, asOf: Date.parse('2021-03-08T12:00:00+08:00') };
    const ivs: Interval[] = [];
    await measureLots(ctx, members, w, (_l, s) => ivs.push(...lotIntervals(s, w)));
    const r = backtest(slotSeries(ivs, from, n), from);
    console.log(`themes forecast backtest (German week, ${members.length} lots, 1 h ahead): MAE ${r.mae!.toFixed(4)}, persistence MAE ${r.persistenceMae!.toFixed(4)}, ${r.points} points`);
    expect(r.points).toBeGreaterThan(400);
    expect(r.mae!).toBeLessThan(0.05);
  }, 60_000);
});
