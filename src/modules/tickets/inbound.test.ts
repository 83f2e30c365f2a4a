import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createChannelClient, inbound, walk, type TestClient } from '../../../test/support/tickets.js';
import { signBody, signatureMatches } from '../../platform/signing.js';
import { deliverCallbacks } from './callbacks.js';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A channel's callback endpoint on localhost: answers with the queued statuses, then 200. */
function receiver() {
  const received: Received[] = [];
  const answers: number[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = answers.shift() ?? 200;
      res.end(res.statusCode === 200 ? '{"ok":true}' : 'busy');
    });
  });
  return {
    received,
    answers,
    start: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/zhibo/callback`))),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const COMPLAINT = { externalNo: 'NT12345-0001', category: 'fee_dispute', title: '收费争议', description: '停车 20 分钟被收费', citizenName: '李四', citizenPhone: '13900001111' };

describeDb('tickets inbound API and status callbacks', (backend) => {
  let env: TestEnv;
  let admin: string;
  let ops: string;
  let hotline: TestClient;
  let mini: TestClient;
  const http = receiver();

  beforeAll(async () => {
    env = await createTestEnv(backend, { tokenTtlMinutes: 60 * 24 });
    admin = await loginToken(env.app);
    ops = await userToken(env.app, admin, { username: 'ops1', role: 'ops' });
    const url = await http.start();
    hotline = await createChannelClient(env, admin, { code: 'nt12345', channel: 'hotline_12345', callbackUrl: url });
    mini = await createChannelClient(env, admin, { code: 'wx-mini', channel: 'wechat' });
  });
  afterAll(async () => {
    await http.stop();
    await env.close();
  });

  const rejects = async () => (await env.app.inject({ method: 'GET', url: '/api/v1/tickets/inbound-rejects', headers: bearer(ops) })).json().items as { code: string; clientCode: string }[];

  it('creates a ticket of the client\'s channel and returns the same ticket for a resend', async () => {
    const first = await inbound(env, hotline, COMPLAINT);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ externalNo: 'NT12345-0001', channel: 'hotline_12345', state: 'new', duplicate: false });
    expect(first.json().resolveDueAt).toEqual(expect.any(String));
    const again = await inbound(env, hotline, { ...COMPLAINT, title: '重发的标题' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: first.json().id, ticketNo: first.json().ticketNo, duplicate: true });
    const stored = await env.app.inject({ method: 'GET', url: `/api/v1/tickets/${first.json().id}`, headers: bearer(admin) });
    expect(stored.json()).toMatchObject({ title: '收费争议', clientCode: 'nt12345', citizenPhone: '13900001111', createdBy: 'client:nt12345' });
    const count = await env.ctx.db.selectFrom('tickets').select((eb) => eb.fn.countAll().as('n')).where('external_no', '=', 'NT12345-0001').executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
  });

  it('adopts a ticket staff registered with the same 12345 number, and refuses another client\'s number', async () => {
    const manual = await env.app.inject({ method: 'POST', url: '/api/v1/tickets', headers: bearer(ops), payload: { ...COMPLAINT, channel: 'hotline_12345', externalNo: 'NT-MANUAL-1' } });
    expect(manual.statusCode).toBe(201);
    const pushed = await inbound(env, hotline, { ...COMPLAINT, externalNo: 'NT-MANUAL-1' });
    expect(pushed.statusCode).toBe(200);
    expect(pushed.json()).toMatchObject({ id: manual.json().id, duplicate: true });
    const d = (await env.app.inject({ method: 'GET', url: `/api/v1/tickets/${manual.json().id}`, headers: bearer(admin) })).json();
    expect(d.clientCode).toBe('nt12345');
    expect(d.history.at(-1)).toMatchObject({ kind: 'field', field: 'clientCode', newValue: 'nt12345' });
    const other = await createChannelClient(env, admin, { code: 'nt12345-b', channel: 'hotline_12345' });
    expect((await inbound(env, other, { ...COMPLAINT, externalNo: 'NT-MANUAL-1' })).json().error.code).toBe('EXTERNAL_NO_TAKEN');
  });

  it('refuses unsigned, wrongly signed, expired, unknown and disabled requests before reading them', async () => {
    const before = (await rejects()).length;
    const body = { ...COMPLAINT, externalNo: 'NT-AUTH' };
    expect((await inbound(env, hotline, body, { secret: 'wrong' })).json().error.code).toBe('BAD_SIGNATURE');
    const expired = await inbound(env, hotline, body, { at: new Date(env.clock.now().getTime() - 301_000) });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('SIGNATURE_EXPIRED');
    expect((await inbound(env, hotline, body, { at: new Date(env.clock.now().getTime() - 299_000) })).statusCode).toBe(201);
    expect((await inbound(env, { code: 'nobody', secret: 'x' }, body)).json().error.code).toBe('UNKNOWN_CLIENT');
    const unsigned = await env.app.inject({ method: 'POST', url: '/api/v1/public/tickets/inbound', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    expect(unsigned.statusCode).toBe(401);
    // The body is signed as sent: a changed byte breaks the signature.
    const raw = JSON.stringify(body);
    const ts = String(Math.floor(env.clock.now().getTime() / 1000));
    const tampered = await env.app.inject({
      method: 'POST', url: '/api/v1/public/tickets/inbound',
      headers: { 'content-type': 'application/json', 'x-zhibo-client': hotline.code, 'x-zhibo-timestamp': ts, 'x-zhibo-signature': signBody(hotline.secret, ts, raw) },
      payload: raw.replace('NT-AUTH', 'NT-AUTX'),
    });
    expect(tampered.statusCode).toBe(401);
    await env.app.inject({ method: 'PATCH', url: '/api/v1/tickets/channel-clients/wx-mini', headers: bearer(admin), payload: { enabled: false } });
    expect((await inbound(env, mini, { ...body, externalNo: 'WX-1' })).json().error.code).toBe('CLIENT_DISABLED');
    await env.app.inject({ method: 'PATCH', url: '/api/v1/tickets/channel-clients/wx-mini', headers: bearer(admin), payload: { enabled: true } });
    expect((await rejects()).length).toBe(before); // nothing authenticated was refused
  });

  it('answers bad input from a signed client with 4xx and keeps it in quarantine', async () => {
    const cases: [string, string][] = [
      ['{"externalNo": "NT-BAD-1", ', 'INVALID_JSON'],
      [JSON.stringify({ ...COMPLAINT, externalNo: 'NT-BAD-2', category: 'weather' }), 'INVALID_CATEGORY'],
      [JSON.stringify({ ...COMPLAINT, externalNo: undefined }), 'EXTERNAL_NO_REQUIRED'],
      [JSON.stringify({ ...COMPLAINT, externalNo: 'NT-BAD-3', plate: '不是车牌' }), 'INVALID_PLATE'],
      [JSON.stringify({ ...COMPLAINT, externalNo: 'NT-BAD-4', channel: 'wechat' }), 'CHANNEL_MISMATCH'],
      [JSON.stringify({ ...COMPLAINT, externalNo: 'NT-BAD-5', lotCode: 'NO-SUCH-LOT' }), 'UNKNOWN_LOT'],
      [JSON.stringify([1, 2]), 'INVALID_BODY'],
    ];
    for (const [raw, code] of cases) {
      const res = await inbound(env, hotline, null, { raw });
      expect(res.statusCode, raw).toBe(400);
      expect(res.json().error.code).toBe(code);
    }
    const kept = (await rejects()).slice(0, cases.length).reverse();
    expect(kept.map((r) => r.code)).toEqual(cases.map((c) => c[1]));
    expect(kept.every((r) => r.clientCode === 'nt12345')).toBe(true);
    const row = await env.ctx.db.selectFrom('ticket_inbound_rejects').select('raw_body').where('code', '=', 'INVALID_JSON').executeTakeFirstOrThrow();
    expect(Buffer.from(row.raw_body).toString('utf8')).toBe(cases[0]![0]);
  });

  it('calls the channel back on every state change, signed, in order, retrying after a failure', async () => {
    const created = (await inbound(env, hotline, { ...COMPLAINT, externalNo: 'NT-CB-1' })).json();
    http.received.length = 0;
    http.answers.push(500); // the channel is down for the first attempt
    await walk(env, ops, created.id, [{ to: 'assigned', assignee: 'ops1' }, { to: 'in_progress', note: '内部：先查流水' }]);
    let report = await deliverCallbacks(env.ctx);
    expect(report).toMatchObject({ claimed: 1, sent: 0, retrying: 1 }); // the second is put back behind the first
    expect(http.received).toHaveLength(1);
    expect((await deliverCallbacks(env.ctx)).claimed).toBe(0); // not due before a minute
    env.clock.advance(61_000);
    report = await deliverCallbacks(env.ctx);
    expect(report).toMatchObject({ claimed: 2, sent: 2 });
    expect(http.received).toHaveLength(3);

    for (const r of http.received) {
      expect(r.headers['x-zhibo-client']).toBe('nt12345');
      expect(signatureMatches(hotline.secret, String(r.headers['x-zhibo-timestamp']), r.body, String(r.headers['x-zhibo-signature']))).toBe(true);
    }
    const bodies = http.received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(bodies.map((b) => [b.state, b.previousState])).toEqual([['assigned', 'new'], ['assigned', 'new'], ['in_progress', 'assigned']]);
    expect(bodies[2]).toMatchObject({ event: 'ticket.state_changed', ticketNo: created.ticketNo, externalNo: 'NT-CB-1', channel: 'hotline_12345', note: null });
    expect(bodies[0]!.eventId).toBe(bodies[1]!.eventId); // a retry is the same event
    expect(JSON.stringify(bodies)).not.toContain('13900001111');

    // The result and a public reply reach the channel; an internal note does not.
    await walk(env, ops, created.id, [{ to: 'resolved', note: '已退还 5 元' }]);
    await env.app.inject({ method: 'POST', url: `/api/v1/tickets/${created.id}/comments`, headers: bearer(ops), payload: { visibility: 'internal', body: '内部' } });
    await env.app.inject({ method: 'POST', url: `/api/v1/tickets/${created.id}/comments`, headers: bearer(ops), payload: { visibility: 'public', body: '款项 3 个工作日内到账' } });
    await deliverCallbacks(env.ctx);
    const later = http.received.slice(3).map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(later).toEqual([
      expect.objectContaining({ event: 'ticket.state_changed', state: 'resolved', note: '已退还 5 元', resolution: '已退还 5 元' }),
      expect.objectContaining({ event: 'ticket.replied', state: 'resolved', reply: '款项 3 个工作日内到账' }),
    ]);
    const log = await env.app.inject({ method: 'GET', url: `/api/v1/tickets/${created.id}/callbacks`, headers: bearer(ops) });
    expect(log.json().items.map((c: { status: string; attempts: number }) => [c.status, c.attempts])).toEqual([['sent', 1], ['sent', 1], ['sent', 1], ['sent', 2]]);
  });

  it('takes the citizen\'s answer from the channel: agreed confirms, disagreed reopens', async () => {
    const created = (await inbound(env, hotline, { ...COMPLAINT, externalNo: 'NT-ANS-1' })).json();
    const answer = (body: unknown) => inbound(env, hotline, body, { path: '/api/v1/public/tickets/inbound/answers' });
    expect((await answer({ externalNo: 'NT-ANS-1', accepted: true })).json().error.code).toBe('ILLEGAL_TRANSITION');
    await walk(env, ops, created.id, [{ to: 'assigned', assignee: 'ops1' }, { to: 'in_progress' }, { to: 'resolved' }, { to: 'feedback_given' }]);
    const no = await answer({ externalNo: 'NT-ANS-1', accepted: false, note: '仍未退款' });
    expect(no.json()).toMatchObject({ state: 'reopened', externalNo: 'NT-ANS-1' });
    await walk(env, ops, created.id, [{ to: 'in_progress' }, { to: 'resolved' }, { to: 'feedback_given' }]);
    expect((await answer({ externalNo: 'NT-ANS-1', accepted: true })).json()).toMatchObject({ state: 'confirmed' });
    expect((await answer({ externalNo: 'NOPE', accepted: true })).statusCode).toBe(404);
    const d = (await env.app.inject({ method: 'GET', url: `/api/v1/tickets/${created.id}`, headers: bearer(admin) })).json();
    expect(d).toMatchObject({ state: 'confirmed', reopenCount: 1 });
    expect(d.history.filter((h: { kind: string }) => h.kind === 'transition').slice(-1)[0]).toMatchObject({ actor: 'client:nt12345', toState: 'confirmed' });
  });

  it('shows a client\'s secret once and lets it be rotated', async () => {
    const list = await env.app.inject({ method: 'GET', url: '/api/v1/tickets/channel-clients', headers: bearer(admin) });
    expect(list.body).not.toContain(hotline.secret);
    expect((await env.app.inject({ method: 'GET', url: '/api/v1/tickets/channel-clients', headers: bearer(await userToken(env.app, admin, { username: 'viewer-x', role: 'viewer' })) })).statusCode).toBe(403);
    const rotated = await env.app.inject({ method: 'POST', url: '/api/v1/tickets/channel-clients/wx-mini/rotate-secret', headers: bearer(admin) });
    const secret = rotated.json().secret as string;
    expect((await inbound(env, mini, { ...COMPLAINT, externalNo: 'WX-ROT' })).json().error.code).toBe('BAD_SIGNATURE');
    expect((await inbound(env, { code: 'wx-mini', secret }, { ...COMPLAINT, externalNo: 'WX-ROT' })).statusCode).toBe(201);
    const audit = await env.ctx.db.selectFrom('audit_log').select('detail').where('action', 'like', 'ticket_client.%').execute();
    expect(JSON.stringify(audit)).not.toContain(secret);
  });
});
