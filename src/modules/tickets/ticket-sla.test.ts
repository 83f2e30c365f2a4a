import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { newTicket, walk } from '../../../test/support/tickets.js';
import { checkSlaDeadlines } from '../sla/index.js';

/*
 * The ticket clocks on the business calendar (08:30–12:00, 13:30–17:30 Shanghai, working days).
 * Times in comments are Shanghai; 2026-11-25 is a Wednesday, no holiday near.
 */
const WED_1000 = '2026-11-25T02:00:00Z';

describeDb('ticket SLA clocks', (backend) => {
  let env: TestEnv;
  let admin: string;
  let ops: string;

  beforeAll(async () => {
    // The clock moves by days: tokens must outlive it.
    env = await createTestEnv(backend, { tokenTtlMinutes: 60 * 24 * 60 });
    admin = await loginToken(env.app);
    ops = await userToken(env.app, admin, { username: 'ops1', role: 'ops' });
  });
  afterAll(() => env.close());

  const detail = async (id: number) => (await env.app.inject({ method: 'GET', url: `/api/v1/tickets/${id}`, headers: bearer(admin) })).json();
  const item = (d: { sla: { kind: string; id: number }[] }, kind: string) => d.sla.filter((i) => i.kind === kind).sort((a, b) => b.id - a.id)[0] as Record<string, unknown>;
  const ids = async (query: string) => (await env.app.inject({ method: 'GET', url: `/api/v1/tickets?${query}&limit=200`, headers: bearer(admin) })).json().items.map((i: { id: number }) => i.id);

  it('starts response and resolution clocks by priority, 12345 capped by its own deadlines', async () => {
    env.clock.set(WED_1000);
    const normal = await newTicket(env, ops);
    expect(normal.responseDueAt).toBe('2026-11-25T07:30:00.000Z'); // 4 working hours: 15:30
    expect(normal.resolveDueAt).toBe('2026-11-30T02:00:00.000Z'); // 3 working days: Mon 10:00
    const hotline = await newTicket(env, ops, { channel: 'hotline_12345' });
    expect(hotline.responseDueAt).toBe('2026-11-25T03:00:00.000Z'); // 12345: 1 working hour
    expect(hotline.resolveDueAt).toBe('2026-11-30T02:00:00.000Z');
    const low = await newTicket(env, ops, { channel: 'hotline_12345', priority: 'low' });
    expect(low.responseDueAt).toBe('2026-11-25T03:00:00.000Z'); // 12345's hour beats low's working day
    expect(low.resolveDueAt).toBe('2026-12-02T02:00:00.000Z'); // 5 working days either way
    const urgent = await newTicket(env, ops, { priority: 'urgent' });
    expect(urgent.responseDueAt).toBe('2026-11-25T02:30:00.000Z'); // 30 min, 24×7
    expect(urgent.resolveDueAt).toBe('2026-11-25T06:00:00.000Z'); // 4 h, 24×7
    const d = await detail(hotline.id);
    expect(item(d, 'response')).toMatchObject({ policyKey: 'ticket.hotline_12345.response', state: 'running' });
    expect(item(d, 'resolution')).toMatchObject({ policyKey: 'ticket.normal.resolution', state: 'running' });
  });

  it('pauses the resolution clock while waiting for the citizen, resumes it, and completes each clock at its step', async () => {
    env.clock.set(WED_1000);
    const t = await newTicket(env, ops);
    env.clock.set('2026-11-25T02:20:00Z'); // 10:20
    await walk(env, ops, t.id, [{ to: 'assigned', assignee: 'ops1' }]);
    let d = await detail(t.id);
    expect(item(d, 'response').state).toBe('running'); // dispatch is not a response
    await walk(env, ops, t.id, [{ to: 'in_progress' }]);
    d = await detail(t.id);
    expect(item(d, 'response')).toMatchObject({ state: 'met', metAt: '2026-11-25T02:20:00.000Z', late: false });

    env.clock.set('2026-11-26T02:00:00Z'); // Thu 10:00
    d = await walk(env, ops, t.id, [{ to: 'waiting_citizen', note: '请提供缴费记录' }]);
    expect(d).toMatchObject({ slaStatus: 'paused', resolveDueAt: null });
    expect(item(d as never, 'resolution')).toMatchObject({ state: 'paused', pausedSince: '2026-11-26T02:00:00.000Z' });
    expect(await ids('sla=paused')).toContain(t.id);

    env.clock.set('2026-11-27T02:00:00Z'); // Fri 10:00: one working day later
    d = await walk(env, ops, t.id, [{ to: 'in_progress' }]);
    expect(d).toMatchObject({ slaStatus: 'running', resolveDueAt: '2026-12-01T02:00:00.000Z' }); // Mon 10:00 + 1 working day
    expect(item(d as never, 'resolution')).toMatchObject({ state: 'running', pausedMinutes: 450 });

    env.clock.set('2026-11-30T07:00:00Z'); // Mon 15:00
    d = await walk(env, ops, t.id, [{ to: 'resolved', note: '已退款' }]);
    expect(item(d as never, 'resolution')).toMatchObject({ state: 'met', late: false });
    expect(item(d as never, 'feedback')).toMatchObject({ state: 'running', dueAt: '2026-12-01T07:00:00.000Z' }); // 1 working day
    expect(d).toMatchObject({ feedbackDueAt: '2026-12-01T07:00:00.000Z', late: false });

    env.clock.set('2026-11-30T08:00:00Z');
    d = await walk(env, ops, t.id, [{ to: 'feedback_given' }]);
    expect(item(d as never, 'feedback')).toMatchObject({ state: 'met', late: false });
    expect(d).toMatchObject({ slaStatus: 'done' });

    // A reopen starts a new resolution clock at the reopen.
    env.clock.set('2026-12-01T01:00:00Z'); // Tue 09:00
    d = await walk(env, ops, t.id, [{ to: 'reopened', note: '未到账' }]);
    const resolutions = (d as { sla: { kind: string; state: string; startedAt: string }[] }).sla.filter((i) => i.kind === 'resolution');
    expect(resolutions.map((i) => i.state)).toEqual(['met', 'running']);
    expect(resolutions[1]!.startedAt).toBe('2026-12-01T01:00:00.000Z');
  });

  it('lists tickets about to breach and overdue, and records the breach', async () => {
    env.clock.set(WED_1000);
    const t = await newTicket(env, ops, { priority: 'urgent' });
    env.clock.set('2026-11-25T02:20:00Z'); // 20 of 30 minutes
    expect(await ids('sla=warning')).not.toContain(t.id);
    env.clock.set('2026-11-25T02:25:00Z'); // past 80 %
    expect(await ids('sla=warning')).toContain(t.id);
    expect(await ids('sla=overdue')).not.toContain(t.id);
    expect((await detail(t.id)).slaStatus).toBe('warning');
    env.clock.set('2026-11-25T02:31:00Z');
    expect(await ids('sla=overdue')).toContain(t.id);
    expect(await ids('sla=warning')).not.toContain(t.id);
    await checkSlaDeadlines(env.ctx);
    const d = await detail(t.id);
    expect(d).toMatchObject({ slaStatus: 'overdue', late: true });
    expect(item(d, 'response')).toMatchObject({ state: 'breached', breachedAt: '2026-11-25T02:30:00.000Z' });
    const breaches = await env.ctx.db.selectFrom('sla_breaches').select(['kind']).where('subject_type', '=', 'ticket').where('subject_id', '=', String(t.id)).execute();
    expect(breaches.map((b) => b.kind)).toEqual(['response']);
    // Taken up late: the response is met, late.
    const after = await walk(env, ops, t.id, [{ to: 'assigned', assignee: 'ops1' }, { to: 'in_progress' }]);
    expect(item(after as never, 'response')).toMatchObject({ state: 'met', late: true });
  });

  it('a new priority recomputes the open clocks from their start, keeping the waiting time paused', async () => {
    env.clock.set(WED_1000);
    const t = await newTicket(env, ops);
    await walk(env, ops, t.id, [{ to: 'assigned', assignee: 'ops1' }, { to: 'in_progress' }]);
    env.clock.set('2026-11-25T06:00:00Z'); // Wed 14:00
    await walk(env, ops, t.id, [{ to: 'waiting_citizen' }]);
    env.clock.set('2026-11-26T06:00:00Z'); // Thu 14:00: 450 working minutes later
    const d = await walk(env, ops, t.id, [{ to: 'in_progress' }]);
    expect(d.resolveDueAt).toBe('2026-12-01T02:00:00.000Z'); // normal: Mon 10:00 + the day waited
    const res = await env.app.inject({ method: 'PATCH', url: `/api/v1/tickets/${t.id}`, headers: bearer(ops), payload: { priority: 'high' } });
    expect(res.statusCode, res.body).toBe(200);
    // high: 1 working day from Wed 10:00 plus the 450 minutes waited → Fri 10:00.
    expect(res.json()).toMatchObject({ priority: 'high', resolveDueAt: '2026-11-27T02:00:00.000Z', slaStatus: 'running' });
    expect(item(res.json(), 'resolution')).toMatchObject({ policyKey: 'ticket.high.resolution', pausedMinutes: 450, startedAt: '2026-11-25T02:00:00.000Z' });
    expect(item(res.json(), 'response')).toMatchObject({ state: 'met', policyKey: 'ticket.normal.response' });
    expect(res.json().history.at(-1)).toMatchObject({ kind: 'field', field: 'priority', oldValue: 'normal', newValue: 'high' });
  });
});
