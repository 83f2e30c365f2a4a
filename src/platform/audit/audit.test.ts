import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { systemActor } from '../auth/permissions.js';
import { recordAudit, verifyAuditChain } from './record.js';

describeDb('audit chain', (backend) => {
  let env: TestEnv;
  let admin: string;
  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    await userToken(env.app, admin, { username: 'auditee', role: 'ops' });
    for (let i = 0; i < 5; i++) {
      await recordAudit(env.ctx.db, env.clock, systemActor(), { action: 'test.write', targetId: i, detail: { n: i, nested: { b: 2, a: [1, 'x'] }, 中文: '崇川区' } });
    }
  });
  afterAll(() => env.close());

  it('verifies an intact chain', async () => {
    const report = await verifyAuditChain(env.ctx.db);
    expect(report.ok).toBe(true);
    expect(report.checked).toBeGreaterThan(7);
    const res = await env.app.inject({ method: 'POST', url: '/api/v1/audit/verify', headers: bearer(admin) });
    expect(res.json()).toMatchObject({ ok: true, firstBroken: null });
  });

  it('refuses updates and deletes through the append-only trigger', async () => {
    await expect(sql`update audit_log set actor = 'x' where id = 1`.execute(env.ctx.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log where id = 1`.execute(env.ctx.db)).rejects.toThrow(/append-only/);
  });

  it('lists newest first with a cursor, for audit:read only', async () => {
    const page = (await env.app.inject({ url: '/api/v1/audit?limit=3', headers: bearer(admin) })).json();
    expect(page.items).toHaveLength(3);
    expect(page.items[0].id).toBeGreaterThan(page.items[2].id);
    const next = (await env.app.inject({ url: `/api/v1/audit?limit=3&cursor=${page.nextCursor}`, headers: bearer(admin) })).json();
    expect(next.items[0].id).toBeLessThan(page.items[2].id);
    const viewer = await userToken(env.app, admin, { username: 'peeker', role: 'viewer' });
    expect((await env.app.inject({ url: '/api/v1/audit', headers: bearer(viewer) })).statusCode).toBe(403);
  });

  it('reports the first edited row when someone bypasses the trigger', async () => {
    const target = await env.ctx.db.selectFrom('audit_log').select('id').where('action', '=', 'test.write').orderBy('id').offset(2).limit(1).executeTakeFirstOrThrow();
    await sql`alter table audit_log disable trigger audit_log_no_update`.execute(env.ctx.db);
    await sql`update audit_log set detail = '{"n": 99}'::jsonb where id = ${target.id}`.execute(env.ctx.db);
    await sql`alter table audit_log enable trigger audit_log_no_update`.execute(env.ctx.db);
    const report = await verifyAuditChain(env.ctx.db);
    expect(report.ok).toBe(false);
    expect(report.firstBroken).toMatchObject({ id: target.id, reason: expect.stringMatching(/edited/) });
  });

  it('reports a removed row as a broken link', async () => {
    const fresh = await createTestEnv(backend);
    try {
      for (let i = 0; i < 3; i++) await recordAudit(fresh.ctx.db, fresh.clock, systemActor(), { action: 'x', targetId: i });
      const rows = await fresh.ctx.db.selectFrom('audit_log').select('id').orderBy('id').execute();
      await sql`alter table audit_log disable trigger audit_log_no_update`.execute(fresh.ctx.db);
      await sql`delete from audit_log where id = ${rows[1]!.id}`.execute(fresh.ctx.db);
      const report = await verifyAuditChain(fresh.ctx.db);
      expect(report.firstBroken).toMatchObject({ id: rows[2]!.id, reason: expect.stringMatching(/removed/) });
    } finally {
      await fresh.close();
    }
  });
});
