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

  it('a payment notification whose body holds NUL is refused in WeChat Pay\'s failure shape and quarantined (was 500: the database refused the text, and that error did not fit the route\'s 4xx schema)', async () => {
    const res = await env.app.inject({ method: 'POST', url: '/api/v1/public/payments/ALI/notify', headers: { 'content-type': 'application/json' }, payload: '{"id":"a\u0000b"}' });
    expect(res.statusCode, res.body).toBe(404);
    expect(res.json()).toEqual({ code: 'FAIL', message: expect.any(String), error: { code: 'UNKNOWN_CHANNEL', message: expect.any(String) } });
    const kept = await env.ctx.db.selectFrom('pay_quarantine').select(['raw_body', 'reason']).where('channel_code', '=', 'ALI').execute();
    expect(kept).toEqual([{ raw_body: '{"id":"a\ufffdb"}', reason: 'UNKNOWN_CHANNEL' }]);
  });

  it('an error raised before the notification handler answers in the channels\' shapes too: WeChat Pay\'s JSON, Alipay\'s text "fail"', async () => {
    const wechat = await env.app.inject({ method: 'POST', url: '/api/v1/public/payments/%00/notify', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(wechat.statusCode, wechat.body).toBe(400);
    expect(wechat.json()).toEqual({ code: 'FAIL', message: expect.any(String), error: { code: 'INVALID_VALUE', message: expect.any(String) } });
    const alipay = await env.app.inject({ method: 'POST', url: '/api/v1/public/payments/%00/notify', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=1' });
    expect(alipay.statusCode, alipay.body).toBe(400);
    expect(alipay.body).toBe('fail');
  });

  it('a malformed percent-encoding in the path is 400 in the error shape', async () => {
    const res = await send('GET', '/api/v1/lots/%E0%A4%A');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'BAD_URL', message: expect.stringContaining('/') } });
  });
});
