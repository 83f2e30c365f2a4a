import http from 'node:http';
import type { AddressInfo } from 'node:net';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from '../../../test/support/ingest.js';

/*
 * 我的停车与欠费 end to end (docs/公众服务接口.md): codes go through the real HTTP SMS sender to a
 * gateway on 127.0.0.1; records arrive through the signed ingest API. The clock stands at
 * 2026-11-25 10:00 Shanghai.
 */

interface Sms { phone: string; template: string; params: { code: string; minutes: number }; text: string; auth: string | undefined }

describeDb('public service: citizen verification, my records and arrears, announcements, usage', (backend) => {
  let env: TestEnv;
  let admin: string;
  let src: TestSource;
  let gateway: http.Server;
  let gatewayStatus = 200;
  const sent: Sms[] = [];
  let ipSeq = 0;

  const post = (url: string, payload: object, ip = '198.51.100.7') => env.app.inject({ method: 'POST', url, payload, remoteAddress: ip });
  const lastCode = () => sent.at(-1)!.params.code;
  const verify = async (plate: string, phone: string, ip = `203.0.113.${++ipSeq}`) => {
    const res = await post('/api/v1/public/verifications', { plate, phone }, ip);
    expect(res.statusCode, res.body).toBe(202);
    return res.json().verificationId as string;
  };
  const tokenFor = async (plate: string, phone: string) => {
    const id = await verify(plate, phone);
    const res = await post(`/api/v1/public/verifications/${id}/confirm`, { code: lastCode() });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().token as string;
  };
  const records = (token?: string) => env.app.inject({ method: 'GET', url: '/api/v1/public/records', headers: token ? { authorization: `Bearer ${token}` } : {} });

  beforeAll(async () => {
    gateway = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        if (gatewayStatus === 200) sent.push({ ...(JSON.parse(body) as Omit<Sms, 'auth'>), auth: req.headers.authorization });
        res.writeHead(gatewayStatus, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const port = (gateway.address() as AddressInfo).port;
    env = await createTestEnv(backend, { smsUrl: `http://127.0.0.1:${port}/sms`, smsToken: 'gw-token', outboundAllow: ['127.0.0.1'] });
    admin = await loginToken(env.app);
    src = await createSourceWithLots(env, admin, 'S-CIT', [{ code: 'CIT-1' }, { code: 'CIT-2', districtCode: '320612' }]);
    const at = (s: string) => `2026-${s}:00+08:00`;
    const res = await postEvents(env, src, [
      { type: 'entry', eventId: 'c-e1', occurredAt: at('11-20T08:00'), lotCode: 'CIT-1', plate: '苏F12345' },
      { type: 'exit', eventId: 'c-x1', occurredAt: at('11-20T10:00'), lotCode: 'CIT-1', plate: '苏F12345', entryEventId: 'c-e1', receivableFen: 1200, paidFen: 1200, payChannel: 'wechat' },
      { type: 'entry', eventId: 'c-e2', occurredAt: at('11-21T09:00'), lotCode: 'CIT-2', plate: '苏F12345' },
      { type: 'exit', eventId: 'c-x2', occurredAt: at('11-21T12:30'), lotCode: 'CIT-2', plate: '苏F12345', entryEventId: 'c-e2', receivableFen: 1500, paidFen: 500, payChannel: 'alipay' },
      // Older than 90 days: not a record any more, but its arrears are still owed.
      { type: 'exit', eventId: 'c-x3', occurredAt: at('07-01T12:00'), lotCode: 'CIT-1', plate: '苏F12345', enteredAt: at('07-01T10:00'), receivableFen: 800, paidFen: 0 },
      { type: 'entry', eventId: 'c-e4', occurredAt: at('11-24T18:00'), lotCode: 'CIT-1', plate: '苏F12345' },
      { type: 'entry', eventId: 'o-e1', occurredAt: at('11-22T08:00'), lotCode: 'CIT-1', plate: '苏FA9999' },
    ]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().rejected, res.body).toBe(0);
  });

  afterAll(async () => {
    await env?.close();
    await new Promise((resolve) => gateway?.close(resolve));
  });

  it('answers nothing about a plate without a verified citizen token', async () => {
    const none = await records();
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('CITIZEN_TOKEN_REQUIRED');
    const forged = await records('A'.repeat(43));
    expect(forged.statusCode).toBe(401);
    expect(forged.json().error.code).toBe('CITIZEN_TOKEN_INVALID');
    expect(forged.body).not.toContain('苏F');
  });

  it('sends a code through the SMS gateway, stores only hashes, and gives the same answer with or without records', async () => {
    const before = sent.length;
    const withRecords = await post('/api/v1/public/verifications', { plate: '苏F12345', phone: '138 0000 1111' }, '192.0.2.10');
    const without = await post('/api/v1/public/verifications', { plate: '苏FZ0000', phone: '13800002222' }, '192.0.2.11');
    expect(withRecords.statusCode).toBe(202);
    expect(without.statusCode).toBe(202);
    expect(Object.keys(withRecords.json()).sort()).toEqual(Object.keys(without.json()).sort());
    expect(withRecords.json().phoneMasked).toBe('138****1111');
    expect(sent.length).toBe(before + 2);
    expect(sent[before]).toMatchObject({ phone: '13800001111', template: 'verification', params: { minutes: 5 }, auth: 'Bearer gw-token' });
    expect(sent[before]!.params.code).toMatch(/^\d{6}$/);
    expect(sent[before]!.text).toContain(sent[before]!.params.code);
    const rows = await env.ctx.db.selectFrom('public_verifications').selectAll().execute();
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain('13800001111');
    expect(dump).not.toContain(`"${sent[before]!.params.code}"`);
  });

  it('refuses a bad plate or phone with a code', async () => {
    const plate = await post('/api/v1/public/verifications', { plate: 'hello', phone: '13800001111' });
    expect(plate.statusCode).toBe(400);
    expect(plate.json().error.code).toBe('INVALID_PLATE');
    const phone = await post('/api/v1/public/verifications', { plate: '苏F12345', phone: '0513-8512' });
    expect(phone.statusCode).toBe(400);
    expect(phone.json().error.code).toBe('INVALID_PHONE');
  });

  it('confirms the right code once; wrong codes count down to exhaustion; expired codes fail', async () => {
    const id = await verify('苏F12345', '13900003333');
    const code = lastCode();
    const wrong = code === '000000' ? '000001' : '000000';
    const w = await post(`/api/v1/public/verifications/${id}/confirm`, { code: wrong });
    expect(w.statusCode).toBe(400);
    expect(w.json().error).toMatchObject({ code: 'CODE_WRONG', details: { attemptsLeft: 4 } });
    const ok = await post(`/api/v1/public/verifications/${id}/confirm`, { code });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().plateMasked).toBe('苏F1**45');
    const again = await post(`/api/v1/public/verifications/${id}/confirm`, { code });
    expect(again.json().error.code).toBe('CODE_USED');

    const id2 = await verify('苏F12345', '13900004444');
    const code2 = lastCode();
    const bad = code2 === '111111' ? '222222' : '111111';
    for (let i = 0; i < 5; i++) expect((await post(`/api/v1/public/verifications/${id2}/confirm`, { code: bad })).statusCode).toBe(400);
    const exhausted = await post(`/api/v1/public/verifications/${id2}/confirm`, { code: code2 });
    expect(exhausted.statusCode).toBe(429);
    expect(exhausted.json().error.code).toBe('CODE_ATTEMPTS_EXHAUSTED');

    const id3 = await verify('苏F12345', '13900005555');
    const code3 = lastCode();
    env.clock.advance(5 * 60_000);
    const expired = await post(`/api/v1/public/verifications/${id3}/confirm`, { code: code3 });
    expect(expired.json().error.code).toBe('CODE_EXPIRED');
    env.clock.advance(-5 * 60_000);

    const unknown = await post(`/api/v1/public/verifications/${'x'.repeat(24)}/confirm`, { code: '123456' });
    expect(unknown.statusCode).toBe(404);
  });

  it('shows the verified plate its records of 90 days and its open arrears, and audits the read', async () => {
    const token = await tokenFor('苏F12345', '13700006666');
    const res = await records(token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body.plate).toBe('苏F12345');
    expect(body.records.map((r: { lotCode: string; state: string }) => `${r.lotCode}:${r.state}`)).toEqual(['CIT-1:open', 'CIT-2:closed', 'CIT-1:closed']);
    expect(body.records[1]).toMatchObject({ lotName: '停车场 CIT-2', receivableFen: 1500, paidFen: 500, arrearsFen: 1000, minutes: 210 });
    expect(body.arrears.map((r: { arrearsFen: number }) => r.arrearsFen)).toEqual([1000, 800]);
    expect(body.totalArrearsFen).toBe(1800);
    expect(body.totalArrearsYuan).toBe('18.00');
    expect(JSON.stringify(body)).not.toContain('FA9999');

    const auditRow = await env.ctx.db.selectFrom('audit_log').select(['actor', 'target_id', 'detail', 'ip']).where('action', '=', 'public.records.read').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(auditRow).toMatchObject({ actor: 'citizen:h5', target_id: '苏F1**45' });
    expect(auditRow.detail).toMatchObject({ plate: '苏F12345', records: 3, arrears: 2 });

    env.clock.advance(31 * 60_000);
    const late = await records(token);
    expect(late.statusCode).toBe(401);
    expect(late.json().error.code).toBe('CITIZEN_TOKEN_INVALID');
    env.clock.advance(-31 * 60_000);
  });

  it('limits codes per plate per hour, and says when the gateway is down', async () => {
    for (let i = 0; i < 5; i++) await verify('苏FB7777', `1360000${String(i).padStart(4, '0')}`);
    const sixth = await post('/api/v1/public/verifications', { plate: '苏FB7777', phone: '13600009999' }, '203.0.113.250');
    expect(sixth.statusCode).toBe(429);
    expect(sixth.headers['retry-after']).toBe('3600');
    gatewayStatus = 500;
    const down = await post('/api/v1/public/verifications', { plate: '苏FC8888', phone: '13500001111' }, '203.0.113.251');
    gatewayStatus = 200;
    expect(down.statusCode).toBe(503);
    expect(down.json().error.code).toBe('SMS_UNAVAILABLE');
    const row = await env.ctx.db.selectFrom('public_verifications').select(['sent', 'send_error']).where('plate', '=', '苏FC8888').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ sent: false });
    expect(row.send_error).toContain('HTTP 500');
  });

  it('limits code requests per client address', async () => {
    const ip = '198.18.0.99';
    const answers: number[] = [];
    for (let i = 0; i < 11; i++) answers.push((await post('/api/v1/public/verifications', { plate: `苏FD${String(1000 + i)}`, phone: `1350000${String(2000 + i)}` }, ip)).statusCode);
    expect(answers.slice(0, 10).every((s) => s === 202)).toBe(true);
    expect(answers[10]).toBe(429);
  });

  it('publishes announcements from the console and shows those in force to the public, district users within their district', async () => {
    const district = await userToken(env.app, admin, { username: 'ann-cc', role: 'district', districtCode: '320602' });
    const create = (token: string, payload: object) => env.app.inject({ method: 'POST', url: '/api/v1/public-admin/announcements', headers: bearer(token), payload });
    const city = await create(admin, { kind: 'holiday', title: '元旦假期濠河景区停车提示', body: '建议公共交通出行', startsAt: '2026-11-25T00:00:00+08:00', endsAt: '2026-11-26T00:00:00+08:00' });
    expect(city.statusCode, city.body).toBe(201);
    expect(city.json().state).toBe('active');
    const later = await create(admin, { kind: 'new_lot', title: '新开停车场', body: '', startsAt: '2026-12-01T00:00:00+08:00' });
    expect(later.json().state).toBe('scheduled');
    const own = await create(district, { kind: 'closure', title: '崇川路封闭施工', body: '', districtCode: '320602', startsAt: '2026-11-25T08:00:00+08:00' });
    expect(own.statusCode, own.body).toBe(201);
    const other = await create(district, { kind: 'closure', title: '他区', body: '', districtCode: '320612', startsAt: '2026-11-25T08:00:00+08:00' });
    expect(other.statusCode).toBe(403);
    const cityWide = await create(district, { kind: 'notice', title: '全市', body: '', startsAt: '2026-11-25T08:00:00+08:00' });
    expect(cityWide.statusCode).toBe(403);
    const badRange = await create(admin, { kind: 'notice', title: 'x', body: '', startsAt: '2026-11-25T08:00:00+08:00', endsAt: '2026-11-25T07:00:00+08:00' });
    expect(badRange.json().error.code).toBe('INVALID_RANGE');

    const pub = await env.app.inject({ method: 'GET', url: '/api/v1/public/announcements?district=320612' });
    expect(pub.statusCode).toBe(200);
    expect(pub.json().items.map((a: { title: string }) => a.title)).toEqual(['元旦假期濠河景区停车提示']);
    const all = await env.app.inject({ method: 'GET', url: '/api/v1/public/announcements' });
    expect(all.json().items.map((a: { title: string }) => a.title).sort()).toEqual(['元旦假期濠河景区停车提示', '崇川路封闭施工'].sort());

    const mine = await env.app.inject({ method: 'GET', url: '/api/v1/public-admin/announcements', headers: bearer(district) });
    expect(mine.json().items.map((a: { title: string }) => a.title)).toEqual(['崇川路封闭施工']);
    const del = await env.app.inject({ method: 'DELETE', url: `/api/v1/public-admin/announcements/${city.json().id}`, headers: bearer(district) });
    expect(del.statusCode).toBe(404);
    const audits = await env.ctx.db.selectFrom('audit_log').select('action').where('action', 'like', 'public.announcement.%').execute();
    expect(audits.length).toBe(3);
  });

  it('counts usage per day and exports it as .xlsx', async () => {
    expect((await env.app.inject({ method: 'GET', url: '/api/v1/public/lots/nearby?lng=120.86&lat=32.01', remoteAddress: '192.0.2.200' })).statusCode).toBe(200);
    expect((await env.app.inject({ method: 'GET', url: '/api/v1/public/lots/nearby?lng=120.86&lat=32.01', remoteAddress: '192.0.2.200' })).statusCode).toBe(200);
    const res = await env.app.inject({ method: 'GET', url: '/api/v1/public-admin/usage?from=2026-11-25&to=2026-11-25', headers: bearer(admin) });
    expect(res.statusCode, res.body).toBe(200);
    const u = res.json();
    expect(u.days).toHaveLength(1);
    expect(u.days[0].nearby).toBe(2);
    expect(u.topAreas[0]).toMatchObject({ districtCode: '320602', queries: 2 });
    const sentRows = await env.ctx.db.selectFrom('public_verifications').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(u.verificationsSent).toBe(Number(sentRows.n));
    expect(u.verificationsConfirmed).toBe(2);
    expect(u.verificationSuccessRate).toBeCloseTo(2 / Number(sentRows.n), 4);

    const xlsx = await env.app.inject({ method: 'GET', url: '/api/v1/public-admin/usage?from=2026-11-25&to=2026-11-25&format=xlsx', headers: bearer(admin) });
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-disposition']).toContain('public-usage-2026-11-25-2026-11-25.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const daily = wb.getWorksheet('每日使用量')!;
    expect(daily.getRow(1).getCell(2).value).toBe('附近查询');
    expect(daily.getRow(2).getCell(1).value).toBe('2026-11-25');
    expect(daily.getRow(2).getCell(2).value).toBe(2);
    const bad = await env.app.inject({ method: 'GET', url: '/api/v1/public-admin/usage?from=2026-13-01', headers: bearer(admin) });
    expect(bad.statusCode).toBe(400);
  });
});
