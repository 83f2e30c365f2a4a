import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { newTicket } from '../../../test/support/tickets.js';

/*
 * The ticket queue's search box takes a plate too (exact, normalised). Without pii that is a
 * plate search like the parking records' (security review, finding 4): audited with who searched
 * which plate, and counted in the same per-user limit as the records' plate searches.
 */

describeDb('tickets: plate search without pii', (backend) => {
  let env: TestEnv;
  let admin: string;
  let ops: string;
  let viewer: string;
  let ticketNo: string;

  const get = (token: string, path: string, qs: Record<string, string>) => env.app.inject({ method: 'GET', url: `${path}?${new URLSearchParams(qs)}`, headers: bearer(token) });
  const audits = () => env.ctx.db.selectFrom('audit_log').select(['actor', 'target_type', 'detail']).where('action', '=', 'ticket.plate_search').orderBy('id').execute();

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    ops = await userToken(env.app, admin, { username: 'ops1', role: 'ops' });
    viewer = await userToken(env.app, admin, { username: 'viewer1', role: 'viewer' });
    ticketNo = (await newTicket(env, ops, { plate: '苏F9X123', title: '多收费' })).no;
    await newTicket(env, ops, { plate: '苏F9X128', title: '识别错误' });
  });
  afterAll(() => env.close());

  it('finds tickets by a whole plate for a viewer, masked, and audits the search; a part of a plate finds nothing', async () => {
    const res = await get(viewer, '/api/v1/tickets', { q: '苏f 9x123' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items.map((t: { plate: string }) => t.plate)).toEqual(['苏F9**23']);
    expect((await get(viewer, '/api/v1/tickets', { q: '苏F9X' })).json().items).toEqual([]);
    const file = await get(viewer, '/api/v1/tickets/export', { q: '苏F9X128' });
    expect(file.statusCode).toBe(200);
    expect((await audits()).map((a) => [a.actor, a.target_type, a.detail])).toEqual([
      ['viewer1', 'ticket', { plate: '苏F9X123', count: 1 }],
      ['viewer1', 'ticket', { plate: '苏F9X128', count: 1, export: 'xlsx' }],
    ]);
    // A search by number or title is no plate search.
    await get(viewer, '/api/v1/tickets', { q: ticketNo });
    expect(await audits()).toHaveLength(2);
  });

  it('counts plate searches of tickets and parking records against one limit per user', async () => {
    const limited = await userToken(env.app, admin, { username: 'viewer2', role: 'viewer' });
    for (let i = 0; i < 15; i++) expect((await get(limited, '/api/v1/sessions', { plate: '苏F9X123' })).statusCode).toBe(200);
    for (let i = 0; i < 15; i++) expect((await get(limited, '/api/v1/tickets', { q: '苏F9X123' })).statusCode).toBe(200);
    for (const res of [await get(limited, '/api/v1/tickets', { q: '苏F9X123' }), await get(limited, '/api/v1/tickets/export', { q: '苏F9X123' })]) {
      expect(res.statusCode).toBe(429);
      expect(res.json().error.code).toBe('RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect((await get(limited, '/api/v1/tickets', { q: ticketNo })).statusCode).toBe(200);
    for (let i = 0; i < 35; i++) expect((await get(ops, '/api/v1/tickets', { q: '苏F9X123' })).statusCode).toBe(200);
  });
});
