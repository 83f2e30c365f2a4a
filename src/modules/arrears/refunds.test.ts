import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents } from '../../../test/support/ingest.js';
import { systemActor } from '../../platform/auth/permissions.js';
import { createTestChannels, wechatNotify, type TestChannels } from '../../../test/support/payments.js';
import { sandboxRefund } from '../payments/index.js';
import { billForPlate } from './index.js';

/*
 * Refunds reopen arrears (docs/指标口径.md, 欠费追缴) on both backends: a plate owes 10 yuan at
 * AR-1 (October) and 15 yuan at AR-2 (November); its owner pays the bill through the sandbox and
 * the ledger is empty; the sandbox channel then refunds part of the payment with a REFUND.SUCCESS
 * notification encrypted and signed exactly like WeChat Pay's, and the newest session owes the
 * refunded amount again; the same notification replayed changes nothing; the rest refunded in
 * December reopens everything and counts in December's KPIs, not November's. Another plate (9 yuan)
 * pays on a WeChat Pay channel with test keys, twice: the refund of the second payment reopens
 * nothing, a refund of the settling one does. The clock starts at 2026-11-25 10:00 Shanghai.
 */
describeDb('arrears: a refund of a bill payment puts the refunded amount back on the ledger', (backend) => {
  let env: TestEnv;
  let admin: string;
  let gateway: http.Server;
  let citizen: { authorization: string };
  let wx: TestChannels;
  const codes: string[] = [];
  const staff = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => env.app.inject({ method, url, headers: bearer(admin), ...(payload ? { payload } : {}) });
  const ledger = async () => {
    const res = await staff('GET', '/api/v1/arrears/ledger');
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: { key: number; plate: string; totalFen: number; sessions: number; oldestAt: string }[]; total: number; totalFen: number };
  };
  const kpis = async (month: string) => (await staff('GET', `/api/v1/arrears/kpis?month=${month}`)).json() as Record<string, number>;
  const settlementRows = async () => env.ctx.db.selectFrom('arrears_settlements').select(['session_id', 'kind', 'fen']).orderBy('id').execute();

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
    env = await createTestEnv(backend, { smsUrl: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`, outboundAllow: ['127.0.0.1'] });
    admin = await loginToken(env.app);
    expect((await staff('POST', '/api/v1/payments/channels', { code: 'SANDBOX', kind: 'sandbox' })).statusCode).toBe(201);
    wx = await createTestChannels(env.app, admin);
    const src = await createSourceWithLots(env, admin, 'S-RF', [{ code: 'AR-1' }, { code: 'AR-2', kind: 'on_street' }]);
    const at = (s: string) => `2026-${s}:00+08:00`;
    const res = await postEvents(env, src, [
      { type: 'entry', eventId: 'e1', occurredAt: at('10-01T08:00'), lotCode: 'AR-1', plate: '苏F12345' },
      { type: 'exit', eventId: 'x1', occurredAt: at('10-01T10:00'), lotCode: 'AR-1', plate: '苏F12345', entryEventId: 'e1', receivableFen: 1200, paidFen: 200 },
      { type: 'entry', eventId: 'e2', occurredAt: at('11-20T09:00'), lotCode: 'AR-2', plate: '苏F12345' },
      { type: 'exit', eventId: 'x2', occurredAt: at('11-20T12:00'), lotCode: 'AR-2', plate: '苏F12345', entryEventId: 'e2', receivableFen: 1500, paidFen: 0 },
      { type: 'entry', eventId: 'e3', occurredAt: at('11-21T09:00'), lotCode: 'AR-1', plate: '苏A55555' },
      { type: 'exit', eventId: 'x3', occurredAt: at('11-21T10:00'), lotCode: 'AR-1', plate: '苏A55555', entryEventId: 'e3', receivableFen: 900, paidFen: 0 },
    ]);
    expect(res.statusCode, res.body).toBe(200);
    await verify();
  });
  /** The plate's owner verifies it by SMS (again after the token's lifetime). */
  const verify = async () => {
    const start = await env.app.inject({ method: 'POST', url: '/api/v1/public/verifications', payload: { plate: '苏F12345', phone: '13800001111' }, remoteAddress: '203.0.113.9' });
    expect(start.statusCode, start.body).toBe(202);
    const confirm = await env.app.inject({ method: 'POST', url: `/api/v1/public/verifications/${start.json().verificationId}/confirm`, payload: { code: codes.at(-1) } });
    citizen = { authorization: `Bearer ${confirm.json().token}` };
  };
  afterAll(async () => {
    await env?.close();
    await new Promise((resolve) => gateway?.close(resolve));
  });

  const owes = async (plate: string) => (await staff('GET', `/api/v1/arrears/ledger?plate=${encodeURIComponent(plate)}`)).json().totalFen as number;

  it('pay → ledger empty → partial refund → the newest session owes the refunded amount; a replay changes nothing; the rest reopens all', async () => {
    const bill = await env.app.inject({ method: 'POST', url: '/api/v1/public/arrears/bills', headers: citizen });
    expect(bill.statusCode, bill.body).toBe(201);
    const { billNo, orderNo } = bill.json() as { billNo: string; orderNo: string };
    const paid = await env.app.inject({ method: 'POST', url: `/api/v1/public/arrears/bills/${billNo}/sandbox-pay`, headers: citizen });
    expect(paid.json().status).toBe('paid');
    expect(await owes('苏F12345')).toBe(0);
    expect(await kpis('2026-11')).toMatchObject({ outstandingFen: 900, recoveredFen: 2500, refundedFen: 0 });

    // 12 yuan refunded: the November session (15 yuan, the newest) owes 12 again; October's stays settled.
    env.clock.advance(60_000);
    const first = await sandboxRefund(env.ctx, systemActor('test'), orderNo, 1200, '50300000000000000000000000000001');
    expect(first.outcome).toMatchObject({ ok: true, recorded: 1 });
    const afterFirst = await ledger();
    expect(afterFirst).toMatchObject({ total: 2, totalFen: 1200 + 900 });
    afterFirst.items = afterFirst.items.filter((r) => r.plate === '苏F1**45');
    expect(afterFirst.items[0]).toMatchObject({ plate: '苏F1**45', sessions: 1, oldestAt: '2026-11-20T04:00:00.000Z' });
    const detail = (await staff('GET', `/api/v1/arrears/ledger/${afterFirst.items[0]!.key}`)).json() as { totalFen: number; sessions: { lotCode: string; owedFen: number }[]; settlements: { kind: string; fen: number }[] };
    expect(detail.totalFen).toBe(1200);
    expect(detail.sessions.map((s) => [s.lotCode, s.owedFen])).toEqual([['AR-2', 1200]]);
    expect(detail.settlements[0]).toMatchObject({ kind: 'refunded', fen: 1200 }); // newest first
    expect(detail.settlements.map((s) => [s.kind, s.fen]).sort()).toEqual([['paid', 1000], ['paid', 1500], ['refunded', 1200]]);
    expect(await kpis('2026-11')).toMatchObject({ outstandingFen: 1200 + 900, recoveredFen: 1300, refundedFen: 1200, recoveredSessions: 2, recoveryRate: 0.3824 }); // 1300 ÷ (1300 + 2100)
    const records = (await env.app.inject({ method: 'GET', url: '/api/v1/public/records', headers: citizen })).json() as { totalArrearsFen: number; arrears: { lotCode: string; arrearsFen: number }[] };
    expect(records.totalArrearsFen).toBe(1200);
    expect(records.arrears.map((r) => [r.lotCode, r.arrearsFen])).toEqual([['AR-2', 1200]]);
    const audits = await env.ctx.db.selectFrom('audit_log').select(['actor', 'target_id', 'detail']).where('action', '=', 'arrears.refund_reopen').execute();
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actor: 'payments', target_id: billNo });
    expect(JSON.stringify(audits[0]!.detail)).toContain('"unallocatedFen":0');

    // The channel delivers the same refund again (as WeChat Pay retries): answered, nothing changes.
    const replay = await env.app.inject({ method: 'POST', url: '/api/v1/public/payments/SANDBOX/notify', headers: first.notification.headers, payload: first.notification.body });
    expect(replay.statusCode, replay.body).toBe(204);
    expect(await owes('苏F12345')).toBe(1200);
    expect((await settlementRows()).filter((r) => r.kind === 'refunded')).toHaveLength(1);
    expect((await env.ctx.db.selectFrom('audit_log').select('id').where('action', '=', 'arrears.refund_reopen').execute())).toHaveLength(1);
    const tx = (await staff('GET', `/api/v1/payments?orderNo=${orderNo}&kind=refund`)).json().items as unknown[];
    expect(tx).toHaveLength(1);

    // The other 13 yuan in December: 3 more of November's session, then October's 10; November's KPIs keep their figure.
    env.clock.set('2026-12-02T02:00:00Z');
    admin = await loginToken(env.app); // the old sign-in idled out
    const second = await sandboxRefund(env.ctx, systemActor('test'), orderNo, 1300);
    expect(second.outcome).toMatchObject({ ok: true, recorded: 1 });
    expect(await owes('苏F12345')).toBe(2500);
    expect((await ledger()).items.find((r) => r.plate === '苏F1**45')).toMatchObject({ sessions: 2, oldestAt: '2026-10-01T02:00:00.000Z' });
    expect((await staff('GET', `/api/v1/payments/orders/${orderNo}`)).json().status).toBe('refunded');
    expect(await kpis('2026-11')).toMatchObject({ recoveredFen: 1300, refundedFen: 1200 });
    expect(await kpis('2026-12')).toMatchObject({ outstandingFen: 2500 + 900, recoveredFen: -1300, refundedFen: 1300, recoveredSessions: 0, recoveryRate: 0 });

    // Paid again: a new bill of what is owed now settles both sessions once more.
    await verify();
    const again = await env.app.inject({ method: 'POST', url: '/api/v1/public/arrears/bills', headers: citizen });
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json()).toMatchObject({ amountFen: 2500, sessions: [expect.objectContaining({ fen: 1000 }), expect.objectContaining({ fen: 1500 })] });
    await env.app.inject({ method: 'POST', url: `/api/v1/public/arrears/bills/${again.json().billNo}/sandbox-pay`, headers: citizen });
    expect(await owes('苏F12345')).toBe(0);
    expect(await kpis('2026-12')).toMatchObject({ outstandingFen: 900, recoveredFen: 1200, refundedFen: 1300, recoveredSessions: 2 });
  });

  it('a refund of a second (duplicate) payment of the bill reopens nothing; a refund of the settling payment does (WeChat Pay, real keys)', async () => {
    const put = await staff('PUT', '/api/v1/arrears/settings', { enforceAfterDays: 30, enforceAboveFen: 20000, refusalEnabled: false, refusalSources: [], channelCode: 'WX' });
    expect(put.statusCode, put.body).toBe(200);
    const bill = await billForPlate(env.ctx, systemActor('citizen'), '苏A55555');
    expect(bill).toMatchObject({ amountFen: 900, channelCode: 'WX' });
    const at = env.clock.now();
    const send = (t: Parameters<typeof wechatNotify>[3]) => wechatNotify(env.app, wx.wechat, at, t);
    expect(await send({ orderNo: bill.orderNo, transactionId: '4200000000000000000000000001', fen: 900, successTime: '2026-12-02T10:00:00+08:00' })).toBe(204);
    expect(await owes('苏A55555')).toBe(0);
    // The citizen paid twice; the channel refunds the second payment whole: nothing reopens, the order stays paid.
    expect(await send({ orderNo: bill.orderNo, transactionId: '4200000000000000000000000002', fen: 900, successTime: '2026-12-02T10:01:00+08:00' })).toBe(204);
    expect(await send({ orderNo: bill.orderNo, transactionId: '4200000000000000000000000002', fen: 900, successTime: '2026-12-02T10:05:00+08:00', refund: { refundId: '5030000000000000000000000002', refundNo: 'RF-DUP', fen: 900 } })).toBe(204);
    expect(await owes('苏A55555')).toBe(0);
    expect((await staff('GET', `/api/v1/payments/orders/${bill.orderNo}`)).json().status).toBe('paid');
    // 4 yuan of the settling payment: the session owes 4 yuan again.
    expect(await send({ orderNo: bill.orderNo, transactionId: '4200000000000000000000000001', fen: 900, successTime: '2026-12-02T10:06:00+08:00', refund: { refundId: '5030000000000000000000000001', refundNo: 'RF-1', fen: 400 } })).toBe(204);
    expect(await owes('苏A55555')).toBe(400);
  });
});
