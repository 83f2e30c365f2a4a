import http from 'node:http';
import type { AddressInfo } from 'node:net';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from '../../../test/support/ingest.js';
import { signedHeaders } from '../../platform/signing.js';

/*
 * 欠费追缴 end to end on both backends: unpaid exits at two lots make one ledger row for the
 * plate; the verified owner gets a bill and pays it through the sandbox channel (signed,
 * encrypted notification → order paid → settled) and the plate leaves the ledger; KPIs;
 * escalation and the lot systems' refusal list; write-off needs a second person. The clock
 * stands at 2026-11-25 10:00 Shanghai.
 */
describeDb('arrears: ledger, citizen pays through the sandbox, escalation, write-offs, KPIs', (backend) => {
  let env: TestEnv;
  let admin: string;
  let bureau: string;
  let src: TestSource;
  let gateway: http.Server;
  const codes: string[] = [];
  const staff = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object, as = admin) => env.app.inject({ method, url, headers: bearer(as), ...(payload ? { payload } : {}) });
  const ledger = async (q = '') => {
    const res = await staff('GET', `/api/v1/arrears/ledger${q}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: { key: number; plate: string; totalFen: number; sessions: number; lots: number; level: string; reasons: string[] }[]; total: number; totalFen: number };
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
    env = await createTestEnv(backend, { smsUrl: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`, outboundAllow: ['127.0.0.1'] });
    admin = await loginToken(env.app);
    bureau = await userToken(env.app, admin, { username: 'bureau1', role: 'bureau' });
    const sandbox = await staff('POST', '/api/v1/payments/channels', { code: 'SANDBOX', kind: 'sandbox' });
    expect(sandbox.statusCode, sandbox.body).toBe(201);
    src = await createSourceWithLots(env, admin, 'S-AR', [{ code: 'AR-1' }, { code: 'AR-2', kind: 'on_street' }]);
    const at = (s: string) => `2026-${s}:00+08:00`;
    const res = await postEvents(env, src, [
      { type: 'entry', eventId: 'e1', occurredAt: at('10-01T08:00'), lotCode: 'AR-1', plate: '苏F12345' },
      { type: 'exit', eventId: 'x1', occurredAt: at('10-01T10:00'), lotCode: 'AR-1', plate: '苏F12345', entryEventId: 'e1', receivableFen: 1200, paidFen: 200 },
      { type: 'entry', eventId: 'e2', occurredAt: at('11-20T09:00'), lotCode: 'AR-2', plate: '苏F12345' },
      { type: 'exit', eventId: 'x2', occurredAt: at('11-20T12:00'), lotCode: 'AR-2', plate: '苏F12345', entryEventId: 'e2', receivableFen: 1500, paidFen: 0 },
      { type: 'entry', eventId: 'e3', occurredAt: at('11-21T09:00'), lotCode: 'AR-1', plate: '苏A00001' },
      { type: 'exit', eventId: 'x3', occurredAt: at('11-21T10:00'), lotCode: 'AR-1', plate: '苏A00001', entryEventId: 'e3', receivableFen: 30000, paidFen: 0 },
      { type: 'entry', eventId: 'e4', occurredAt: at('11-22T09:00'), lotCode: 'AR-1', plate: '苏B00002' },
      { type: 'exit', eventId: 'x4', occurredAt: at('11-22T10:00'), lotCode: 'AR-1', plate: '苏B00002', entryEventId: 'e4', receivableFen: 800, paidFen: 800 },
    ]);
    expect(res.statusCode, res.body).toBe(200);
  });
  afterAll(async () => {
    await env?.close();
    await new Promise((resolve) => gateway?.close(resolve));
  });

  it('lists each plate once over every lot, masked, with its escalation; the detail is whole only with pii and audited', async () => {
    const all = await ledger();
    expect(all.total).toBe(2);
    expect(all.totalFen).toBe(1000 + 1500 + 30000);
    const mine = all.items.find((r) => r.plate === '苏F1**45')!;
    expect(mine).toMatchObject({ totalFen: 2500, sessions: 2, lots: 2, level: 'enforcement', reasons: ['age'] }); // 55 days ≥ 30
    expect(all.items.find((r) => r.plate === '苏A0**01')).toMatchObject({ level: 'enforcement', reasons: ['amount'] }); // ≥ 200 yuan
    expect((await ledger('?plate=苏A00001')).items).toHaveLength(1);
    expect((await ledger('?level=open')).total).toBe(0);
    expect((await ledger('?minFen=2000&maxFen=2500')).items.map((r) => r.totalFen)).toEqual([2500]); // an amount range, both ends included
    expect((await ledger('?lotCode=AR-2')).items[0]).toMatchObject({ totalFen: 1500, sessions: 1 });

    const detail = await staff('GET', `/api/v1/arrears/ledger/${mine.key}`, undefined, bureau);
    expect(detail.statusCode, detail.body).toBe(200);
    expect(detail.json()).toMatchObject({ plate: '苏F12345', totalFen: 2500 });
    expect(detail.json().sessions.map((s: { owedFen: number }) => s.owedFen)).toEqual([1000, 1500]);
    const audited = await env.ctx.db.selectFrom('audit_log').select(['actor', 'target_id']).where('action', '=', 'arrears.read_pii').execute();
    expect(audited).toEqual([{ actor: 'bureau1', target_id: '苏F1**45' }]);
    const viewer = await userToken(env.app, admin, { username: 'viewer1', role: 'viewer' });
    expect((await staff('GET', '/api/v1/arrears/ledger', undefined, viewer)).statusCode).toBe(403);

    const xlsx = await staff('GET', '/api/v1/arrears/ledger/export?sort=oldest');
    expect(xlsx.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('欠费台账')!;
    expect(sheet.getRow(2).getCell(1).value).toBe('苏F12345'); // admin holds pii
    expect(sheet.getRow(2).getCell(4).value).toBe(25);
    expect(sheet.rowCount).toBe(3);
  });

  it('the verified owner pays through the sandbox channel; the paid notification settles the arrears and the plate leaves the ledger', async () => {
    const start = await env.app.inject({ method: 'POST', url: '/api/v1/public/verifications', payload: { plate: '苏F12345', phone: '13800001111' }, remoteAddress: '203.0.113.9' });
    expect(start.statusCode, start.body).toBe(202);
    const confirm = await env.app.inject({ method: 'POST', url: `/api/v1/public/verifications/${start.json().verificationId}/confirm`, payload: { code: codes.at(-1) } });
    const citizen = { authorization: `Bearer ${confirm.json().token}` };
    expect((await env.app.inject({ method: 'POST', url: '/api/v1/public/arrears/bills' })).statusCode).toBe(401);

    const bill = await env.app.inject({ method: 'POST', url: '/api/v1/public/arrears/bills', headers: citizen });
    expect(bill.statusCode, bill.body).toBe(201);
    expect(bill.json()).toMatchObject({ amountFen: 2500, channelKind: 'sandbox', status: 'pending' });
    const again = await env.app.inject({ method: 'POST', url: '/api/v1/public/arrears/bills', headers: citizen });
    expect(again.json().billNo).toBe(bill.json().billNo); // pressing "pay" twice: one order

    const paid = await env.app.inject({ method: 'POST', url: `/api/v1/public/arrears/bills/${bill.json().billNo}/sandbox-pay`, headers: citizen });
    expect(paid.statusCode, paid.body).toBe(200);
    expect(paid.json().status).toBe('paid');
    const tx = await staff('GET', `/api/v1/payments?orderNo=${bill.json().orderNo}`);
    expect(tx.json().items).toHaveLength(1);
    expect(tx.json().items[0]).toMatchObject({ amountFen: 2500, matched: true, channel: 'sandbox' });

    expect((await ledger()).items.map((r) => r.plate)).toEqual(['苏A0**01']);
    const records = await env.app.inject({ method: 'GET', url: '/api/v1/public/records', headers: citizen });
    expect(records.json()).toMatchObject({ totalArrearsFen: 0, arrears: [] });
    expect(records.json().records.every((r: { arrearsFen: number; settled: string | null }) => r.arrearsFen === 0 && r.settled === 'paid')).toBe(true);
    expect((await env.app.inject({ method: 'POST', url: '/api/v1/public/arrears/bills', headers: citizen })).json().error.code).toBe('NO_ARREARS');

    const kpis = await staff('GET', '/api/v1/arrears/kpis?month=2026-11');
    expect(kpis.json()).toMatchObject({ outstandingFen: 30000, outstandingPlates: 1, recoveredFen: 2500, recoveredSessions: 2, writtenOffFen: 0, recoveryRate: 0.0769 });
    expect((await staff('GET', '/api/v1/arrears/kpis?month=2026-10')).json().recoveredFen).toBe(0);
  });

  it('offers the refusal list only to participating lot systems while refusal is on', async () => {
    const read = (code: string, secret: string) => env.app.inject({ method: 'GET', url: '/api/v1/public/arrears/refusals', headers: signedHeaders(code, secret, '', env.clock.now()) });
    expect((await read(src.code, src.secret)).json().error.code).toBe('NOT_PARTICIPATING');
    expect((await read(src.code, 'wrong-secret')).statusCode).toBe(401);
    const put = await staff('PUT', '/api/v1/arrears/settings', { enforceAfterDays: 30, enforceAboveFen: 20000, refusalEnabled: true, refusalSources: [src.code], channelCode: 'SANDBOX' }, bureau);
    expect(put.statusCode, put.body).toBe(200);
    const list = await read(src.code, src.secret);
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().plates).toEqual([{ plate: '苏A00001', owedFen: 30000, since: '2026-11-21T02:00:00.000Z' }]);
    // Raise the amount: the plate is 4 days old, so nobody is listed.
    await staff('PUT', '/api/v1/arrears/settings', { enforceAfterDays: 30, enforceAboveFen: 50000, refusalEnabled: true, refusalSources: [src.code], channelCode: 'SANDBOX' });
    expect((await read(src.code, src.secret)).json().plates).toEqual([]);
    expect((await ledger()).items[0]).toMatchObject({ level: 'open' });
  });

  it('a write-off needs a second person; approval settles and takes the plate off the ledger', async () => {
    const row = (await ledger()).items[0]!;
    const detail = (await staff('GET', `/api/v1/arrears/ledger/${row.key}`)).json() as { sessions: { sessionId: number }[] };
    const req = await staff('POST', '/api/v1/arrears/writeoffs', { key: row.key, sessionIds: detail.sessions.map((s) => s.sessionId), reason: '车辆已报废，无法追缴' }, bureau);
    expect(req.statusCode, req.body).toBe(201);
    const id = req.json().id as number;
    const self = await staff('POST', `/api/v1/arrears/writeoffs/${id}/decision`, { approve: true }, bureau);
    expect(self.statusCode).toBe(409);
    expect(self.json().error.code).toBe('SAME_PERSON');
    expect((await ledger()).total).toBe(1);
    const ok = await staff('POST', `/api/v1/arrears/writeoffs/${id}/decision`, { approve: true, note: '同意' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'approved', decidedBy: 'admin', amountFen: 30000 });
    expect((await staff('POST', `/api/v1/arrears/writeoffs/${id}/decision`, { approve: false })).json().error.code).toBe('NOT_PENDING');
    expect((await ledger()).total).toBe(0);
    expect((await staff('GET', '/api/v1/arrears/kpis?month=2026-11')).json()).toMatchObject({ outstandingFen: 0, writtenOffFen: 30000, recoveryRate: 1 });
    const actions = await env.ctx.db.selectFrom('audit_log').select('action').where('action', 'like', 'arrears.writeoff.%').execute();
    expect(actions.map((a) => a.action).sort()).toEqual(['arrears.writeoff.approve', 'arrears.writeoff.request']);
  });
});
