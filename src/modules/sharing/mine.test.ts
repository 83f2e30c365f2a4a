import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken } from '../../../test/support/http.js';
import { createSourceWithLots } from '../../../test/support/ingest.js';

/*
 * 我的共享停车预约 (docs/共享停车接口.md): a citizen proves a plate with the public service's phone
 * code (the code goes through the real HTTP SMS sender to a gateway on 127.0.0.1) and reads that
 * plate's bookings of the last 90 days and later. The clock starts at Wednesday 2026-11-25 10:00
 * Shanghai and is moved by hand.
 */

const sh = (local: string) => new Date(`${local}+08:00`).toISOString();
const DAY = 86_400_000;

describeDb('shared parking: my bookings behind the citizen token', (backend) => {
  let env: TestEnv;
  let admin: string;
  let offerId: number;
  let gateway: http.Server;
  const codes: string[] = [];
  let ip = 0;

  const post = (url: string, payload: object) => env.app.inject({ method: 'POST', url, payload, remoteAddress: `203.0.113.${++ip}` });
  const tokenFor = async (plate: string, phone: string) => {
    const started = await post('/api/v1/public/verifications', { plate, phone });
    expect(started.statusCode, started.body).toBe(202);
    const confirmed = await post(`/api/v1/public/verifications/${started.json().verificationId}/confirm`, { code: codes.at(-1) });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    return confirmed.json().token as string;
  };
  const mine = (authorization?: string) => env.app.inject({ method: 'GET', url: '/api/v1/public/sharing/bookings/mine', headers: authorization ? { authorization } : {} });
  const book = async (plate: string, start: string, end: string) => {
    const res = await post('/api/v1/public/sharing/bookings', { offerId, plate, phone: '13800001111', start, end });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as number;
  };

  beforeAll(async () => {
    gateway = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        codes.push((JSON.parse(body) as { params: { code: string } }).params.code);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const port = (gateway.address() as AddressInfo).port;
    env = await createTestEnv(backend, { smsUrl: `http://127.0.0.1:${port}/sms`, smsToken: 'gw-token', outboundAllow: ['127.0.0.1'], publicRatePerMinute: 10_000 });
    admin = await loginToken(env.app);
    await createSourceWithLots(env, admin, 'MINE', [{ code: 'MINE1' }]);
    const offer = await env.app.inject({
      method: 'POST', url: '/api/v1/sharing/offers', headers: bearer(admin),
      payload: { lotCode: 'MINE1', name: '学校夜间共享', spaces: 5, windows: [{ days: [1, 2, 3, 4, 5, 6, 7], start: '08:00', end: '20:00' }], priceFenPerHour: 200 },
    });
    expect(offer.statusCode, offer.body).toBe(201);
    offerId = offer.json().id;
  });

  afterAll(async () => {
    await env?.close();
    await new Promise((resolve) => gateway?.close(resolve));
  });

  it('answers nothing without a verified citizen token, with the public service\'s codes', async () => {
    await book('苏F55555', sh('2026-11-26T09:00'), sh('2026-11-26T10:00'));
    const none = await mine();
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('CITIZEN_TOKEN_REQUIRED');
    const forged = await mine(`Bearer ${'A'.repeat(43)}`);
    expect(forged.statusCode).toBe(401);
    expect(forged.json().error.code).toBe('CITIZEN_TOKEN_INVALID');
    expect(forged.body).not.toContain('苏F');
  });

  it('lists the verified plate\'s bookings only, newest first, and audits the read', async () => {
    const a1 = await book('苏F12345', sh('2026-11-26T09:00'), sh('2026-11-26T11:00'));
    const a2 = await book('苏f·12345', sh('2026-11-28T14:00'), sh('2026-11-28T15:00'));
    await book('苏F99999', sh('2026-11-27T09:00'), sh('2026-11-27T10:00'));
    const token = await tokenFor('苏F12345', '13900001111');
    const res = await mine(`Bearer ${token}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body).toMatchObject({ plate: '苏F12345', plateMasked: expect.stringContaining('*'), since: new Date(Date.parse('2026-11-25T02:00:00Z') - 90 * DAY).toISOString() });
    expect(body.items.map((b: { id: number }) => b.id)).toEqual([a2, a1]);
    expect(body.items[1]).toMatchObject({ status: 'booked', plate: '苏F12345', phone: '138****1111', feeFen: 400, offerName: '学校夜间共享', lotCode: 'MINE1' });
    expect(body.items[0]).not.toHaveProperty('cancelCode');
    const audit = await env.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'public.sharing.bookings.read').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'citizen:h5', target_type: 'plate' });
  });

  it('reaches back 90 days: an older booking drops out, an expired token is refused', async () => {
    const old = await tokenFor('苏F12345', '13900001111');
    env.clock.advance(100 * DAY);
    const expired = await mine(`Bearer ${old}`);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('CITIZEN_TOKEN_INVALID');
    const start = new Date(env.clock.now().getTime() + DAY);
    start.setUTCHours(1, 0, 0, 0); // 09:00 Shanghai
    const recent = await book('苏F12345', start.toISOString(), new Date(start.getTime() + 3_600_000).toISOString());
    const res = await mine(`Bearer ${await tokenFor('苏F12345', '13900001111')}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items.map((b: { id: number }) => b.id)).toEqual([recent]);
  });
});
