import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, ADMIN_PASSWORD, type TestEnv } from '../test/support/backends.js';
import { loadConfig } from './config.js';

/*
 * Client addresses behind a reverse proxy (security review, finding 5): X-Forwarded-For is read
 * only from the proxies listed in ZHIBO_TRUST_PROXY. From anyone else it is ignored, so nobody
 * picks the address the audit log, the sign-in lockout and the complaint limits see.
 */

describeDb('trusted proxies', (backend) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv(backend, { trustProxy: loadConfig({ ZHIBO_TRUST_PROXY: '192.0.2.10, 10.8.0.0/16' }).trustProxy });
  });
  afterAll(() => env.close());

  /** Signs in from `remoteAddress` claiming `forwarded`, and returns the address the audit row recorded. */
  const auditedIp = async (remoteAddress: string, forwarded: string) => {
    const res = await env.app.inject({
      method: 'POST', url: '/api/v1/auth/login', remoteAddress,
      headers: { 'x-forwarded-for': forwarded }, payload: { username: 'admin', password: ADMIN_PASSWORD },
    });
    expect(res.statusCode, res.body).toBe(200);
    const row = await env.ctx.db.selectFrom('audit_log').select('ip').where('action', '=', 'auth.login').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    return row.ip;
  };

  it('keeps the socket address of a peer that is not a listed proxy', async () => {
    expect(await auditedIp('203.0.113.9', '198.51.100.77')).toBe('203.0.113.9');
    expect(await auditedIp('127.0.0.1', '198.51.100.77')).toBe('127.0.0.1');
    expect(await auditedIp('10.9.0.1', '198.51.100.77')).toBe('10.9.0.1');
  });

  it('takes the forwarded client address from a listed proxy, by address or range', async () => {
    expect(await auditedIp('192.0.2.10', '198.51.100.77')).toBe('198.51.100.77');
    expect(await auditedIp('10.8.3.4', '198.51.100.78')).toBe('198.51.100.78');
    // A client's own X-Forwarded-For passed along by our proxy: the address our proxy saw counts.
    expect(await auditedIp('192.0.2.10', '6.6.6.6, 198.51.100.79')).toBe('198.51.100.79');
  });
});

describeDb('no trusted proxy (the default)', (backend) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv(backend, { trustProxy: loadConfig({}).trustProxy });
  });
  afterAll(() => env.close());

  it('ignores X-Forwarded-For from everyone', async () => {
    const res = await env.app.inject({
      method: 'POST', url: '/api/v1/auth/login', remoteAddress: '203.0.113.9',
      headers: { 'x-forwarded-for': '198.51.100.77' }, payload: { username: 'admin', password: ADMIN_PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    const row = await env.ctx.db.selectFrom('audit_log').select('ip').where('action', '=', 'auth.login').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(row.ip).toBe('203.0.113.9');
  });
});
