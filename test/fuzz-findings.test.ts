import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from './support/backends.js';
import { bearer, loginToken } from './support/http.js';

/*
 * What the route fuzzer (test/api-fuzz.test.ts) found, each pinned by the smallest request that
 * showed it: every answer is a 4xx in the error shape `{ error: { code, message } }`, never a 5xx
 * nor another body (docs/architecture.md, "Testing").
 */
describeDb('route fuzzer findings', (backend) => {
  let env: TestEnv;
  let admin: string;
  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
  });
  afterAll(() => env?.close());

  const send = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT', url: string, payload?: unknown) =>
    env.app.inject({ method, url, headers: bearer(admin), ...(payload === undefined ? {} : { payload: payload as object }) });

  it('a path parameter over the router limit (100 characters) is 414 in the error shape, not Fastify\'s own body', async () => {
    const res = await send('DELETE', `/api/v1/lots/X1/berths/${'x'.repeat(3000)}`);
    expect(res.statusCode).toBe(414);
    expect(res.json()).toEqual({ error: { code: 'URI_TOO_LONG', message: expect.stringContaining('/') } });
  });

  it('a malformed percent-encoding in the path is 400 in the error shape', async () => {
    const res = await send('GET', '/api/v1/lots/%E0%A4%A');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'BAD_URL', message: expect.stringContaining('/') } });
  });
});
