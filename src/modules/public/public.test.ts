import gcoordModule from 'gcoord';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { postEvents, type TestSource } from '../../../test/support/ingest.js';
import { receivableFen } from '../simulator/index.js';
import { haversineMetres } from './geo.js';

type Gcoord = typeof gcoordModule.default;
const gcoord: Gcoord = (gcoordModule as unknown as { default?: Gcoord }).default ?? (gcoordModule as unknown as Gcoord);

/*
 * The public service end to end (docs/公众服务接口.md): lots registered through the registry
 * API, status reports through the signed ingest API, tariffs through quality's API, settings and
 * sign groups through the staff routes; then the public routes without any account. The clock
 * stands at 2026-11-25 10:00 Shanghai (02:00Z).
 */

const C: [number, number] = [120.8643, 32.0146]; // GCJ-02 query point
const TARIFF = { freeMinutes: 15, firstPeriodMinutes: 60, firstPeriodFen: 500, unitMinutes: 60, unitFen: 200, dailyCapFen: 3000 };

const LOTS = [
  { code: 'N1', at: [C[0], C[1] + 0.0027], category: 'commercial' }, // ~300 m north, live
  { code: 'N2', at: [C[0] + 0.0074, C[1]], category: 'commercial' }, // ~700 m east, stale
  { code: 'N3', at: [C[0] - 0.0012, C[1] + 0.0008], category: 'hospital' }, // ~150 m, never reported
  { code: 'N4', at: [C[0], C[1] - 0.0045], category: 'office' }, // ~500 m south, own 10-minute threshold
  { code: 'HID', at: [C[0] + 0.0005, C[1]], category: 'commercial' }, // ~50 m, hidden by staff
  { code: 'FAR', at: [C[0] + 0.02, C[1] + 0.01], category: 'commercial' }, // ~2.2 km
  { code: 'B1', at: [121.07, 32.08], category: 'other', district: '320612' }, // another district
] as const;

describeDb('public service: nearby, detail, estimate, guidance', (backend) => {
  let env: TestEnv;
  let admin: string;
  let src: TestSource;
  let seq = 0;

  const get = (url: string, headers: Record<string, string> = {}) => env.app.inject({ method: 'GET', url, headers });
  const staff = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object, as = admin) =>
    env.app.inject({ method, url, headers: bearer(as), ...(payload ? { payload } : {}) });
  const minutesAgo = (m: number) => new Date(env.clock.now().getTime() - m * 60_000).toISOString();
  const status = (lotCode: string, m: number, free: number) => ({ type: 'status', eventId: `st-${++seq}`, occurredAt: minutesAgo(m), lotCode, totalSpaces: 100, freeSpaces: free });
  const nearby = async (query: string) => {
    const res = await get(`/api/v1/public/lots/nearby?${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items as Record<string, unknown>[];
  };

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    const res = await staff('POST', '/api/v1/sources', { code: 'SRC', name: '系统' });
    src = { code: 'SRC', secret: res.json().secret };
    for (const l of LOTS) {
      const r = await staff('POST', '/api/v1/lots', {
        code: l.code, name: `停车场 ${l.code}`, districtCode: 'district' in l ? l.district : '320602', kind: 'off_street', category: l.category,
        totalSpaces: 100, lng: l.at[0], lat: l.at[1], sourceCode: 'SRC', address: `地址 ${l.code}`,
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    await env.ctx.db.updateTable('lots').set({ late_threshold_minutes: 10 }).where('code', '=', 'N4').execute();
    // N1: a newer report, then an older one delivered late — the newest by occurredAt counts.
    const sent = await postEvents(env, src, [status('N1', 5, 37), status('N1', 50, 80), status('N2', 180, 12), status('N4', 30, 60), status('HID', 1, 99), status('FAR', 1, 50)]);
    expect(sent.json().accepted, sent.body).toBe(6);
    const hide = await staff('PUT', '/api/v1/public-admin/lots/HID/settings', { hidden: true, openingHours: null, chargingSpaces: null });
    expect(hide.statusCode, hide.body).toBe(200);
    expect((await staff('PUT', '/api/v1/public-admin/lots/N1/settings', { hidden: false, openingHours: ' 00:00–24:00 ', chargingSpaces: 12 })).statusCode).toBe(200);
    expect((await staff('PUT', '/api/v1/quality/tariffs/N1', TARIFF)).statusCode).toBe(200);
  });
  afterAll(() => env.close());

  it('lists public lots within the radius, nearest first, with live / stale / unknown', async () => {
    const items = await nearby(`lng=${C[0]}&lat=${C[1]}`);
    expect(items.map((i) => i.code)).toEqual(['N3', 'N1', 'N4', 'N2']);
    for (const i of items) {
      const lot = LOTS.find((l) => l.code === i.code)!;
      expect(i.distanceM).toBe(Math.round(haversineMetres(C, lot.at)));
    }
    const by = Object.fromEntries(items.map((i) => [i.code, i]));
    expect(by.N1).toMatchObject({
      name: '停车场 N1', category: 'commercial', kind: 'off_street', lng: LOTS[0].at[0], lat: LOTS[0].at[1], totalSpaces: 100,
      freeSpaces: 37, availability: 'live', updatedAt: minutesAgo(5), openingHours: '00:00–24:00', chargingSpaces: 12,
      priceSummary: '15分钟内免费，首1小时5元，之后每1小时2元，每日最高30元', districtCode: '320602', address: '地址 N1',
    });
    expect(by.N2).toMatchObject({ availability: 'stale', freeSpaces: null, updatedAt: minutesAgo(180), priceSummary: null });
    expect(by.N3).toMatchObject({ availability: 'unknown', freeSpaces: null, updatedAt: null, openingHours: null, chargingSpaces: null });
    // N4's own threshold (10 min) makes a 30-minute-old report stale, though the default is 120.
    expect(by.N4).toMatchObject({ availability: 'stale', freeSpaces: null });
  });

  it('leaves hidden lots out, and brings them back when staff show them again', async () => {
    expect((await nearby(`lng=${C[0]}&lat=${C[1]}&radius=100`)).map((i) => i.code)).toEqual([]);
    expect((await get('/api/v1/public/lots/HID')).statusCode).toBe(404);
    expect((await staff('PUT', '/api/v1/public-admin/lots/HID/settings', { hidden: false, openingHours: null, chargingSpaces: null })).statusCode).toBe(200);
    expect((await nearby(`lng=${C[0]}&lat=${C[1]}&radius=100`)).map((i) => i.code)).toEqual(['HID']);
    expect((await staff('PUT', '/api/v1/public-admin/lots/HID/settings', { hidden: true, openingHours: null, chargingSpaces: null })).statusCode).toBe(200);
    const audits = await env.ctx.db.selectFrom('audit_log').select(['action', 'target_id']).where('action', '=', 'public.lot_settings.update').execute();
    expect(audits.filter((a) => a.target_id === 'HID')).toHaveLength(3);
  });

  it('takes the radius, the category and the query point in WGS-84 or BD-09', async () => {
    expect((await nearby(`lng=${C[0]}&lat=${C[1]}&radius=3000`)).map((i) => i.code)).toEqual(['N3', 'N1', 'N4', 'N2', 'FAR']);
    expect((await nearby(`lng=${C[0]}&lat=${C[1]}&radius=320`)).map((i) => i.code)).toEqual(['N3', 'N1']);
    expect((await nearby(`lng=${C[0]}&lat=${C[1]}&category=hospital`)).map((i) => i.code)).toEqual(['N3']);
    const gcj = await nearby(`lng=${C[0]}&lat=${C[1]}`);
    for (const [system, crs] of [['wgs84', gcoord.WGS84], ['bd09', gcoord.BD09]] as const) {
      const [x, y] = gcoord.transform(C, gcoord.GCJ02, crs);
      const other = await nearby(`lng=${x}&lat=${y}&coordSystem=${system}`);
      expect(other.map((i) => i.code)).toEqual(gcj.map((i) => i.code));
      other.forEach((i, k) => expect(Math.abs((i.distanceM as number) - (gcj[k]!.distanceM as number))).toBeLessThanOrEqual(2));
      // The same numbers read as GCJ-02 are somewhere else (hundreds of metres off).
      const naive = await nearby(`lng=${x}&lat=${y}&radius=5000`);
      expect(naive[0]!.distanceM).not.toBe(gcj[0]!.distanceM);
    }
  });

  it.each([
    ['radius=5001', 'INVALID_RADIUS'],
    ['radius=0', 'INVALID_RADIUS'],
    ['radius=-1', 'INVALID_RADIUS'],
    ['coordSystem=utm', 'INVALID_COORD_SYSTEM'],
    ['category=zoo', 'INVALID_CATEGORY'],
  ])('answers %s with 400 %s', async (extra, code) => {
    const res = await get(`/api/v1/public/lots/nearby?lng=${C[0]}&lat=${C[1]}&${extra}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe(code);
  });

  it.each([
    ['lng=200&lat=32', 'INVALID_LOCATION'],
    ['lng=120&lat=-95', 'INVALID_LOCATION'],
    ['lng=east&lat=32', 'VALIDATION_FAILED'],
    ['lat=32', 'VALIDATION_FAILED'],
  ])('answers a bad point %s with 400 %s', async (q, code) => {
    const res = await get(`/api/v1/public/lots/nearby?${q}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe(code);
  });

  it('needs no account and lets proxies cache for 30 s', async () => {
    const res = await get(`/api/v1/public/lots/nearby?lng=${C[0]}&lat=${C[1]}`);
    expect(res.headers['cache-control']).toBe('public, max-age=30');
    expect((await get('/api/v1/public/lots/N1')).headers['cache-control']).toBe('public, max-age=30');
  });

  it('shows a lot with its tariff, today\'s occupancy, usual full hours and navigation links', async () => {
    // Rollup rows as analytics keeps them: today 08:00 and 09:00 Shanghai; 09:00 full on the last 5 days.
    const hour = (iso: string, ratio: number) => ({ lot_id: 0, at: new Date(iso), pay_channel: '*', occ_known_seconds: 3600, occ_ratio_seconds: 3600 * ratio, occ_peak: ratio });
    const lot = await env.ctx.db.selectFrom('lots').select('id').where('code', '=', 'N1').executeTakeFirstOrThrow();
    const rows = [hour('2026-11-25T00:00:00Z', 0.5), hour('2026-11-25T01:00:00Z', 0.75)];
    for (let d = 20; d <= 24; d++) rows.push(hour(`2026-11-${d}T01:00:00Z`, 0.95));
    await env.ctx.db.insertInto('analytics_lot_hour').values(rows.map((r) => ({ ...r, lot_id: lot.id }))).execute();

    const res = await get('/api/v1/public/lots/N1');
    expect(res.statusCode, res.body).toBe(200);
    const d = res.json();
    expect(d).toMatchObject({ code: 'N1', availability: 'live', freeSpaces: 37, distanceM: null, tariff: TARIFF });
    expect(d.tariffText).toContain('首1小时收费5元');
    expect(d.occupancyToday).toEqual([
      { hour: 8, at: '2026-11-25T00:00:00.000Z', occupancy: 0.5 },
      { hour: 9, at: '2026-11-25T01:00:00.000Z', occupancy: 0.75 },
    ]);
    expect(d.usuallyFullHours).toEqual([9]);
    expect(d.usuallyFullAt).toBe('09:00–10:00');
    expect(d.navigation.amap).toContain(`to=${LOTS[0].at[0]},${LOTS[0].at[1]},`);
    const [bx, by] = gcoord.transform(LOTS[0].at as unknown as [number, number], gcoord.GCJ02, gcoord.BD09);
    expect(d.navigation.bd09.lng).toBeCloseTo(bx, 5);
    expect(d.navigation.bd09.lat).toBeCloseTo(by, 5);
    expect(d.navigation.baidu).toContain(`latlng:${d.navigation.bd09.lat},${d.navigation.bd09.lng}`);
    // With a query point, the distance too.
    expect((await get(`/api/v1/public/lots/N1?lng=${C[0]}&lat=${C[1]}`)).json().distanceM).toBe(Math.round(haversineMetres(C, LOTS[0].at)));
    expect((await get('/api/v1/public/lots/NOPE')).statusCode).toBe(404);
  });

  it('estimates the fee with quality\'s tariff engine', async () => {
    for (const [from, to, minutes] of [['2026-11-25 08:00:00', '2026-11-25 10:00:00', 120], ['2026-11-25 09:50', '2026-11-25 10:00', 10], ['2026-11-23T02:00:00Z', '2026-11-25T03:30:00Z', 2970]] as const) {
      const res = await get(`/api/v1/public/lots/N1/estimate?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
      expect(res.statusCode, res.body).toBe(200);
      const fen = receivableFen({ ...TARIFF }, minutes);
      expect(res.json()).toMatchObject({ lotCode: 'N1', minutes, feeFen: fen, feeYuan: String(fen / 100) });
    }
    // `to` defaults to now (10:00 Shanghai).
    expect((await get('/api/v1/public/lots/N1/estimate?from=2026-11-25%2008:00:00')).json().feeFen).toBe(700);
    const bad = async (url: string, status: number, code: string) => {
      const res = await get(url);
      expect(res.statusCode, url).toBe(status);
      expect(res.json().error.code, url).toBe(code);
    };
    await bad('/api/v1/public/lots/N1/estimate?from=yesterday', 400, 'INVALID_TIME');
    await bad('/api/v1/public/lots/N1/estimate?from=2026-11-25%2010:00&to=2026-11-25%2009:00', 400, 'INVALID_RANGE');
    await bad('/api/v1/public/lots/N1/estimate?from=2026-09-01%2010:00', 400, 'INVALID_RANGE');
    await bad('/api/v1/public/lots/N2/estimate?from=2026-11-25%2008:00', 404, 'NO_TARIFF');
    await bad('/api/v1/public/lots/HID/estimate?from=2026-11-25%2008:00', 404, 'NOT_FOUND');
  });

  it('feeds guidance signs per district and per sign group, with ETag and 304', async () => {
    const g = await staff('POST', '/api/v1/public-admin/sign-groups', { code: 'SIGN-1', name: '南大街诱导屏', lotCodes: ['N1', 'N2', 'HID', 'N1'] });
    expect(g.statusCode, g.body).toBe(201);
    expect(g.json()).toMatchObject({ code: 'SIGN-1', lotCodes: ['N1', 'N2', 'HID'], updatedBy: 'admin' });
    expect((await staff('POST', '/api/v1/public-admin/sign-groups', { code: 'SIGN-1', name: 'x', lotCodes: [] })).statusCode).toBe(409);
    const unknown = await staff('POST', '/api/v1/public-admin/sign-groups', { code: 'SIGN-2', name: 'x', lotCodes: ['NOPE'] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.code).toBe('UNKNOWN_LOT');

    const res = await get('/api/v1/public/guidance?area=SIGN-1');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=30');
    const etag = res.headers.etag as string;
    expect(etag).toMatch(/^W\/"/);
    // HID is hidden: neither listed nor counted.
    expect(res.json()).toEqual({
      area: { type: 'signGroup', code: 'SIGN-1', name: '南大街诱导屏' },
      lots: [
        { code: 'N1', name: '停车场 N1', totalSpaces: 100, freeSpaces: 37, availability: 'live', updatedAt: minutesAgo(5) },
        { code: 'N2', name: '停车场 N2', totalSpaces: 100, freeSpaces: null, availability: 'stale', updatedAt: minutesAgo(180) },
      ],
      groups: [{ code: 'SIGN-1', name: '南大街诱导屏', lotCodes: ['N1', 'N2'], freeSpaces: 37, liveLots: 1, lots: 2 }],
    });
    const again = await get('/api/v1/public/guidance?area=SIGN-1', { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    // A new report changes the answer and its tag.
    await postEvents(env, src, [status('N2', 0, 20)]);
    const changed = await get('/api/v1/public/guidance?area=SIGN-1', { 'if-none-match': etag });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().groups[0]).toMatchObject({ freeSpaces: 57, liveLots: 2 });

    const district = (await get('/api/v1/public/guidance?area=320602')).json();
    expect(district.area).toEqual({ type: 'district', code: '320602', name: expect.any(String) });
    expect(district.lots.map((l: { code: string }) => l.code)).toEqual(['FAR', 'N1', 'N2', 'N3', 'N4']);
    expect(district.groups.map((x: { code: string }) => x.code)).toEqual(['SIGN-1']);
    const none = await get('/api/v1/public/guidance?area=NOWHERE');
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe('UNKNOWN_AREA');
  });

  it('keeps sign groups and settings to staff with registry write, within their district, audited', async () => {
    const viewer = await userToken(env.app, admin, { username: 'v1', role: 'viewer' });
    const haimen = await userToken(env.app, admin, { username: 'd612', role: 'district', districtCode: '320612' });
    expect((await staff('GET', '/api/v1/public-admin/sign-groups', undefined, viewer)).statusCode).toBe(200);
    expect((await staff('PUT', '/api/v1/public-admin/lots/N1/settings', { hidden: true, openingHours: null, chargingSpaces: null }, viewer)).statusCode).toBe(403);
    expect((await staff('POST', '/api/v1/public-admin/sign-groups', { code: 'V', name: 'v', lotCodes: [] }, viewer)).statusCode).toBe(403);
    expect((await staff('PUT', '/api/v1/public-admin/lots/N1/settings', { hidden: true, openingHours: null, chargingSpaces: null }, haimen)).statusCode).toBe(404);
    const foreign = await staff('POST', '/api/v1/public-admin/sign-groups', { code: 'HM', name: '海门', lotCodes: ['B1', 'N1'] }, haimen);
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().error.code).toBe('DISTRICT_FORBIDDEN');
    expect((await staff('POST', '/api/v1/public-admin/sign-groups', { code: 'HM', name: '海门', lotCodes: ['B1'] }, haimen)).statusCode).toBe(201);
    expect((await staff('PUT', '/api/v1/public-admin/sign-groups/HM', { name: '海门东', lotCodes: [] }, haimen)).json()).toMatchObject({ name: '海门东', lotCodes: [] });
    expect((await staff('DELETE', '/api/v1/public-admin/sign-groups/SIGN-1', undefined, haimen)).statusCode).toBe(403);
    expect((await staff('DELETE', '/api/v1/public-admin/sign-groups/HM', undefined, haimen)).statusCode).toBe(204);
    expect((await staff('DELETE', '/api/v1/public-admin/sign-groups/HM')).statusCode).toBe(404);
    expect((await staff('GET', '/api/v1/public-admin/sign-groups')).json().items.map((x: { code: string }) => x.code)).toEqual(['SIGN-1']);
    const actions = (await env.ctx.db.selectFrom('audit_log').select('action').where('target_id', '=', 'HM').orderBy('id').execute()).map((a) => a.action);
    expect(actions).toEqual(['public.sign_group.create', 'public.sign_group.update', 'public.sign_group.delete']);
    // Staff routes need an account.
    expect((await get('/api/v1/public-admin/sign-groups')).statusCode).toBe(401);
  });

  it('lists districts with the centre of their public lots', async () => {
    const res = await get('/api/v1/public/districts');
    expect(res.statusCode).toBe(200);
    const cc = res.json().items.find((d: { code: string }) => d.code === '320602');
    expect(cc.lots).toBe(5);
    expect(cc.lng).toBeCloseTo((LOTS[0].at[0] + LOTS[1].at[0] + LOTS[2].at[0] + LOTS[3].at[0] + LOTS[5].at[0]) / 5, 5);
  });
});

describeDb('public service: per-IP limit', (backend) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv(backend, { publicRatePerMinute: 3 });
  });
  afterAll(() => env.close());

  it('answers 429 with Retry-After past ZHIBO_PUBLIC_RATE_PER_MINUTE per address, over all public routes, until the minute is over', async () => {
    const call = (url: string, ip = '203.0.113.7') => env.app.inject({ method: 'GET', url, remoteAddress: ip });
    expect((await call('/api/v1/public/lots/nearby?lng=120.86&lat=32.01')).statusCode).toBe(200);
    expect((await call('/api/v1/public/lots/nearby?lng=120.86&lat=32.01&radius=9999')).statusCode).toBe(400); // bad requests count too
    expect((await call('/api/v1/public/lots/NOPE')).statusCode).toBe(404);
    const limited = await call('/api/v1/public/guidance?area=320602');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Another address has its own budget; the staff login is not limited by it.
    expect((await call('/api/v1/public/lots/nearby?lng=120.86&lat=32.01', '203.0.113.8')).statusCode).toBe(200);
    env.clock.advance(60_000);
    expect((await call('/api/v1/public/lots/nearby?lng=120.86&lat=32.01')).statusCode).toBe(200);
  });
});
