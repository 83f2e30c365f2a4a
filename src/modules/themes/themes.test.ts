import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { postEvents, type TestSource } from '../../../test/support/ingest.js';
import { docxText, unzip } from '../../../test/support/unzip.js';
import { seedDemoThemes } from './demo.js';

/*
 * Themes through the API (docs/市域专题接口.md): the contract's create, membership from lots,
 * points and categories, recomputed when lots change unless frozen, district scoping, the KPI
 * window and the live view. The clock stands at 2026-11-25 10:00 Shanghai.
 */

const C: [number, number] = [120.8643, 32.0146]; // GCJ-02
const LOTS = [
  { code: 'H1', at: [C[0], C[1] + 0.0027], category: 'hospital', spaces: 100 }, // ~300 m
  { code: 'H2', at: [C[0] + 0.0074, C[1]], category: 'hospital', spaces: 50 }, // ~700 m
  { code: 'S1', at: [C[0] - 0.02, C[1]], category: 'school', spaces: 40 }, // ~1.9 km
  { code: 'T1', at: [121.07, 32.08], category: 'hospital', spaces: 200, district: '320612' },
] as const;

describeDb('themes: CRUD, membership, scoping, kpis and live', (backend) => {
  let env: TestEnv;
  let admin: string;
  let tongzhou: string;
  let src: TestSource;
  let seq = 0;

  const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object, as = admin) =>
    env.app.inject({ method, url, headers: bearer(as), ...(payload ? { payload } : {}) });
  const at = (hhmm: string, day = '2026-11-25') => `${day}T${hhmm}:00+08:00`;
  const status = (lotCode: string, when: string, total: number, free: number) => ({ type: 'status', eventId: `st-${++seq}`, occurredAt: when, lotCode, totalSpaces: total, freeSpaces: free });
  const addLot = async (l: { code: string; at: readonly number[]; category: string; spaces: number; district?: string }) => {
    const r = await call('POST', '/api/v1/lots', {
      code: l.code, name: `停车场 ${l.code}`, districtCode: l.district ?? '320602', kind: 'off_street', category: l.category,
      totalSpaces: l.spaces, lng: l.at[0], lat: l.at[1], sourceCode: 'SRC',
    });
    expect(r.statusCode, r.body).toBe(201);
  };

  beforeAll(async () => {
    env = await createTestEnv(backend);
    env.clock.set(at('10:00'));
    admin = await loginToken(env.app);
    const res = await call('POST', '/api/v1/sources', { code: 'SRC', name: '系统' });
    src = { code: 'SRC', secret: res.json().secret };
    for (const l of LOTS) await addLot(l);
    tongzhou = await userToken(env.app, admin, { username: 'tz', role: 'district', districtCode: '320612' });
    const sent = await postEvents(env, src, [
      // H1 (100): 06:00–08:00 at 0.5 (threshold 120 ends it), 08:30 → 0.95 until now (10:00).
      status('H1', at('06:00'), 100, 50), status('H1', at('08:30'), 100, 5),
      // H2 (50): yesterday 23:00 at 0.2 holds to 01:00; 09:00 at 0.9 (free 5) — live.
      status('H2', at('23:00', '2026-11-24'), 50, 40), status('H2', at('09:00'), 50, 5),
    ]);
    expect(sent.json().accepted, sent.body).toBe(4);
  });
  afterAll(() => env.close());

  it('creates a theme with the contract body (201) and refuses duplicates, unknown lots and kinds', async () => {
    const res = await call('POST', '/api/v1/themes', { code: 'HOSP', name: '第一人民医院周边', kind: 'hospital', lotCodes: ['H1'] });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ code: 'HOSP', kind: 'hospital', lotCodes: ['H1'], memberCount: 1, totalSpaces: 100, frozen: false, alert: { threshold: 0.9, minutes: 30, enabled: true } });
    expect((await call('POST', '/api/v1/themes', { code: 'HOSP', name: 'x', kind: 'hospital', lotCodes: [] })).json().error.code).toBe('THEME_EXISTS');
    const unknown = await call('POST', '/api/v1/themes', { code: 'X1', name: 'x', kind: 'hospital', lotCodes: ['NOPE'] });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([400, 'UNKNOWN_LOT']);
    const kind = await call('POST', '/api/v1/themes', { code: 'X2', name: 'x', kind: 'stadium', lotCodes: [] });
    expect([kind.statusCode, kind.json().error.code]).toEqual([400, 'INVALID_KIND']);
    const radius = await call('POST', '/api/v1/themes', { code: 'X3', name: 'x', kind: 'custom', lotCodes: [], points: [{ lng: C[0], lat: C[1], radiusM: 0 }] });
    expect([radius.statusCode, radius.json().error.code]).toEqual([400, 'INVALID_RADIUS']);
  });

  it('resolves members from points and categories, recomputes when lots change, keeps them while frozen', async () => {
    const res = await call('POST', '/api/v1/themes', {
      code: 'AREA', name: '片区', kind: 'custom', lotCodes: [], points: [{ lng: C[0], lat: C[1], radiusM: 1000 }], categories: ['school'], districtCodes: ['320602'],
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().members.map((m: { code: string; via: string }) => [m.code, m.via])).toEqual([['H1', 'point'], ['H2', 'point'], ['S1', 'category']]);
    const cityHospitals = await call('POST', '/api/v1/themes', { code: 'ALLH', name: '全市医院', kind: 'hospital', lotCodes: [], categories: ['hospital'] });
    expect(cityHospitals.json().members.map((m: { code: string }) => m.code)).toEqual(['H1', 'H2', 'T1']);

    const frozen = await call('POST', '/api/v1/themes', { code: 'FROZ', name: '冻结', kind: 'custom', lotCodes: [], points: [{ lng: C[0], lat: C[1], radiusM: 1000 }], frozen: true });
    expect(frozen.json()).toMatchObject({ frozen: true, memberCount: 2 });
    await addLot({ code: 'H3', at: [C[0] + 0.001, C[1]], category: 'hospital', spaces: 30 }); // ~100 m
    expect((await call('GET', '/api/v1/themes/AREA')).json().members.map((m: { code: string }) => m.code)).toEqual(['H1', 'H2', 'H3', 'S1']);
    expect((await call('GET', '/api/v1/themes/FROZ')).json().memberCount).toBe(2);
    const thawed = await call('PATCH', '/api/v1/themes/FROZ', { frozen: false });
    expect(thawed.json()).toMatchObject({ frozen: false, memberCount: 3 });
    const renamed = await call('PATCH', '/api/v1/themes/FROZ', { name: '改名', alert: { threshold: 0.8, minutes: 15 } });
    expect(renamed.json()).toMatchObject({ name: '改名', kind: 'custom', alert: { threshold: 0.8, minutes: 15, enabled: true } });
    expect((await call('DELETE', '/api/v1/themes/FROZ')).statusCode).toBe(204);
    expect((await call('GET', '/api/v1/themes/FROZ')).statusCode).toBe(404);
  });

  it('scopes themes to a district user', async () => {
    const mine = await call('POST', '/api/v1/themes', { code: 'TZ-H', name: '通州医院', kind: 'hospital', lotCodes: ['T1'], categories: ['hospital'] }, tongzhou);
    expect(mine.statusCode, mine.body).toBe(201);
    // Only the district's lots, even by category.
    expect(mine.json()).toMatchObject({ districtCode: '320612', memberCount: 1 });
    const other = await call('POST', '/api/v1/themes', { code: 'TZ-X', name: 'x', kind: 'hospital', lotCodes: ['H1'] }, tongzhou);
    expect([other.statusCode, other.json().error.code]).toEqual([403, 'DISTRICT_FORBIDDEN']);
    expect((await call('GET', '/api/v1/themes', undefined, tongzhou)).json().items.map((t: { code: string }) => t.code)).toEqual(['TZ-H']);
    expect((await call('GET', '/api/v1/themes/HOSP', undefined, tongzhou)).statusCode).toBe(404);
    expect((await call('GET', '/api/v1/themes/HOSP/kpis', undefined, tongzhou)).statusCode).toBe(404);
    expect((await call('GET', '/api/v1/themes')).json().items.map((t: { code: string }) => t.code)).toContain('TZ-H');
  });

  it('measures today so far: space- and time-weighted over known minutes', async () => {
    const res = await call('POST', '/api/v1/themes', { code: 'KPI', name: '指标', kind: 'hospital', lotCodes: ['H1', 'H2'] });
    expect(res.statusCode).toBe(201);
    const k = (await call('GET', '/api/v1/themes/KPI/kpis?from=2026-11-25&to=2026-11-25')).json();
    // H1: 06:00–08:00 50/100 (120 min), 08:30–10:00 95/100 (90 min). H2: 00:00–01:00 10/50 (60), 09:00–10:00 45/50 (60).
    expect(k.knownMinutes).toBe(330);
    expect(k.occupancyAvg).toBeCloseTo((50 * 120 + 95 * 90 + 10 * 60 + 45 * 60) / (100 * 210 + 50 * 120), 12);
    expect(k.saturatedShare).toBeCloseTo(150 / 330, 12);
    expect(k.lots).toBe(2);
    // 09h is the best-covered hour (120 lot-minutes): (95·60 + 45·60) / (100·60 + 50·60).
    expect(k.peakOccupancy).toBeCloseTo(140 / 150, 12);
    expect(k.peakAt).toBe('2026-11-25T01:00:00.000Z');
    expect(k.pressureIndex).toBeGreaterThan(0);
    const bad = await call('GET', '/api/v1/themes/KPI/kpis?from=2026-11-25&to=2026-11-24');
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'INVALID_RANGE']);
    const date = await call('GET', '/api/v1/themes/KPI/kpis?from=2026-02-30&to=2026-03-01');
    expect([date.statusCode, date.json().error.code]).toEqual([400, 'INVALID_DATE']);
  });

  it('shows each member live or stale like the public service, with the minutes saturated today', async () => {
    const live = (await call('GET', '/api/v1/themes/KPI/live')).json();
    expect(live).toMatchObject({ liveLots: 2, staleLots: 0, unknownLots: 0, freeSpaces: 10 });
    expect(live.occupancy).toBeCloseTo(140 / 150, 12);
    const by = Object.fromEntries(live.members.map((m: { code: string }) => [m.code, m]));
    expect(by.H1).toMatchObject({ availability: 'live', freeSpaces: 5, occupancy: 0.95, saturatedMinutesToday: 90 });
    expect(by.H2).toMatchObject({ availability: 'live', freeSpaces: 5, occupancy: 0.9, saturatedMinutesToday: 60 });
    // Theme ≥ 0.9: 09:00–10:00 (140/150); 08:30–09:00 only H1 is known at 0.95.
    expect(live.saturatedMinutesToday).toBe(90);
    env.clock.set(at('11:30'));
    try {
      const later = (await call('GET', '/api/v1/themes/KPI/live', undefined, await loginToken(env.app))).json();
      // H2's 09:00 report is 150 minutes old, beyond the 120-minute threshold: stale, no number.
      expect(later.members.find((m: { code: string }) => m.code === 'H2')).toMatchObject({ availability: 'stale', freeSpaces: null, occupancy: null });
      // H1's 08:30 report is 180 minutes old: stale too; no number for the theme either.
      expect(later).toMatchObject({ liveLots: 0, staleLots: 2, occupancy: null, freeSpaces: null });
    } finally {
      env.clock.set(at('10:00'));
    }
  });

  it('writes the theme report as .docx with the measures, a chart and the members', async () => {
    const res = await call('GET', '/api/v1/themes/KPI/report?from=2026-11-25&to=2026-11-25');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('wordprocessingml');
    expect(String(res.headers['content-disposition'])).toContain('theme-report-KPI-2026-11-25-2026-11-25.docx');
    const files = unzip(res.rawPayload);
    const text = docxText(files.get('word/document.xml')!.toString('utf8'));
    const k = (await call('GET', '/api/v1/themes/KPI/kpis?from=2026-11-25&to=2026-11-25')).json();
    expect(text).toContain('市域专题报告：指标');
    expect(text).toContain(`${(k.occupancyAvg * 100).toFixed(1)}%`);
    expect(text).toContain('H1');
    expect([...files.keys()].some((f) => f.startsWith('word/media/'))).toBe(true);
    expect((await call('GET', '/api/v1/themes/NOPE/report')).statusCode).toBe(404);
  });

  it('compares an event with the same weekdays of the weeks before', async () => {
    const ev = await call('POST', '/api/v1/themes', { code: 'EV', name: '演唱会', kind: 'event', lotCodes: ['H1', 'H2'], eventFrom: '2026-11-25', eventTo: '2026-11-25' });
    expect(ev.statusCode, ev.body).toBe(201);
    const c = (await call('GET', '/api/v1/themes/EV/compare?weeks=2')).json();
    const k = (await call('GET', '/api/v1/themes/EV/kpis?from=2026-11-25&to=2026-11-25')).json();
    expect(c.period).toMatchObject({ from: '2026-11-25', to: '2026-11-25', occupancyAvg: k.occupancyAvg });
    expect(c.earlier.map((e: { from: string }) => e.from)).toEqual(['2026-11-18', '2026-11-11']);
    // No data in the weeks before: no baseline rather than zero.
    expect(c.baseline.occupancyAvg).toBeNull();
    expect((await call('GET', '/api/v1/themes/EV/compare?weeks=9')).json().error.code).toBe('INVALID_WEEKS');
  });

  it('lists a year\'s public holidays and compares a holiday with ordinary days only', async () => {
    const h = (await call('GET', '/api/v1/themes/holidays?year=2026')).json();
    expect(h.covered).toBe(true);
    const nd = h.items.find((i: { key: string }) => i.key === 'National Day');
    expect(nd).toMatchObject({ festival: { zh: '国庆节' }, from: '2026-10-01', to: '2026-10-07', makeupDays: ['2026-09-20', '2026-10-10'] });
    expect((await call('GET', '/api/v1/themes/holidays?year=1')).statusCode).toBe(400);
    expect((await call('POST', '/api/v1/themes', { code: 'holidays', name: 'x', kind: 'custom', lotCodes: ['H1'] })).json().error.code).toBe('INVALID_CODE');
    // 2026-10-08 (Thursday, in lieu of nothing: a plain workday after 国庆): the Thursday before is 10-01 (holiday), skipped.
    const plain = (await call('GET', '/api/v1/themes/KPI/compare?from=2026-10-08&weeks=2')).json();
    expect(plain.earlier.map((e: { from: string }) => e.from)).toEqual(['2026-10-01', '2026-09-24']);
    const ord = (await call('GET', '/api/v1/themes/KPI/compare?from=2026-10-08&weeks=2&ordinaryOnly=true')).json();
    expect(ord.earlier.map((e: { from: string }) => e.from)).toEqual(['2026-09-24', '2026-09-17']);
  });

  it('shows a published theme to citizens without an account, by the public service\'s rules', async () => {
    const anon = (url: string) => env.app.inject({ method: 'GET', url });
    expect((await anon('/api/v1/public/themes/KPI')).statusCode).toBe(404); // not published
    expect((await call('PATCH', '/api/v1/themes/KPI', { published: true })).json().published).toBe(true);
    expect((await call('PUT', '/api/v1/public-admin/lots/H2/settings', { hidden: true, openingHours: null, chargingSpaces: null })).statusCode).toBe(200);
    const res = await anon('/api/v1/public/themes/KPI');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ code: 'KPI', liveLots: 1, freeSpaces: 5, lots: [{ code: 'H1', availability: 'live', freeSpaces: 5 }] });
    expect(res.json().lots).toHaveLength(1); // H2 hidden from the public
    await call('PUT', '/api/v1/public-admin/lots/H2/settings', { hidden: false, openingHours: null, chargingSpaces: null });
  });

  it('seeds the demo city\'s themes once', async () => {
    expect(await seedDemoThemes(env.ctx)).toBe(5);
    expect(await seedDemoThemes(env.ctx)).toBe(0);
    const hosp = (await call('GET', '/api/v1/themes/CC-HOSPITALS')).json();
    expect(hosp.members.map((m: { code: string }) => m.code)).toEqual(['H1', 'H2', 'H3']);
  });
});
