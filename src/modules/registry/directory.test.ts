import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { sourceCredentials, sourceInfo } from './sources.js';

describeDb('registry: districts, operators, sources', (backend) => {
  let env: TestEnv;
  let admin: string;
  let district: string; // district user of 崇川区 320602
  let viewer: string;
  let bureau: string;

  const call = (token: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
    env.app.inject({ method, url, headers: bearer(token), ...(payload === undefined ? {} : { payload: payload as object }) });

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    district = await userToken(env.app, admin, { username: 'cc-staff', role: 'district', districtCode: '320602' });
    viewer = await userToken(env.app, admin, { username: 'viewer1', role: 'viewer' });
    bureau = await userToken(env.app, admin, { username: 'bureau1', role: 'bureau' });
  });
  afterAll(() => env.close());

  it('lists the seeded districts and lets city-level staff add a zone', async () => {
    const list = await call(viewer, 'GET', '/api/v1/districts');
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((d: { code: string }) => d.code)).toEqual(['320602', '320612', '320614', '320623', '320681', '320682', '320685']);
    expect(list.json().items[0]).toEqual({ code: '320602', name: '崇川区', nameEn: 'Chongchuan', kind: 'district', sortOrder: 1, lotCount: 0 });

    const zone = await call(bureau, 'POST', '/api/v1/districts', { code: '320671', name: '南通经济技术开发区', nameEn: 'NETDA', kind: 'zone', sortOrder: 8 });
    expect(zone.statusCode).toBe(201);
    expect(zone.json()).toMatchObject({ code: '320671', kind: 'zone', lotCount: 0 });

    expect((await call(bureau, 'POST', '/api/v1/districts', { code: '320671', name: '重复' })).json().error.code).toBe('DUPLICATE');
    expect((await call(bureau, 'POST', '/api/v1/districts', { code: '999999', name: '崇川区' })).statusCode).toBe(409);
    const bad = await call(bureau, 'POST', '/api/v1/districts', { code: '3206', name: '坏编码' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('INVALID_CODE');
    expect((await call(bureau, 'POST', '/api/v1/districts', { code: '320699', name: 'x', kind: 'city' })).json().error.code).toBe('INVALID_KIND');
    const scoped = await call(district, 'POST', '/api/v1/districts', { code: '320698', name: '某区' });
    expect(scoped.statusCode).toBe(403);
    expect(scoped.json().error.code).toBe('CITY_LEVEL_REQUIRED');
    expect((await call(viewer, 'POST', '/api/v1/districts', { code: '320697', name: '某区' })).statusCode).toBe(403);
  });

  it('creates, reads and updates operators with validation', async () => {
    const made = await call(admin, 'POST', '/api/v1/operators', {
      name: '南通市停车管理有限公司', creditCode: '91320600ma1n2p3q4r', contactName: '陈建华', contactPhone: '0513-85012345', contactEmail: 'ops@ntpark.example.cn',
    });
    expect(made.statusCode).toBe(201);
    const op = made.json();
    expect(op).toMatchObject({ name: '南通市停车管理有限公司', creditCode: '91320600MA1N2P3Q4R', address: null });
    expect((await call(viewer, 'GET', `/api/v1/operators/${op.id}`)).json()).toEqual(op);
    expect((await call(district, 'GET', '/api/v1/operators')).json().items).toHaveLength(1);

    const patched = await call(admin, 'PATCH', `/api/v1/operators/${op.id}`, { contactPhone: '13800001111', remark: '市级平台' });
    expect(patched.json()).toMatchObject({ contactPhone: '13800001111', remark: '市级平台', contactName: '陈建华' });

    expect((await call(admin, 'POST', '/api/v1/operators', { name: '南通市停车管理有限公司' })).statusCode).toBe(409);
    expect((await call(admin, 'POST', '/api/v1/operators', { name: 'X', creditCode: '123' })).json().error.code).toBe('INVALID_CREDIT_CODE');
    expect((await call(admin, 'POST', '/api/v1/operators', { name: 'X', contactEmail: 'nope' })).json().error.code).toBe('INVALID_EMAIL');
    expect((await call(admin, 'POST', '/api/v1/operators', { name: '' })).json().error.code).toBe('INVALID_NAME');
    expect((await call(district, 'POST', '/api/v1/operators', { name: '区属公司' })).json().error.code).toBe('CITY_LEVEL_REQUIRED');
    expect((await call(district, 'PATCH', `/api/v1/operators/${op.id}`, { remark: 'x' })).statusCode).toBe(403);
    expect((await call(admin, 'GET', '/api/v1/operators/9999')).statusCode).toBe(404);
    expect((await call(admin, 'GET', '/api/v1/operators/abc')).json().error.code).toBe('VALIDATION_FAILED');

    const audit = await env.ctx.db.selectFrom('audit_log').select(['action', 'target_id']).where('action', 'like', 'operator.%').orderBy('id').execute();
    expect(audit).toEqual([{ action: 'operator.create', target_id: String(op.id) }, { action: 'operator.update', target_id: String(op.id) }]);
  });

  it('shows a source secret once, rotates it, and never audits or lists it', async () => {
    const op = (await call(admin, 'GET', '/api/v1/operators')).json().items[0];
    const made = await call(admin, 'POST', '/api/v1/sources', { code: 'NT-CITY-PARK', name: '市级停车平台', operatorId: op.id, vendor: '自研' });
    expect(made.statusCode).toBe(201);
    const first = made.json();
    expect(first).toMatchObject({ code: 'NT-CITY-PARK', operatorName: op.name, status: 'active', districtCode: null, lotCount: 0 });
    expect(first.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await sourceCredentials(env.ctx, 'NT-CITY-PARK'))?.secret).toBe(first.secret);

    const listed = await call(admin, 'GET', '/api/v1/sources');
    expect(listed.body).not.toContain(first.secret);
    expect(listed.json().items[0]).not.toHaveProperty('secret');
    expect((await call(admin, 'GET', '/api/v1/sources/NT-CITY-PARK')).json()).not.toHaveProperty('secret');

    env.clock.advance(60_000);
    const rotated = await call(admin, 'POST', '/api/v1/sources/NT-CITY-PARK/rotate-secret');
    expect(rotated.statusCode).toBe(200);
    const second = rotated.json();
    expect(second.secret).not.toBe(first.secret);
    expect(second.secretRotatedAt).toBe(env.clock.now().toISOString());
    expect((await sourceCredentials(env.ctx, 'NT-CITY-PARK'))?.secret).toBe(second.secret);

    const stored = await env.ctx.db.selectFrom('data_sources').select('secret_encrypted').where('code', '=', 'NT-CITY-PARK').executeTakeFirstOrThrow();
    expect(stored.secret_encrypted).not.toContain(second.secret);
    const auditText = JSON.stringify(await env.ctx.db.selectFrom('audit_log').selectAll().execute());
    expect(auditText).toContain('source.rotate_secret');
    expect(auditText).not.toContain(first.secret);
    expect(auditText).not.toContain(second.secret);

    await call(admin, 'PATCH', '/api/v1/sources/NT-CITY-PARK', { status: 'disabled' });
    expect((await sourceCredentials(env.ctx, 'NT-CITY-PARK'))?.status).toBe('disabled');
    expect(await sourceInfo(env.ctx, 'NT-CITY-PARK')).toEqual({ code: 'NT-CITY-PARK', status: 'disabled', districtCode: null });
    expect(await sourceCredentials(env.ctx, 'NOPE')).toBeNull();
  });

  it('validates sources and limits secrets and district visibility', async () => {
    const bad = async (body: object, code: string, status = 400) => {
      const res = await call(admin, 'POST', '/api/v1/sources', body);
      expect(res.statusCode).toBe(status);
      expect(res.json().error.code).toBe(code);
    };
    await bad({ code: 'a b', name: 'x' }, 'INVALID_CODE');
    await bad({ code: 'S-X', name: 'x', operatorId: 999 }, 'UNKNOWN_OPERATOR');
    await bad({ code: 'S-X', name: 'x', districtCode: '320699' }, 'UNKNOWN_DISTRICT');
    await bad({ code: 'NT-CITY-PARK', name: 'x' }, 'DUPLICATE', 409);
    expect((await call(admin, 'PATCH', '/api/v1/sources/NT-CITY-PARK', { status: 'paused' })).json().error.code).toBe('INVALID_STATUS');

    // Bureau staff may edit the registry but not hold signing secrets.
    expect((await call(bureau, 'POST', '/api/v1/sources', { code: 'S-B', name: 'x' })).statusCode).toBe(403);
    expect((await call(district, 'POST', '/api/v1/sources/NT-CITY-PARK/rotate-secret')).statusCode).toBe(403);

    await call(admin, 'POST', '/api/v1/sources', { code: 'TZ-ONSTREET', name: '通州路内', districtCode: '320612' });
    await call(admin, 'POST', '/api/v1/sources', { code: 'CC-ONSTREET', name: '崇川路内', districtCode: '320602' });
    const seen = (await call(district, 'GET', '/api/v1/sources')).json().items.map((s: { code: string }) => s.code);
    expect(seen).toEqual(['CC-ONSTREET', 'NT-CITY-PARK']);
    expect((await call(district, 'GET', '/api/v1/sources/TZ-ONSTREET')).statusCode).toBe(404);
    // District staff may edit their own district's source, not a city-wide one.
    expect((await call(district, 'PATCH', '/api/v1/sources/CC-ONSTREET', { vendor: '捷顺' })).json().vendor).toBe('捷顺');
    expect((await call(district, 'PATCH', '/api/v1/sources/NT-CITY-PARK', { vendor: 'x' })).json().error.code).toBe('DISTRICT_FORBIDDEN');
    expect((await call(district, 'PATCH', '/api/v1/sources/CC-ONSTREET', { districtCode: '320612' })).statusCode).toBe(403);
  });

  it('documents the registry routes in OpenAPI', async () => {
    const doc = (await env.app.inject({ url: '/api/openapi.json' })).json();
    for (const path of ['/api/v1/districts', '/api/v1/operators/{id}', '/api/v1/sources/{code}/rotate-secret', '/api/v1/lots', '/api/v1/lots/{code}', '/api/v1/lots/import', '/api/v1/lots/export', '/api/v1/lots/{code}/berths/bulk']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(doc.paths['/api/v1/lots'].post.tags).toEqual(['registry']);
    expect(Object.keys(doc.paths['/api/v1/lots/import'].post.requestBody.content)).toEqual(['multipart/form-data']);
    expect(Object.keys(doc.paths['/api/v1/lots/export'].get.responses['200'].content)).toEqual(['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']);
  });
});
