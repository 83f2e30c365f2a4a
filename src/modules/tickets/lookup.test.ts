import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken } from '../../../test/support/http.js';
import { LOOKUPS_PER_HOUR } from './lookup.js';

/*
 * 凭工单号查询进度 (lookup.ts): the code goes through the real HTTP SMS sender to a gateway on
 * 127.0.0.1; the answer is the same whether or not the number and phone belong to a ticket.
 * Photos (citizen-photos.ts) go in as real multipart bodies.
 */

/** A multipart/form-data body with one file field. */
function multipart(field: string, name: string, data: Buffer): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----zhibo-test-boundary';
  const head = Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${field}"; filename="${name}"\r\ncontent-type: application/octet-stream\r\n\r\n`);
  return { payload: Buffer.concat([head, data, Buffer.from(`\r\n--${boundary}--\r\n`)]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);

interface Sms { phone: string; params: { code: string }; text: string }

describeDb('public complaints: finding a ticket again by number and phone code, adding photos', (backend) => {
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

  it('takes up to 3 photos by content type and size on a complaint, kept as its attachments', async () => {
    const c = await complain('13512345678');
    const upload = (data: Buffer, name = 'IMG_2026-11-25_南通.png', token = c.token) => {
      const { payload, headers } = multipart('file', name, data);
      return env.app.inject({ method: 'POST', url: `/api/v1/public/complaints/${token}/photos`, payload, headers, remoteAddress: nextIp() });
    };
    const first = await upload(PNG);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ fileName: '市民照片-1.png', contentType: 'image/png', photos: 1 });
    // Judged by content: an HTML page named .jpg is refused; so is a file past 5 MB and an unknown link.
    expect((await upload(Buffer.from('<html><script>alert(1)</script></html>'), 'x.jpg')).json().error.code).toBe('UNSUPPORTED_PHOTO');
    const big = await upload(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(5 * 1024 * 1024)]), 'big.jpg');
    expect([big.statusCode, big.json().error.code]).toEqual([413, 'FILE_TOO_LARGE']);
    expect((await upload(PNG, 'a.png', 'A'.repeat(32))).statusCode).toBe(404);
    expect((await upload(Buffer.concat([Buffer.from('RIFF\0\0\0\0WEBPVP8 '), Buffer.alloc(32)]), 'b.webp')).json().photos).toBe(2);
    expect((await upload(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), 'c.jpg')).json().photos).toBe(3);
    expect((await upload(PNG)).json().error.code).toBe('TOO_MANY_PHOTOS');

    const list = await env.app.inject({ url: `/api/v1/tickets?q=${c.ticketNo}`, headers: bearer(admin) });
    const id = (list.json().items as { id: number }[])[0]!.id;
    const detail = await env.app.inject({ url: `/api/v1/tickets/${id}`, headers: bearer(admin) });
    const photos = (detail.json().attachments as { fileName: string; uploadedBy: string }[]).map((a) => `${a.fileName}:${a.uploadedBy}`);
    expect(photos).toEqual(['市民照片-1.png:citizen:h5', '市民照片-2.webp:citizen:h5', '市民照片-3.jpg:citizen:h5']);
  });
});
