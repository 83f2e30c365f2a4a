import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { postEvents, type TestSource } from '../../../test/support/ingest.js';
import { refreshAnalytics } from '../analytics/index.js';
import { evaluateMonitoring } from '../monitoring/index.js';
import { figuresUntil } from './figures.js';
import type { Overview } from './schemas.js';

/*
 * The overview end to end: lots in two districts (some without coordinates), status reports and
 * sessions through the signed ingest API, the rollups refreshed, then every figure checked by hand.
 * The clock stands at 2026-11-25 10:00 Shanghai (02:00Z): today is 11-25, yesterday 11-24.
 */

interface LotSeed {
  code: string;
  districtCode: string;
  totalSpaces: number;
  lng: number | null;
  lat: number | null;
  category?: string;
  kind?: string;
}

const LOTS_A: LotSeed[] = [
  { code: 'A1', districtCode: '320602', totalSpaces: 100, lng: 120.86, lat: 32.01, category: 'commercial' },
  { code: 'A2', districtCode: '320602', totalSpaces: 50, lng: 120.87, lat: 32.02 },
  { code: 'A3', districtCode: '320602', totalSpaces: 200, lng: null, lat: null, category: 'hospital' },
];
const LOTS_B: LotSeed[] = [
  { code: 'B1', districtCode: '320612', totalSpaces: 80, lng: 121.07, lat: 32.08 },
  { code: 'B2', districtCode: '320612', totalSpaces: 40, lng: null, lat: null, kind: 'on_street' },
];

describeDb('overview: the big-screen figures', (backend) => {
  let env: TestEnv;
  let admin: string;
  let tongzhou: string;
  let a: TestSource;
  let b: TestSource;
  let seq = 0;

  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object, as = admin) =>
    env.app.inject({ method, url, headers: bearer(as), ...(payload ? { payload } : {}) });

  async function source(code: string, lots: LotSeed[]): Promise<TestSource> {
    const res = await call('POST', '/api/v1/sources', { code, name: `系统 ${code}` });
    expect(res.statusCode).toBe(201);
    for (const lot of lots) {
      const { lng, lat, ...rest } = lot;
      const r = await call('POST', '/api/v1/lots', { name: `停车场 ${lot.code}`, kind: 'off_street', sourceCode: code, ...rest, lng: lng ?? 120.9, lat: lat ?? 32.0 });
      expect(r.statusCode, r.body).toBe(201);
      // The lot API requires coordinates; lots without them come from sheet imports (651 of the
      // city's do). Cleared here as such an import leaves them.
      if (lng === null) await env.ctx.db.updateTable('lots').set({ lng: null, lat: null }).where('code', '=', lot.code).execute();
    }
    return { code, secret: res.json().secret as string };
  }

  async function send(src: TestSource, events: object[]): Promise<void> {
    const res = await postEvents(env, src, events);
    expect(res.statusCode).toBe(200);
    expect(res.json().accepted, res.body).toBe(events.length);
  }

  const minutesAgo = (m: number) => new Date(env.clock.now().getTime() - m * 60_000).toISOString();
  const status = (lotCode: string, m: number, totalSpaces: number, freeSpaces: number) =>
    ({ type: 'status', eventId: `st-${++seq}`, occurredAt: minutesAgo(m), lotCode, totalSpaces, freeSpaces });
  /** A visit: entry at `inAt`, exit at `outAt` if given (Shanghai local times). */
  const visit = (lotCode: string, inAt: string, outAt?: string, receivableFen = 0, paidFen = 0) => {
    const plate = `苏F${String(++seq).padStart(5, '0')}`;
    const entry = { type: 'entry', eventId: `in-${seq}`, occurredAt: inAt, lotCode, plate };
    return outAt ? [entry, { type: 'exit', eventId: `out-${seq}`, occurredAt: outAt, lotCode, plate, receivableFen, paidFen, payChannel: 'wechat' }] : [entry];
  };

  const overview = async (as = admin): Promise<Overview> => {
    const res = await call('GET', '/api/v1/overview', undefined, as);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Overview;
  };

  beforeAll(async () => {
    env = await createTestEnv(backend, { tokenTtlMinutes: 60 * 24 * 365 });
    admin = await loginToken(env.app);
    tongzhou = await userToken(env.app, admin, { username: 'tz1', role: 'district', districtCode: '320612' });
    a = await source('S-A', LOTS_A);
    b = await source('S-B', LOTS_B);

    // Live status: A1 60 of 100 taken (10 min old), A2 full but 200 min old (stale at the 120 min
    // default), A3 50 of 200, B1 60 of 80; B2 never reports.
    await send(a, [status('A1', 10, 100, 40), status('A2', 200, 50, 0), status('A3', 5, 200, 150)]);
    await send(b, [status('B1', 60, 80, 20)]);

    // Yesterday (11-24): two visits at A1, one before 10:00 and one after, two entries in the 10
    // o'clock hour; a late evening entry at B1.
    await send(a, [
      ...visit('A1', '2026-11-24 08:00:00', '2026-11-24 09:00:00', 1000, 1000),
      ...visit('A1', '2026-11-24 15:00:00', '2026-11-24 16:00:00', 700, 600),
      ...visit('A1', '2026-11-24 10:10:00'),
      ...visit('A1', '2026-11-24 10:50:00'),
    ]);
    // Today so far: A1 three entries, two of them gone with fees; A3 two entries; B1 one.
    await send(a, [
      ...visit('A1', '2026-11-25 08:00:00', '2026-11-25 08:40:00', 500, 500),
      ...visit('A1', '2026-11-25 08:30:00', '2026-11-25 09:30:00', 300, 200),
      ...visit('A1', '2026-11-25 09:00:00'),
      ...visit('A3', '2026-11-25 07:00:00'),
      ...visit('A3', '2026-11-25 09:10:00'),
    ]);
    await send(b, [...visit('B1', '2026-11-24 23:00:00'), ...visit('B1', '2026-11-25 09:30:00')]);
    // A week ago (11-18, the same weekday): two entries at A1 in the 8 o'clock hour, one at B1 at 17:00.
    await send(a, [...visit('A1', '2026-11-18 08:05:00', '2026-11-18 09:00:00'), ...visit('A1', '2026-11-18 08:45:00')]);
    await send(b, [...visit('B1', '2026-11-18 17:00:00')]);
    await refreshAnalytics(env.ctx);
  });
  afterAll(() => env.close());

  it('counts lots, spaces, districts and the lots that cannot be shown on the map', async () => {
    const o = await overview();
    expect(o).toMatchObject({ lots: 5, spaces: 470, districts: 7, lotsWithoutCoordinates: 2 });
    expect(o.points.map((p) => p.lotCode)).toEqual(['A1', 'A2', 'B1']);
    expect(o.points[0]).toEqual({ lotCode: 'A1', lotName: '停车场 A1', lng: 120.86, lat: 32.01, totalSpaces: 100, occupancy: 0.6, category: 'commercial', kind: 'off_street', districtCode: '320602' });
    expect(o.asOf).toBe(env.clock.now().toISOString());
  });

  it('takes live occupancy from current status only: a report older than the lot\'s threshold is ignored', async () => {
    const o = await overview();
    // A1 60/100 + A3 50/200 + B1 60/80; A2 (200 min old) is unknown.
    expect(o.live).toEqual({ occupied: 170, total: 380, ratio: 0.4474, knownLots: 3 });
    expect(o.points.find((p) => p.lotCode === 'A2')?.occupancy).toBeNull();

    // The threshold is monitoring's: the lot's own when set. 300 min makes A2's report current.
    expect((await call('PATCH', '/api/v1/lots/A2', { lateThresholdMinutes: 300 })).statusCode).toBe(200);
    const widened = await overview();
    expect(widened.live).toEqual({ occupied: 220, total: 430, ratio: 0.5116, knownLots: 4 });
    expect(widened.points.find((p) => p.lotCode === 'A2')?.occupancy).toBe(1);
    expect((await call('PATCH', '/api/v1/lots/A2', { lateThresholdMinutes: null })).statusCode).toBe(200);
  });

  it('reports sync health as monitoring judges it', async () => {
    expect((await overview()).sync).toEqual({ total: 5, ok: 3, late: 1, never: 1, paused: 0 });
  });

  it('compares today with yesterday up to the same time, from the rollups', async () => {
    const o = await overview();
    expect(o.today).toEqual({ entries: 6, exits: 2, receivableFen: 800, paidFen: 700 });
    // Up to 10:00 yesterday: one visit in and out; the 10 o'clock entries, the 15:00 visit and
    // B1's 23:00 entry come later.
    expect(o.yesterday).toEqual({ entries: 1, exits: 1, receivableFen: 1000, paidFen: 1000 });
    expect(o.yesterdayFull).toEqual({ entries: 5, exits: 2, receivableFen: 1700, paidFen: 1600 });
    expect(o.figuresAsOf).toBe(env.clock.now().toISOString());
  });

  it('ranks districts by entries today and lists the busiest lots', async () => {
    const o = await overview();
    expect(o.districtRanking.slice(0, 2)).toEqual([
      { districtCode: '320602', districtName: '崇川区', lots: 3, spaces: 350, occupancy: 0.3667, entriesToday: 5, receivableFenToday: 800 },
      { districtCode: '320612', districtName: '通州区', lots: 2, spaces: 120, occupancy: 0.75, entriesToday: 1, receivableFenToday: 0 },
    ]);
    expect(o.districtRanking.slice(2).map((d) => [d.districtCode, d.lots, d.entriesToday, d.occupancy])).toEqual(
      ['320614', '320623', '320681', '320682', '320685'].map((code) => [code, 0, 0, null]),
    );
    expect(o.busiestLots).toEqual([
      { lotCode: 'A1', lotName: '停车场 A1', districtName: '崇川区', entries: 3, occupancy: 0.6 },
      { lotCode: 'A3', lotName: '停车场 A3', districtName: '崇川区', entries: 2, occupancy: 0.25 },
      { lotCode: 'B1', lotName: '停车场 B1', districtName: '通州区', entries: 1, occupancy: 0.75 },
    ]);
  });

  it('counts open incidents by severity and open and overdue work orders', async () => {
    const incident = (severity: number, districts: string[]) =>
      call('POST', '/api/v1/incidents', { title: `事件 ${severity}`, severity, scope: { description: '测试', districts } });
    expect((await incident(1, ['320612'])).statusCode).toBe(201);
    expect((await incident(3, ['320602'])).statusCode).toBe(201);
    const ticket = (districtCode: string) =>
      call('POST', '/api/v1/tickets', { channel: 'phone', category: 'other', title: '咨询', description: '咨询', districtCode });
    // One ticket created ten days ago is long past its clocks; one created now is not.
    const now = env.clock.now();
    env.clock.set(new Date(now.getTime() - 10 * 86_400_000));
    expect((await ticket('320602')).statusCode).toBe(201);
    env.clock.set(now);
    expect((await ticket('320612')).statusCode).toBe(201);

    const o = await overview();
    expect(o.incidents).toEqual({ open: 2, bySeverity: { '1': 1, '2': 0, '3': 1 } });
    expect(o.tickets).toEqual({ open: 2, overdue: 1 });
    const tz = await overview(tongzhou);
    expect(tz.incidents).toEqual({ open: 1, bySeverity: { '1': 1, '2': 0, '3': 0 } });
    expect(tz.tickets).toEqual({ open: 1, overdue: 0 });
  });

  it('shows a district user its own district only', async () => {
    const o = await overview(tongzhou);
    expect(o).toMatchObject({ lots: 2, spaces: 120, districts: 1, lotsWithoutCoordinates: 1 });
    expect(o.live).toEqual({ occupied: 60, total: 80, ratio: 0.75, knownLots: 1 });
    expect(o.points.map((p) => p.lotCode)).toEqual(['B1']);
    expect(o.districtRanking.map((d) => d.districtCode)).toEqual(['320612']);
    expect(o.busiestLots.map((l) => l.lotCode)).toEqual(['B1']);
    expect(o.sync).toEqual({ total: 2, ok: 1, late: 0, never: 1, paused: 0 });
    expect(o.today).toEqual({ entries: 1, exits: 0, receivableFen: 0, paidFen: 0 });
    expect(o.yesterdayFull).toEqual({ entries: 1, exits: 0, receivableFen: 0, paidFen: 0 });
  });

  it('counts the hour of the same time yesterday pro rata', async () => {
    // 10:30: half of yesterday's 10 o'clock hour, with its two entries, compares with today.
    env.clock.advance(30 * 60_000);
    await refreshAnalytics(env.ctx);
    const o = await overview();
    expect(o.yesterday.entries).toBe(2);
    expect(o.yesterdayFull.entries).toBe(5);
    expect(o.today.entries).toBe(6);
    env.clock.advance(-30 * 60_000);
  });

  it('draws today\'s 24 hours of entries against yesterday and a week ago', async () => {
    const { hourly } = await overview();
    const hours = (set: Record<number, number>, begun = 24) => Array.from({ length: 24 }, (_, h) => (h < begun ? set[h] ?? 0 : null));
    // 10:00: hours 0–10 have begun (10 o'clock with nothing yet), 11–23 are still to come.
    expect(hourly.today).toEqual(hours({ 7: 1, 8: 2, 9: 3 }, 11));
    expect(hourly.yesterday).toEqual(hours({ 8: 1, 10: 2, 15: 1, 23: 1 }));
    expect(hourly.lastWeek).toEqual(hours({ 8: 2, 17: 1 }));
    const tz = await overview(tongzhou);
    expect(tz.hourly.lastWeek).toEqual(hours({ 17: 1 }));
    expect(tz.hourly.today).toEqual(hours({ 9: 1 }, 11));
  });

  it('compares off-street with on-street lots and splits today\'s money by pay channel', async () => {
    const o = await overview();
    expect(o.byKind).toEqual([
      { kind: 'off_street', lots: 4, spaces: 430, occupancy: 0.4474, entriesToday: 6, receivableFenToday: 800 },
      { kind: 'on_street', lots: 1, spaces: 40, occupancy: null, entriesToday: 0, receivableFenToday: 0 },
    ]);
    expect(o.payChannels).toEqual([{ channel: 'wechat', exits: 2, receivableFen: 800, paidFen: 700 }]);
    const tz = await overview(tongzhou);
    expect(tz.byKind.map((k) => [k.kind, k.lots, k.entriesToday])).toEqual([['off_street', 1, 1], ['on_street', 1, 0]]);
    expect(tz.payChannels).toEqual([]);
  });

  it('runs a ticker of open incidents and unresolved sync alerts, newest first, within the district', async () => {
    await evaluateMonitoring(env.ctx);
    const o = await overview();
    const incidents = o.ticker.filter((i) => i.kind === 'incident');
    expect(incidents.map((i) => [i.title, i.severity])).toEqual([['事件 3', 3], ['事件 1', 1]]);
    const alerts = o.ticker.filter((i) => i.kind === 'alert');
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((a) => a.severity === null && a.code === null && a.lateMinutes !== null)).toBe(true);
    expect(o.ticker.map((i) => i.at)).toEqual([...o.ticker.map((i) => i.at)].sort().reverse());
    const tz = await overview(tongzhou);
    expect(tz.ticker.filter((i) => i.kind === 'incident').map((i) => i.title)).toEqual(['事件 1']);
    expect(tz.ticker.some((i) => i.title.includes('A2'))).toBe(false);
  });

  it('gives one lot\'s card: live occupancy, sync state, today\'s figures and hours; a lot outside the district is 404', async () => {
    const res = await call('GET', '/api/v1/overview/lots/A1');
    expect(res.statusCode, res.body).toBe(200);
    const card = res.json();
    expect(card).toMatchObject({
      lotCode: 'A1', lotName: '停车场 A1', districtCode: '320602', districtName: '崇川区', kind: 'off_street', category: 'commercial',
      totalSpaces: 100, lng: 120.86, lat: 32.01, live: { occupied: 60, total: 100, ratio: 0.6 },
      sync: { state: 'ok', thresholdMinutes: 120 }, today: { entries: 3, exits: 2, receivableFen: 800, paidFen: 700 },
    });
    expect(card.hours).toHaveLength(24);
    expect(card.hours.map((h: { entries: number | null }) => h.entries)).toEqual(Array.from({ length: 24 }, (_, h) => (h > 10 ? null : ({ 8: 2, 9: 1 } as Record<number, number>)[h] ?? 0)));
    expect(card.hours[10].yesterdayEntries).toBe(2);
    expect((await call('GET', '/api/v1/overview/lots/A2')).json().live).toBeNull();
    expect((await call('GET', '/api/v1/overview/lots/A1', undefined, tongzhou)).statusCode).toBe(404);
    expect((await call('GET', '/api/v1/overview/lots/B1', undefined, tongzhou)).json().sync.state).toBe('ok');
    expect((await call('GET', '/api/v1/overview/lots/NOPE')).json().error.code).toBe('NOT_FOUND');
  });

  it('needs a signed-in user and is in the API document', async () => {
    expect((await env.app.inject({ method: 'GET', url: '/api/v1/overview' })).statusCode).toBe(401);
    const doc = (await env.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.paths['/api/v1/overview'].get.tags).toEqual(['overview']);
  });
});

describe('overview: yesterday up to the same time', () => {
  const hour = (h: number, entries: number, receivableFen = 0) =>
    ({ hour: new Date(Date.UTC(2026, 10, 23, 16 + h)).toISOString(), entries, exits: 0, receivableFen, paidFen: null });
  const rows = [hour(8, 3, 300), hour(9, 4, 400), hour(10, 6, 600), hour(11, 9, 900)];
  const at = (hh: number, mm: number) => new Date(Date.UTC(2026, 10, 23, 16 + hh, mm));

  it('sums whole hours before the cut and the hour it falls in pro rata', () => {
    expect(figuresUntil(rows, at(10, 0))).toEqual({ entries: 7, exits: 0, receivableFen: 700, paidFen: 0 });
    expect(figuresUntil(rows, at(10, 20))).toEqual({ entries: 9, exits: 0, receivableFen: 900, paidFen: 0 });
    expect(figuresUntil(rows, at(10, 30))).toEqual({ entries: 10, exits: 0, receivableFen: 1000, paidFen: 0 });
    expect(figuresUntil(rows, at(23, 59))).toEqual({ entries: 22, exits: 0, receivableFen: 2200, paidFen: 0 });
    expect(figuresUntil(rows, at(0, 0))).toEqual({ entries: 0, exits: 0, receivableFen: 0, paidFen: 0 });
  });
});
