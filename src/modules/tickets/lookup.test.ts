import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken } from '../../../test/support/http.js';
import { LOOKUPS_PER_HOUR } from './lookup.js';

/*
 * 凭工单号查询进度 (lookup.ts): the code goes through the real HTTP SMS sender to a gateway on
 * 127.0.0.1; the answer is the same whether or not the number and phone belong to a ticket.
 */

interface Sms { phone: string; params: { code: string }; text: string }

describeDb('public complaints: finding a ticket again by number and phone code', (backend) => {
  let env: TestEnv;
  let admin: string;
  let gateway: http.Server;
  const sent: Sms[] = [];
  let arrived: (() => void) | null = null;
  let ipSeq = 0;
  const nextIp = () => `198.18.0.${++ipSeq}`;
  const post = (url: string, payload: object, ip = nextIp()) => env.app.inject({ method: 'POST', url, payload, remoteAddress: ip });
  /** Resolves once the gateway has received `n` messages (the code is sent in the background). */
  const received = (n: number) => new Promise<void>((resolve) => {
    if (sent.length >= n) return resolve();
    arrived = () => sent.length >= n && resolve();
  });

  beforeAll(async () => {
    gateway = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        sent.push(JSON.parse(body) as Sms);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        arrived?.();
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const port = (gateway.address() as AddressInfo).port;
    env = await createTestEnv(backend, { smsUrl: `http://127.0.0.1:${port}/sms`, outboundAllow: ['127.0.0.1'] });
    admin = await loginToken(env.app);
  });
  afterAll(async () => {
    await env?.close();
    await new Promise((resolve) => gateway?.close(resolve));
  });

  async function complain(phone: string) {
    const res = await post('/api/v1/public/complaints', { category: 'fee_dispute', description: '多收了 5 元', citizenPhone: phone });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { ticketNo: string; token: string; statusUrl: string };
  }

  it('answers alike for a wrong phone or number, sends a code only to the ticket\'s phone, and the code gives a new link', async () => {
    const c = await complain('13912345678');
    const wrongPhone = await post('/api/v1/public/complaints/lookup', { ticketNo: c.ticketNo, phone: '13700000000' });
    const unknownNo = await post('/api/v1/public/complaints/lookup', { ticketNo: 'GD20990101-99999', phone: '13912345678' });
    const right = await post('/api/v1/public/complaints/lookup', { ticketNo: c.ticketNo.toLowerCase(), phone: '139-1234-5678' });
    for (const res of [wrongPhone, unknownNo, right]) {
      expect(res.statusCode, res.body).toBe(202);
      expect(Object.keys(res.json()).sort()).toEqual(['expiresAt', 'lookupId', 'phoneMasked']);
      expect(res.headers['cache-control']).toBe('no-store');
    }
    expect(right.json().phoneMasked).toBe('139****5678');
    await received(1);
    expect(sent).toHaveLength(1); // the two that matched nothing sent nothing
    expect(sent[0]!.phone).toBe('13912345678');
    expect(sent[0]!.text).toContain('投诉工单');
    const code = sent[0]!.params.code;

    // The code of the right phone is no good for the others; a wrong code counts down.
    expect((await post(`/api/v1/public/complaints/lookup/${wrongPhone.json().lookupId}/confirm`, { code })).json().error.code).toBe('CODE_WRONG');
    const wrong = await post(`/api/v1/public/complaints/lookup/${right.json().lookupId}/confirm`, { code: code === '000000' ? '111111' : '000000' });
    expect([wrong.statusCode, wrong.json().error.code]).toEqual([400, 'CODE_WRONG']);

    const ok = await post(`/api/v1/public/complaints/lookup/${right.json().lookupId}/confirm`, { code });
    expect(ok.statusCode, ok.body).toBe(200);
    const receipt = ok.json() as { ticketNo: string; token: string; statusUrl: string };
    expect(receipt.ticketNo).toBe(c.ticketNo);
    expect(receipt.statusUrl).toBe(`/h5/t/${receipt.token}`);
    expect((await env.app.inject({ url: `/api/v1/public/complaints/${receipt.token}` })).json().ticketNo).toBe(c.ticketNo);
    // The old link stops working, and the code is spent.
    expect((await env.app.inject({ url: `/api/v1/public/complaints/${c.token}` })).statusCode).toBe(404);
    expect((await post(`/api/v1/public/complaints/lookup/${right.json().lookupId}/confirm`, { code })).json().error.code).toBe('CODE_USED');
    expect((await post('/api/v1/public/complaints/lookup/nosuchlookup00000000/confirm', { code })).statusCode).toBe(404);

    // Staff see it in the ticket's history and the audit log.
    const list = await env.app.inject({ url: `/api/v1/tickets?q=${c.ticketNo}`, headers: bearer(admin) });
    const id = (list.json().items as { id: number }[])[0]!.id;
    const detail = await env.app.inject({ url: `/api/v1/tickets/${id}`, headers: bearer(admin) });
    expect(JSON.stringify(detail.json())).toContain('凭工单号与手机验证码找回链接');
  });

  it('refuses bad input with 400 and limits lookups per phone with 429', async () => {
    expect((await post('/api/v1/public/complaints/lookup', { ticketNo: '<script>', phone: '13912345678' })).json().error.code).toBe('INVALID_TICKET_NO');
    expect((await post('/api/v1/public/complaints/lookup', { ticketNo: 'GD20261125-00001', phone: '12345' })).json().error.code).toBe('INVALID_PHONE');
    expect((await post('/api/v1/public/complaints/lookup/abcdefghijklmnopqrst/confirm', { code: '12ab56' })).statusCode).toBe(400);
    for (let i = 0; i < LOOKUPS_PER_HOUR; i++) {
      expect((await post('/api/v1/public/complaints/lookup', { ticketNo: `GD20261125-0010${i}`, phone: '13611112222' })).statusCode).toBe(202);
    }
    const refused = await post('/api/v1/public/complaints/lookup', { ticketNo: 'GD20261125-00200', phone: '13611112222' });
    expect([refused.statusCode, refused.json().error.code, refused.headers['retry-after']]).toEqual([429, 'RATE_LIMITED', '3600']);
  });
});
