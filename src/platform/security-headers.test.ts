import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { hardenCookie } from './security-headers.js';
import { createTestEnv, type TestEnv } from '../../test/support/backends.js';
import { bearer, loginToken } from '../../test/support/http.js';

// Security headers on every kind of response (decision 0006); the browser tests check that the
// console and the API docs run under the policy.

function policy(res: LightMyRequestResponse): Map<string, string> {
  const header = String(res.headers['content-security-policy'] ?? '');
  return new Map(header.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name, ...values] = d.split(/\s+/);
    return [name!, values.join(' ')];
  }));
}

function expectSecurityHeaders(res: LightMyRequestResponse): void {
  const csp = policy(res);
  expect(csp.get('default-src')).toBe("'self'");
  expect(csp.get('script-src')).toBe("'self'"); // no 'unsafe-inline', no 'unsafe-eval'
  expect(csp.get('script-src-attr')).toBe("'none'");
  expect(csp.get('style-src')).toBe("'self' 'unsafe-inline'");
  expect(csp.get('img-src')).toBe("'self' data: blob:");
  expect(csp.get('object-src')).toBe("'none'");
  expect(csp.get('base-uri')).toBe("'self'");
  expect(csp.get('frame-ancestors')).toBe("'none'");
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
}

describe('security headers', () => {
  let env: TestEnv;
  let webDir: string;
  let token: string;

  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'zhibo-web-'));
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>console</title><script type="module" src="/assets/index.js"></script>');
    env = await createTestEnv('pglite', { webDir, publicUrl: 'http://zhibo.intranet' });
    token = await loginToken(env.app);
  });
  afterAll(async () => {
    await env.close();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('are on the console, its client-side routes, the health check, the API (also refused) and the docs', async () => {
    const responses = {
      console: await env.app.inject({ url: '/' }),
      clientRoute: await env.app.inject({ url: '/overview' }),
      health: await env.app.inject({ url: '/api/health' }),
      api: await env.app.inject({ url: '/api/v1/auth/me', headers: bearer(token) }),
      unauthenticated: await env.app.inject({ url: '/api/v1/lots' }),
      unknownApi: await env.app.inject({ url: '/api/nothing-here' }),
      docs: await env.app.inject({ url: '/api/docs/' }),
      // The public routes send the same headers from a fixed set (fixedSecurityHeaders), answers and errors alike.
      publicApi: await env.app.inject({ url: '/api/v1/public/lots/nearby?lng=120.86&lat=32.01' }),
      publicRefused: await env.app.inject({ url: '/api/v1/public/lots/nearby?lng=120.86' }),
    };
    expect(Object.fromEntries(Object.entries(responses).map(([k, r]) => [k, r.statusCode]))).toEqual({
      console: 200, clientRoute: 200, health: 200, api: 200, unauthenticated: 401, unknownApi: 404, docs: 200, publicApi: 200, publicRefused: 400,
    });
    const security = (res: LightMyRequestResponse) => Object.entries(res.headers).filter(([k]) => !['content-type', 'content-length', 'date', 'connection', 'etag', 'cache-control', 'vary'].includes(k));
    expect(security(responses.publicApi)).toEqual(security(responses.health));
    expect(security(responses.publicRefused)).toEqual(security(responses.health));
    expect(responses.console.body).toContain('<title>console</title>');
    for (const res of Object.values(responses)) expectSecurityHeaders(res);
  });

  it('leaves out HSTS and upgrade-insecure-requests when the console is served over http', async () => {
    const res = await env.app.inject({ url: '/api/health' });
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(policy(res).has('upgrade-insecure-requests')).toBe(false);
  });

  it('sends HSTS and upgrade-insecure-requests when ZHIBO_PUBLIC_URL is https', async () => {
    const app = await buildApp({ ...env.ctx, config: { ...env.ctx.config, publicUrl: 'https://zhibo.example.cn' } });
    try {
      const res = await app.inject({ url: '/api/health' });
      expectSecurityHeaders(res);
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
      expect(policy(res).has('upgrade-insecure-requests')).toBe(true);
    } finally {
      await app.close();
    }
  });
});

describe('cookie flags', () => {
  it('hardens any cookie: HttpOnly, SameSite=Strict, Path, and Secure over https; keeps what is set', () => {
    expect(hardenCookie('a=1', false)).toBe('a=1; HttpOnly; SameSite=Strict; Path=/');
    expect(hardenCookie('a=1', true)).toBe('a=1; HttpOnly; SameSite=Strict; Path=/; Secure');
    expect(hardenCookie('a=1; Path=/h5; SameSite=Lax; Secure; HttpOnly', true)).toBe('a=1; Path=/h5; SameSite=Lax; Secure; HttpOnly');
  });
});
