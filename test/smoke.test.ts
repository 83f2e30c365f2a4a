import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from './support/backends.js';
import { bearer, loginToken } from './support/http.js';

describeDb('smoke', (backend) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv(backend);
  });
  afterAll(() => env.close());

  it('health, login, me, openapi', async () => {
    const health = await env.app.inject({ url: '/api/health' });
    expect(health.json()).toMatchObject({ status: 'ok' });
    const token = await loginToken(env.app);
    const me = await env.app.inject({ url: '/api/v1/auth/me', headers: bearer(token) });
    expect(me.json()).toMatchObject({ username: 'admin', role: 'admin' });
    const doc = await env.app.inject({ url: '/api/openapi.json' });
    expect(doc.statusCode).toBe(200);
    expect(Object.keys(doc.json().paths)).toContain('/api/v1/auth/login');
  });
});
