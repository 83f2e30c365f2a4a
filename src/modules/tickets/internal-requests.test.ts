import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { newTicket, walk } from '../../../test/support/tickets.js';

/*
 * Internal service requests (issue 20 §5): channel `internal` with the categories 电话咨询、
 * 远程协助、现场指导 only; counted apart in the KPIs. Period 2026-11-25 (Shanghai):
 *   P  phone    fee_dispute      resolved on time
 *   I1 internal remote_assist    resolved on time (60 min)
 *   I2 internal phone_consult    new
 *   I3 internal onsite_guidance  cancelled: left out
 */
describeDb('internal service requests', (backend) => {
  let env: TestEnv;
  let admin: string;
  let ops: string;
  const t: Record<string, { id: number; no: string }> = {};
  const INTERNAL = { channel: 'internal', title: '县市区请求协助', description: '崇川区用户不会批量导入停车场' };

  beforeAll(async () => {
    env = await createTestEnv(backend, { tokenTtlMinutes: 60 * 24 * 7 });
    admin = await loginToken(env.app);
    ops = await userToken(env.app, admin, { username: 'ops1', role: 'ops' });
    env.clock.set('2026-11-25T02:00:00Z');
    t.P = await newTicket(env, ops, { title: 'P' });
    t.I1 = await newTicket(env, ops, { ...INTERNAL, category: 'remote_assist' });
    t.I2 = await newTicket(env, ops, { ...INTERNAL, category: 'phone_consult' });
    t.I3 = await newTicket(env, ops, { ...INTERNAL, category: 'onsite_guidance' });
    const work = [{ to: 'assigned', assignee: 'ops1' }, { to: 'in_progress' }];
    await walk(env, ops, t.P.id, work);
    await walk(env, ops, t.I1.id, work);
    await walk(env, admin, t.I3.id, [{ to: 'cancelled', reason: '重复' }]);
    env.clock.set('2026-11-25T03:00:00Z');
    await walk(env, ops, t.P.id, [{ to: 'resolved' }]);
    await walk(env, ops, t.I1.id, [{ to: 'resolved', note: '已远程演示批量导入' }]);
  });
  afterAll(() => env.close());

  const post = (payload: Record<string, unknown>) => env.app.inject({ method: 'POST', url: '/api/v1/tickets', headers: bearer(ops), payload });

  it('an internal request takes an internal category, and only it does', async () => {
    const detail = (await env.app.inject({ method: 'GET', url: `/api/v1/tickets/${t.I1!.id}`, headers: bearer(ops) })).json();
    expect(detail).toMatchObject({ channel: 'internal', category: 'remote_assist' });
    for (const body of [{ ...INTERNAL, category: 'fee_dispute' }, { channel: 'phone', category: 'remote_assist', title: 'x', description: 'y' }]) {
      const res = await post(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('INVALID_CATEGORY');
    }
    const patch = await env.app.inject({ method: 'PATCH', url: `/api/v1/tickets/${t.I2!.id}`, headers: bearer(ops), payload: { category: 'fee_dispute' } });
    expect(patch.statusCode).toBe(400);
    expect(patch.json().error.code).toBe('INVALID_CATEGORY');
    const ok = await env.app.inject({ method: 'PATCH', url: `/api/v1/tickets/${t.I2!.id}`, headers: bearer(ops), payload: { category: 'onsite_guidance' } });
    expect(ok.statusCode, ok.body).toBe(200);
    await env.app.inject({ method: 'PATCH', url: `/api/v1/tickets/${t.I2!.id}`, headers: bearer(ops), payload: { category: 'phone_consult' } });
  });

  it('the database refuses a citizen category on an internal request', async () => {
    await expect(env.ctx.db.updateTable('tickets').set({ category: 'refund' }).where('id', '=', t.I2!.id).execute()).rejects.toThrow(/tickets_internal_category_check/);
  });

  it('a channel client cannot be internal', async () => {
    const res = await env.app.inject({ method: 'POST', url: '/api/v1/tickets/channel-clients', headers: bearer(admin), payload: { code: 'INNER', name: '内部', channel: 'internal' } });
    expect(res.statusCode).toBe(400);
  });

  it('lists internal requests by channel and counts them apart in the KPIs', async () => {
    const list = (await env.app.inject({ method: 'GET', url: '/api/v1/tickets?channel=internal', headers: bearer(ops) })).json();
    expect(list.items.map((i: { no: string }) => i.no).sort()).toEqual([t.I1!.no, t.I2!.no, t.I3!.no].sort());
    const k = (await env.app.inject({ method: 'GET', url: '/api/v1/tickets/kpis?from=2026-11-25&to=2026-11-25&groupBy=channel', headers: bearer(admin) })).json();
    expect(k).toMatchObject({ total: 1, resolved: 1, onTime: 1, open: 0, cancelled: 0, merged: 0 });
    expect(k.groups.map((g: { key: string }) => g.key)).not.toContain('internal');
    expect(k.internal).toMatchObject({ total: 2, resolved: 1, onTime: 1, onTimeRate: 1, avgHandlingMinutes: 60, open: 1 });
    expect(Object.fromEntries(k.internal.byCategory.map((g: { key: string; label: string; total: number }) => [g.key, [g.label, g.total]]))).toEqual({
      phone_consult: ['电话咨询', 1], remote_assist: ['远程协助', 1], onsite_guidance: ['现场指导', 0],
    });
  });
});
