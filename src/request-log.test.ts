import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeDb, testConfig, type TestEnv } from '../test/support/backends.js';
import { bearer, loginToken, userToken } from '../test/support/http.js';
import { redactUrl } from './platform/log-redaction.js';
import { createLogger } from './runtime.js';

/*
 * The request log (security review, finding 11): citizens' link tokens travel in the path
 * (/api/v1/public/complaints/<token>, /h5/t/<token>) and searched plates in the query; the
 * process logger must write neither. The logger is the one `zhibo serve` uses, writing here
 * to an array instead of stdout.
 */

describeDb('request log', (backend) => {
  let env: TestEnv;
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });

  beforeAll(async () => {
    env = await createTestEnv(backend, {}, { log: createLogger(testConfig({ logLevel: 'info' }), false, sink) });
  });
  afterAll(() => env.close());

  it('writes neither citizen link tokens nor searched plates, phones or codes', async () => {
    const admin = await loginToken(env.app);
    const viewer = await userToken(env.app, admin, { username: 'viewer1', role: 'viewer' });
    const submitted = await env.app.inject({
      method: 'POST', url: '/api/v1/public/complaints', remoteAddress: '10.9.0.1',
      payload: { category: 'fee_dispute', description: '多收了 5 元', citizenPhone: '13812345678', plate: '苏F12345' },
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    const token = submitted.json().token as string;
    lines.length = 0;

    const requests = [
      () => env.app.inject({ method: 'GET', url: `/api/v1/public/complaints/${token}`, remoteAddress: '10.9.0.1' }),
      () => env.app.inject({ method: 'POST', url: `/api/v1/public/complaints/${token}/answer`, payload: { accepted: true }, remoteAddress: '10.9.0.1' }),
      () => env.app.inject({ method: 'GET', url: `/h5/t/${token}?from=sms`, remoteAddress: '10.9.0.1' }),
      () => env.app.inject({ method: 'GET', url: `/api/v1/sessions?lotCode=L-1&plate=${encodeURIComponent('苏F12345')}`, headers: bearer(viewer) }),
      () => env.app.inject({ method: 'GET', url: `/api/v1/tickets?q=${encodeURIComponent('苏F·12345')}&state=new`, headers: bearer(viewer) }),
      () => env.app.inject({ method: 'GET', url: `/api/v1/sessions/export?PLATE=%E8%8B%8FF12345&token=${token}&code=xyz123&phone=13812345678` }),
    ];
    for (const request of requests) expect((await request()).statusCode).toBeLessThan(500);

    const incoming = lines.map((l) => JSON.parse(l) as { msg?: string; req?: { url?: string } }).filter((l) => l.msg === 'incoming request').map((l) => l.req!.url);
    expect(incoming).toEqual([
      '/api/v1/public/complaints/[redacted]',
      '/api/v1/public/complaints/[redacted]/answer',
      '/h5/t/[redacted]?from=sms',
      '/api/v1/sessions?lotCode=L-1&plate=[redacted]',
      '/api/v1/tickets?q=[redacted]&state=new',
      '/api/v1/sessions/export?PLATE=[redacted]&token=[redacted]&code=[redacted]&phone=[redacted]',
    ]);
    const all = lines.join('\n');
    for (const secret of [token, '苏F12345', encodeURIComponent('苏F'), 'F12345', '13812345678', 'xyz123']) expect(all, secret).not.toContain(secret);
  });
});

describeDb('request log levels', (backend) => {
  const capture = async (level: 'info' | 'debug') => {
    const lines: { level: number; msg: string; req?: { url?: string } }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as (typeof lines)[number]);
        done();
      },
    });
    const env = await createTestEnv(backend, {}, { log: createLogger(testConfig({ logLevel: level }), false, sink) });
    return { env, lines };
  };

  it('logs health probes and the console files at debug, API calls at info', async () => {
    for (const level of ['info', 'debug'] as const) {
      const { env, lines } = await capture(level);
      try {
        lines.length = 0;
        for (const url of ['/api/health', '/assets/index-abc.js', '/overview', '/api/v1/lots']) await env.app.inject({ method: 'GET', url });
        const seen = (lvl: number) => lines.filter((l) => l.level === lvl && l.msg === 'incoming request').map((l) => l.req!.url);
        expect(seen(30)).toEqual(['/api/v1/lots']);
        expect(seen(20)).toEqual(level === 'debug' ? ['/api/health', '/assets/index-abc.js', '/overview'] : []);
      } finally {
        await env.close();
      }
    }
  });
});

describe('redactUrl', () => {
  it('redacts token segments and secret query values, whatever their spelling, and keeps the rest', () => {
    expect(redactUrl('/api/v1/public/complaints')).toBe('/api/v1/public/complaints');
    expect(redactUrl('/api/v1/public/complaints/')).toBe('/api/v1/public/complaints/');
    expect(redactUrl('//API/v1/public//complaints/abc/answer')).toBe('//API/v1/public//complaints/[redacted]/answer');
    expect(redactUrl('/h5/T/abc')).toBe('/h5/T/[redacted]');
    expect(redactUrl('/h5/complaint?from=sms')).toBe('/h5/complaint?from=sms');
    expect(redactUrl('/api/v1/sessions?plate&%70late=x&Phone=1&q=&limit=5&plateColor=blue')).toBe('/api/v1/sessions?plate=[redacted]&%70late=[redacted]&Phone=[redacted]&q=[redacted]&limit=5&plateColor=blue');
    expect(redactUrl('/api/v1/sessions?%E0%A4%A=1&plate=x')).toBe('/api/v1/sessions?%E0%A4%A=1&plate=[redacted]');
  });
});
