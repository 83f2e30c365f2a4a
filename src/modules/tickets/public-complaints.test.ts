import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents } from '../../../test/support/ingest.js';
import { walk } from '../../../test/support/tickets.js';
import { PUBLIC_LIMITS } from './routes-public.js';

/* 市民投诉 H5: the public complaint API (no account, token links) and staff regenerating a link. */

describeDb('public complaints', (backend) => {
  let env: TestEnv;
  let admin: string;
  let ops: string;
  let ipSeq = 0;
  // Each test its own caller address, so the per-IP limits of one do not touch another.
  const nextIp = () => `10.0.${Math.floor(++ipSeq / 250)}.${ipSeq % 250}`;

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    ops = await userToken(env.app, admin, { username: 'ops1', role: 'ops' });
  });
  afterAll(() => env.close());

  const COMPLAINT = { category: 'fee_dispute', description: '出场时多收了 5 元', citizenName: '张三', citizenPhone: '138 1234 5678', plate: '苏F·12345' };

  const submit = (payload: unknown, ip = nextIp()) => env.app.inject({ method: 'POST', url: '/api/v1/public/complaints', payload: payload as Record<string, unknown>, remoteAddress: ip });
  const status = (token: string, ip = nextIp()) => env.app.inject({ method: 'GET', url: `/api/v1/public/complaints/${token}`, remoteAddress: ip });
  const answer = (token: string, payload: unknown, ip = nextIp()) => env.app.inject({ method: 'POST', url: `/api/v1/public/complaints/${token}/answer`, payload: payload as Record<string, unknown>, remoteAddress: ip });

  async function complain(extra: Record<string, unknown> = {}) {
    const res = await submit({ ...COMPLAINT, ...extra });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json() as { ticketNo: string; statusUrl: string; token: string };
    const list = await env.app.inject({ method: 'GET', url: `/api/v1/tickets?q=${body.ticketNo}`, headers: bearer(admin) });
    const id = (list.json().items as { id: number; no: string }[]).find((t) => t.no === body.ticketNo)!.id;
    return { ...body, id };
  }

  const toFeedback = (id: number) => walk(env, ops, id, [
    { to: 'assigned', assignee: 'ops1' }, { to: 'in_progress' }, { to: 'resolved', note: '已核实，退还 5 元' }, { to: 'feedback_given', note: '已电话告知' },
  ]);

  it('creates a web ticket without an account and gives the citizen a link that shows its status', async () => {
    const c = await complain();
    expect(c.ticketNo).toMatch(/^GD\d{8}-\d{5}$/);
    expect(c.statusUrl).toBe(`/h5/t/${c.token}`);
    expect(c.token).toMatch(/^[A-Za-z0-9_-]{32}$/);

    const detail = await env.app.inject({ method: 'GET', url: `/api/v1/tickets/${c.id}`, headers: bearer(admin) });
    expect(detail.json()).toMatchObject({ channel: 'web', state: 'new', category: 'fee_dispute', citizenPhone: '13812345678', plate: '苏F12345', createdBy: 'citizen:h5' });
    expect(detail.json().title).toContain('收费争议');

    const s = await status(c.token);
    expect(s.statusCode).toBe(200);
    expect(s.json()).toMatchObject({
      ticketNo: c.ticketNo, state: 'new', category: 'fee_dispute', citizenPhone: '138****5678', citizenName: '张*', publicReplies: [], resolution: null, canRespond: false,
    });
    expect(s.body).not.toContain('13812345678');
    // Only the hash is stored.
    const stored = await env.ctx.db.selectFrom('ticket_citizen_links').selectAll().where('ticket_id', '=', c.id).executeTakeFirstOrThrow();
    expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(c.token);
  });

  it('shows public replies and the result but never internal notes, and lets the citizen confirm once feedback is given', async () => {
    const c = await complain();
    const comment = (visibility: string, body: string) => env.app.inject({ method: 'POST', url: `/api/v1/tickets/${c.id}/comments`, headers: bearer(ops), payload: { visibility, body } });
    expect((await comment('public', '您好，已受理，正在核查。')).statusCode).toBe(201);
    expect((await comment('internal', '内部：车场系统日志待查')).statusCode).toBe(201);
    expect((await answer(c.token, { accepted: true })).json().error.code).toBe('ILLEGAL_TRANSITION'); // not yet
    await toFeedback(c.id);

    const s = (await status(c.token)).json();
    expect(s).toMatchObject({ state: 'feedback_given', resolution: '已核实，退还 5 元', canRespond: true });
    expect(s.publicReplies.map((r: { body: string }) => r.body)).toEqual(['您好，已受理，正在核查。']);
    expect(JSON.stringify(s)).not.toContain('内部');
    expect(JSON.stringify(s)).not.toContain('ops1');

    const ok = await answer(c.token, { accepted: true, note: '谢谢' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ state: 'confirmed', canRespond: false });
    const t = (await env.app.inject({ method: 'GET', url: `/api/v1/tickets/${c.id}`, headers: bearer(admin) })).json();
    expect(t.state).toBe('confirmed');
    expect(t.history.some((h: { actor: string; toState: string | null }) => h.actor === 'citizen:h5' && h.toState === 'confirmed')).toBe(true);

    // Answered: a second answer (either way) is refused.
    const again = await answer(c.token, { accepted: false });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('ILLEGAL_TRANSITION');
  });

  it('reopens the ticket when the citizen rejects the result', async () => {
    const c = await complain({ title: '道闸抬杆慢', category: 'facility_fault' });
    await toFeedback(c.id);
    const res = await answer(c.token, { accepted: false, note: '问题依旧' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ state: 'reopened', canRespond: false, title: '道闸抬杆慢' });
    const t = (await env.app.inject({ method: 'GET', url: `/api/v1/tickets/${c.id}`, headers: bearer(admin) })).json();
    expect(t).toMatchObject({ state: 'reopened', reopenCount: 1 });
  });

  it('answers 404 for unknown and malformed tokens', async () => {
    expect((await status('A'.repeat(32))).statusCode).toBe(404);
    expect((await status('not-a-token')).statusCode).toBe(404);
    const res = await answer('B'.repeat(32), { accepted: true });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });

  it('refuses bad input with 400 and a code, and oversized bodies with 413', async () => {
    const code = async (payload: unknown) => {
      const res = await submit(payload);
      expect(res.statusCode, res.body).toBe(400);
      return res.json().error.code as string;
    };
    expect(await code({ ...COMPLAINT, citizenPhone: '0513-85123456' })).toBe('INVALID_PHONE');
    expect(await code({ ...COMPLAINT, citizenPhone: '12812345678' })).toBe('INVALID_PHONE');
    expect(await code({ ...COMPLAINT, category: 'nonsense' })).toBe('INVALID_CATEGORY');
    expect(await code({ ...COMPLAINT, description: '   ' })).toBe('INVALID_FIELD');
    expect(await code({ ...COMPLAINT, plate: 'ABC' })).toBe('INVALID_PLATE');
    await code({ category: 'other', description: 'x' }); // no phone
    const big = await submit({ ...COMPLAINT, description: 'x'.repeat(20_000) });
    expect(big.statusCode).toBe(413);
    const c = await complain();
    expect((await answer(c.token, { accepted: 'yes' })).statusCode).toBe(400);
    // +86 and dashes as people type them
    const plus = await submit({ ...COMPLAINT, citizenPhone: '+86 139-0000-1111' });
    expect(plus.statusCode).toBe(201);
  });

  it('links a complaint to the citizen\'s parking record (sessionId) of that lot, and refuses one that is unknown or of another lot', async () => {
    const src = await createSourceWithLots(env, admin, 'S-PC', [{ code: 'PC-1' }, { code: 'PC-2' }]);
    const at = env.clock.now().toISOString();
    const ev = await postEvents(env, src, [{ type: 'entry', eventId: 'pc-e1', occurredAt: at, lotCode: 'PC-1', plate: '苏F54321' }]);
    expect(ev.statusCode, ev.body).toBe(200);
    const session = await env.ctx.db.selectFrom('parking_sessions').select('id').where('entry_event_id', '=', 'pc-e1').executeTakeFirstOrThrow();
    const sessionId = Number(session.id);

    const c = await complain({ lotCode: 'PC-1', sessionId, plate: undefined });
    const detail = (await env.app.inject({ method: 'GET', url: `/api/v1/tickets/${c.id}`, headers: bearer(admin) })).json();
    expect(detail).toMatchObject({ lotCode: 'PC-1', sessionId, plate: '苏F54321' });

    const code = async (extra: Record<string, unknown>) => {
      const res = await submit({ ...COMPLAINT, ...extra });
      expect(res.statusCode, res.body).toBe(400);
      return res.json().error.code as string;
    };
    expect(await code({ lotCode: 'PC-2', sessionId })).toBe('SESSION_LOT_MISMATCH');
    expect(await code({ lotCode: 'PC-1', sessionId: 99_999_999 })).toBe('UNKNOWN_SESSION');
    expect(await code({ sessionId })).toBe('SESSION_LOT_MISMATCH'); // the lot must be named with it
    expect(await code({ lotCode: 'PC-1', sessionId: 'abc' })).not.toBe('');
    expect(await code({ lotCode: 'PC-1', sessionId: 1.5 })).not.toBe('');
  });

  it('lets staff regenerate the link (audited): the old link stops working', async () => {
    const c = await complain();
    const viewer = await userToken(env.app, admin, { username: 'viewer1', role: 'viewer' });
    expect((await env.app.inject({ method: 'POST', url: `/api/v1/tickets/${c.id}/citizen-link`, headers: bearer(viewer) })).statusCode).toBe(403);
    const res = await env.app.inject({ method: 'POST', url: `/api/v1/tickets/${c.id}/citizen-link`, headers: bearer(ops) });
    expect(res.statusCode, res.body).toBe(200);
    const { statusUrl, ticketNo } = res.json();
    expect(ticketNo).toBe(c.ticketNo);
    const token = statusUrl.split('/').pop();
    expect(token).not.toBe(c.token);
    expect((await status(c.token)).statusCode).toBe(404);
    expect((await status(token)).json().ticketNo).toBe(c.ticketNo);
    const rows = await env.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'ticket.citizen_link').where('target_id', '=', String(c.id)).execute();
    expect(rows.length).toBe(2); // issued at creation, then regenerated
    expect((await env.app.inject({ method: 'POST', url: '/api/v1/tickets/999999/citizen-link', headers: bearer(ops) })).statusCode).toBe(404);
  });

  it('documents the public routes without security', async () => {
    const doc = (await env.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.paths['/api/v1/public/complaints'].post.security).toEqual([]);
    expect(doc.paths['/api/v1/public/complaints/{token}'].get.security).toEqual([]);
    expect(doc.paths['/api/v1/public/complaints/{token}/answer'].post.security).toEqual([]);
  });

  // Last: it moves the clock past the sessions' lifetime.
  it('limits complaints and calls per IP with 429 RATE_LIMITED until the window passes', async () => {
    const ip = nextIp();
    for (let i = 0; i < PUBLIC_LIMITS.submitPerHour; i++) expect((await submit(COMPLAINT, ip)).statusCode).toBe(201);
    const refused = await submit(COMPLAINT, ip);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await submit(COMPLAINT)).statusCode).toBe(201); // another address is not affected

    const c = await complain();
    const reader = nextIp();
    for (let i = 0; i < PUBLIC_LIMITS.callsPerMinute; i++) expect((await status(c.token, reader)).statusCode).toBe(200);
    expect((await status(c.token, reader)).statusCode).toBe(429);

    env.clock.advance(61 * 60_000);
    expect((await status(c.token, reader)).statusCode).toBe(200);
    expect((await submit(COMPLAINT, ip)).statusCode).toBe(201);
  });
});
