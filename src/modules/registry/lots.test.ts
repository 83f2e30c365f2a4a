import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { lotBody, xlsxRows } from '../../../test/fixtures/registry/helpers.js';

describeDb('registry: lots', (backend) => {
  let env: TestEnv;
  let admin: string;
  let cc: string; // district user of 崇川区 320602
  let viewer: string;
  let operatorId: number;

  const call = (token: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    env.app.inject({ method, url, headers: bearer(token), ...(payload === undefined ? {} : { payload: payload as object }) });
  const create = (token: string, overrides: Record<string, unknown> = {}) => call(token, 'POST', '/api/v1/lots', lotBody(overrides));
  const errorOf = async (p: ReturnType<typeof call>) => {
    const res = await p;
    return { status: res.statusCode, code: res.json().error?.code as string | undefined };
  };

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    cc = await userToken(env.app, admin, { username: 'cc-staff', role: 'district', districtCode: '320602' });
    viewer = await userToken(env.app, admin, { username: 'viewer1', role: 'viewer' });
    operatorId = (await call(admin, 'POST', '/api/v1/operators', { name: '南通市停车管理有限公司' })).json().id;
    await call(admin, 'POST', '/api/v1/sources', { code: 'NT-CITY-PARK', name: '市级平台' });
  });
  afterAll(() => env.close());

  describe('create, read, update', () => {
    it('creates a lot with defaults and joined names, and audits it', async () => {
      const res = await create(admin, { code: 'NT-CC-0001', name: '南通大学附属医院停车场', category: 'hospital', address: '西寺路20号', sourceCode: 'NT-CITY-PARK', operatorId });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({
        code: 'NT-CC-0001', districtCode: '320602', districtName: '崇川区', kind: 'off_street', category: 'hospital', totalSpaces: 100,
        lng: 120.8641, lat: 32.0133, inputCoordSystem: 'gcj02', sourceCode: 'NT-CITY-PARK', operatorId, operatorName: '南通市停车管理有限公司',
        status: 'active', remark: null, berthCount: 0, createdAt: env.clock.now().toISOString(),
      });
      const got = await call(viewer, 'GET', '/api/v1/lots/NT-CC-0001');
      expect(got.json()).toEqual(res.json());
      const audit = await env.ctx.db.selectFrom('audit_log').select(['action', 'actor', 'detail']).where('target_id', '=', 'NT-CC-0001').execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ action: 'lot.create', actor: 'admin', detail: { after: { code: 'NT-CC-0001', totalSpaces: 100 } } });
    });

    it('converts WGS-84 and BD-09 input to GCJ-02 and records what was sent', async () => {
      const wgs = (await create(admin, { code: 'T-WGS', lng: 120.894, lat: 31.981, coordSystem: 'wgs84' })).json();
      expect(wgs.inputCoordSystem).toBe('wgs84');
      expect(wgs.lng).toBeCloseTo(120.8982158, 6);
      expect(wgs.lat).toBeCloseTo(31.9788301, 6);
      const bd = (await create(admin, { code: 'T-BD', lng: 120.9, lat: 31.99, coordSystem: 'bd09' })).json();
      expect(bd.inputCoordSystem).toBe('bd09');
      expect(bd.lng).toBeCloseTo(120.8934136, 6);
      expect(bd.lat).toBeCloseTo(31.9843429, 6);
      // Far from Nantong is allowed (real data has such lots).
      expect((await create(admin, { code: 'T-SH', lng: 121.4737, lat: 31.2304 })).statusCode).toBe(201);
    });

    it('refuses bad input with specific 4xx codes', async () => {
      const cases: [Record<string, unknown>, number, string][] = [
        [{ code: '停车场1' }, 400, 'INVALID_CODE'],
        [{ code: 'T-X', districtCode: '310115' }, 400, 'UNKNOWN_DISTRICT'],
        [{ code: 'T-X', kind: 'garage' }, 400, 'INVALID_KIND'],
        [{ code: 'T-X', category: 'park' }, 400, 'INVALID_CATEGORY'],
        [{ code: 'T-X', totalSpaces: -1 }, 400, 'INVALID_TOTAL_SPACES'],
        [{ code: 'T-X', totalSpaces: 2.5 }, 400, 'INVALID_TOTAL_SPACES'],
        [{ code: 'T-X', lng: 'east', lat: 32 }, 400, 'INVALID_COORDINATES'],
        [{ code: 'T-X', lng: 190, lat: 32 }, 400, 'INVALID_COORDINATES'],
        [{ code: 'T-X', lng: 0, lat: 0 }, 400, 'INVALID_COORDINATES'],
        [{ code: 'T-X', coordSystem: 'utm' }, 400, 'INVALID_COORD_SYSTEM'],
        [{ code: 'T-X', sourceCode: 'NOPE' }, 400, 'UNKNOWN_SOURCE'],
        [{ code: 'T-X', operatorId: 999 }, 400, 'UNKNOWN_OPERATOR'],
        [{ code: 'T-X', remark: 5, extra: { nested: true }, name: { not: 'text' } }, 400, 'INVALID_NAME'],
        [{ code: 'NT-CC-0001' }, 409, 'DUPLICATE'],
      ];
      for (const [overrides, status, code] of cases) {
        const res = await create(admin, overrides);
        expect({ overrides, status: res.statusCode, code: res.json().error?.code }).toEqual({ overrides, status, code });
        expect(res.json().error.message).toEqual(expect.any(String));
      }
      const missing = await call(admin, 'POST', '/api/v1/lots', { code: 'T-X' });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().error.code).toBe('REQUIRED');
      const notJson = await env.app.inject({ method: 'POST', url: '/api/v1/lots', headers: { ...bearer(admin), 'content-type': 'application/json' }, payload: '{"code":' });
      expect(notJson.statusCode).toBe(400);
      expect((await env.ctx.db.selectFrom('lots').select('code').where('code', '=', 'T-X').execute())).toEqual([]);
    });

    it('patches a subset of fields, audits before/after, keeps the code', async () => {
      env.clock.advance(5 * 60_000);
      const res = await call(admin, 'PATCH', '/api/v1/lots/NT-CC-0001', { totalSpaces: 900, status: 'suspended', remark: '改造中', lng: 120.8702, lat: 32.0183, coordSystem: 'bd09' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ code: 'NT-CC-0001', totalSpaces: 900, status: 'suspended', remark: '改造中', inputCoordSystem: 'bd09', updatedAt: env.clock.now().toISOString() });
      expect(res.json().lng).toBeCloseTo(120.8637, 3);
      const row = await env.ctx.db.selectFrom('audit_log').select('detail').where('action', '=', 'lot.update').executeTakeFirstOrThrow();
      expect(row.detail).toMatchObject({ before: { totalSpaces: 100, status: 'active', remark: null }, after: { totalSpaces: 900, status: 'suspended', remark: '改造中' } });
      // null clears a field (and is not coerced to an empty string on the way in)
      const cleared = await call(admin, 'PATCH', '/api/v1/lots/NT-CC-0001', { remark: null, lateThresholdMinutes: null });
      expect(cleared.json()).toMatchObject({ remark: null, lateThresholdMinutes: null });

      expect(await errorOf(call(admin, 'PATCH', '/api/v1/lots/NT-CC-0001', { status: 'closed' }))).toEqual({ status: 400, code: 'INVALID_STATUS' });
      expect(await errorOf(call(admin, 'PATCH', '/api/v1/lots/NT-CC-0001', { lng: 121 }))).toEqual({ status: 400, code: 'INVALID_COORDINATES' });
      expect(await errorOf(call(admin, 'PATCH', '/api/v1/lots/NT-CC-0001', { totalSpaces: -3 }))).toEqual({ status: 400, code: 'INVALID_TOTAL_SPACES' });
      expect(await errorOf(call(admin, 'PATCH', '/api/v1/lots/NOPE', { totalSpaces: 3 }))).toEqual({ status: 404, code: 'NOT_FOUND' });
      expect(await errorOf(call(viewer, 'PATCH', '/api/v1/lots/NT-CC-0001', { totalSpaces: 3 }))).toEqual({ status: 403, code: 'FORBIDDEN' });
      // Nothing changed: no write, no audit row.
      const before = await env.ctx.db.selectFrom('audit_log').select('id').execute();
      await call(admin, 'PATCH', '/api/v1/lots/NT-CC-0001', { totalSpaces: 900 });
      expect(await env.ctx.db.selectFrom('audit_log').select('id').execute()).toHaveLength(before.length);
    });

    it('lists with filters, search and paging', async () => {
      await create(admin, { code: 'TZ-R-01', name: '金沙建设路路内泊位段', districtCode: '320612', kind: 'on_street', category: 'commercial', totalSpaces: 24, lng: 121.0751, lat: 32.0876, address: '通州区建设路' });
      const all = (await call(viewer, 'GET', '/api/v1/lots')).json();
      expect(all.total).toBe(5);
      expect(all.items.map((l: { code: string }) => l.code)).toEqual(['NT-CC-0001', 'T-BD', 'T-SH', 'T-WGS', 'TZ-R-01']);
      const q = async (qs: string) => (await call(viewer, 'GET', `/api/v1/lots?${qs}`)).json();
      expect((await q('districtCode=320612')).items.map((l: { code: string }) => l.code)).toEqual(['TZ-R-01']);
      expect((await q('kind=on_street')).total).toBe(1);
      expect((await q('category=hospital')).total).toBe(1);
      expect((await q('status=suspended')).total).toBe(1);
      expect((await q('sourceCode=NT-CITY-PARK')).total).toBe(1);
      expect((await q('q=建设路')).total).toBe(1);
      expect((await q('q=t-')).total).toBe(4);
      expect((await q('q=%25')).total).toBe(0);
      const page = await q('limit=2&offset=2');
      expect(page).toMatchObject({ total: 5 });
      expect(page.items.map((l: { code: string }) => l.code)).toEqual(['T-SH', 'T-WGS']);
      expect((await call(viewer, 'GET', '/api/v1/lots?limit=501')).statusCode).toBe(400);
      expect((await call(viewer, 'GET', '/api/v1/lots?kind=garage')).statusCode).toBe(400);
    });

    it('exports the filtered lots as .xlsx with Chinese headers', async () => {
      const res = await call(viewer, 'GET', '/api/v1/lots/export?districtCode=320602&q=NT');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('spreadsheetml');
      expect(res.headers['content-disposition']).toContain("filename*=UTF-8''");
      const rows = await xlsxRows(res.rawPayload);
      expect(rows[0]!.slice(0, 6)).toEqual(['编码', '名称', '县市区', '类型', '类别', '总泊位']);
      expect(rows).toHaveLength(2);
      expect(rows[1]!.slice(0, 6)).toEqual(['NT-CC-0001', '南通大学附属医院停车场', '崇川区', '场库', '医院', 900]);
    });
  });

  describe('district scope', () => {
    it('hides other districts from a district user and refuses writes there', async () => {
      expect(await errorOf(call(cc, 'GET', '/api/v1/lots/TZ-R-01'))).toEqual({ status: 404, code: 'NOT_FOUND' });
      expect(await errorOf(call(cc, 'PATCH', '/api/v1/lots/TZ-R-01', { totalSpaces: 1 }))).toEqual({ status: 404, code: 'NOT_FOUND' });
      expect(await errorOf(call(cc, 'GET', '/api/v1/lots/TZ-R-01/berths'))).toEqual({ status: 404, code: 'NOT_FOUND' });
      expect(await errorOf(create(cc, { code: 'CC-TRY-TZ', districtCode: '320612' }))).toEqual({ status: 403, code: 'DISTRICT_FORBIDDEN' });
      expect(await errorOf(call(cc, 'PATCH', '/api/v1/lots/NT-CC-0001', { districtCode: '320612' }))).toEqual({ status: 403, code: 'DISTRICT_FORBIDDEN' });

      const list = (await call(cc, 'GET', '/api/v1/lots')).json();
      expect(list.items.map((l: { districtCode: string }) => l.districtCode)).not.toContain('320612');
      expect(list.total).toBe(4);
      expect((await call(cc, 'GET', '/api/v1/lots?districtCode=320612')).json()).toEqual({ items: [], total: 0 });
      const exported = await xlsxRows((await call(cc, 'GET', '/api/v1/lots/export')).rawPayload);
      expect(exported.map((r) => r[0])).not.toContain('TZ-R-01');
      expect(exported).toHaveLength(5);
      const districts = (await call(cc, 'GET', '/api/v1/districts')).json().items;
      expect(districts.find((d: { code: string }) => d.code === '320612').lotCount).toBe(0);

      const own = await create(cc, { code: 'CC-OWN-1', name: '崇川区自建停车场' });
      expect(own.statusCode).toBe(201);
      expect((await call(cc, 'PATCH', '/api/v1/lots/CC-OWN-1', { totalSpaces: 7 })).json().totalSpaces).toBe(7);
    });
  });

  describe('berths', () => {
    it('manages berths of on-street lots only', async () => {
      expect(await errorOf(call(admin, 'GET', '/api/v1/lots/NT-CC-0001/berths'))).toEqual({ status: 400, code: 'NOT_ON_STREET' });
      expect(await errorOf(call(admin, 'POST', '/api/v1/lots/NT-CC-0001/berths', { code: '1' }))).toEqual({ status: 400, code: 'NOT_ON_STREET' });

      const one = await call(admin, 'POST', '/api/v1/lots/TZ-R-01/berths', { code: 'JSL-00', lng: 121.0701, lat: 32.0900, coordSystem: 'wgs84' });
      expect(one.statusCode).toBe(201);
      expect(one.json()).toMatchObject({ code: 'JSL-00', status: 'active' });
      expect(one.json().lng).toBeGreaterThan(121.0701);
      expect(await errorOf(call(admin, 'POST', '/api/v1/lots/TZ-R-01/berths', { code: 'JSL-00' }))).toEqual({ status: 409, code: 'DUPLICATE' });
      expect(await errorOf(call(admin, 'POST', '/api/v1/lots/TZ-R-01/berths', { code: 'X1', lng: 121 }))).toEqual({ status: 400, code: 'INVALID_COORDINATES' });

      const bulk = await call(admin, 'POST', '/api/v1/lots/TZ-R-01/berths/bulk', { prefix: 'JSL-', from: 0, to: 12 });
      expect(bulk.statusCode).toBe(201);
      expect(bulk.json()).toMatchObject({ created: 12, skipped: ['JSL-00'] });
      const listed = await call(admin, 'POST', '/api/v1/lots/TZ-R-01/berths/bulk', { codes: ['A1', 'A2', 'JSL-01'] });
      expect(listed.json()).toMatchObject({ created: 2, skipped: ['JSL-01'] });
      expect(await errorOf(call(admin, 'POST', '/api/v1/lots/TZ-R-01/berths/bulk', { from: 5, to: 1 }))).toEqual({ status: 400, code: 'INVALID_RANGE' });
      expect(await errorOf(call(admin, 'POST', '/api/v1/lots/TZ-R-01/berths/bulk', { from: 1, to: 5000 }))).toEqual({ status: 400, code: 'INVALID_RANGE' });

      const berths = (await call(viewer, 'GET', '/api/v1/lots/TZ-R-01/berths')).json().items;
      expect(berths).toHaveLength(15);
      expect(berths[0]).toEqual({ code: 'A1', status: 'active', lng: null, lat: null });
      expect((await call(viewer, 'GET', '/api/v1/lots/TZ-R-01')).json().berthCount).toBe(15);

      expect((await call(admin, 'PATCH', '/api/v1/lots/TZ-R-01/berths/A1', { status: 'disabled' })).json().status).toBe('disabled');
      expect((await call(admin, 'DELETE', '/api/v1/lots/TZ-R-01/berths/A2')).statusCode).toBe(204);
      expect(await errorOf(call(admin, 'DELETE', '/api/v1/lots/TZ-R-01/berths/A2'))).toEqual({ status: 404, code: 'NOT_FOUND' });
      expect(await errorOf(call(cc, 'DELETE', '/api/v1/lots/TZ-R-01/berths/A1'))).toEqual({ status: 404, code: 'NOT_FOUND' });
      expect(await errorOf(call(admin, 'PATCH', '/api/v1/lots/TZ-R-01', { kind: 'off_street' }))).toEqual({ status: 400, code: 'HAS_BERTHS' });

      const actions = (await env.ctx.db.selectFrom('audit_log').select('action').where('action', 'like', 'berth.%').orderBy('id').execute()).map((a) => a.action);
      expect(actions).toEqual(['berth.create', 'berth.bulk_create', 'berth.bulk_create', 'berth.update', 'berth.delete']);
    });
  });
});
