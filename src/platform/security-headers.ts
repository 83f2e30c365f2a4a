import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config.js';

/*
 * The security headers of every response (decision 0006): a Content Security Policy under which
 * the console and the API docs run with no inline script, no framing, nosniff, no referrer (the
 * citizen status links carry a token in the path), and HSTS only when the console is reached over
 * https (ZHIBO_PUBLIC_URL).
 */

/** The policy's directives. Styles may be inline: Element Plus and ECharts set style attributes. */
export function cspDirectives(https: boolean): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    ...(https ? { 'upgrade-insecure-requests': [] } : {}),
  };
}

/** Options of @fastify/helmet for this configuration. */
export function securityHeaders(config: Pick<Config, 'publicUrl'>): FastifyHelmetOptions {
  const https = config.publicUrl?.startsWith('https://') ?? false;
  return {
    contentSecurityPolicy: { useDefaults: false, directives: cspDirectives(https) },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    strictTransportSecurity: https ? { maxAge: 365 * 24 * 3600, includeSubDomains: false } : false,
  };
}

/**
 * Cookie flags (decision 0023). The platform sets no cookie of its own — the console's token
 * lives in sessionStorage and travels as a bearer header, so no cookie can carry a session and
 * cross-site requests carry nothing — but any cookie a plugin or a later route sets leaves with
 * HttpOnly, SameSite=Strict, Path=/ unless it names one, and Secure when ZHIBO_PUBLIC_URL is https.
 */
export function hardenCookie(cookie: string, https: boolean): string {
  const parts = cookie.split(';').map((p) => p.trim()).filter(Boolean);
  const has = (name: string) => parts.some((p) => p.toLowerCase().split('=')[0] === name);
  if (!has('httponly')) parts.push('HttpOnly');
  if (!has('samesite')) parts.push('SameSite=Strict');
  if (!has('path')) parts.push('Path=/');
  if (https && !has('secure')) parts.push('Secure');
  return parts.join('; ');
}

/** An onSend hook that hardens every Set-Cookie of a response (see hardenCookie). */
export function cookieFlagsHook(config: Pick<Config, 'publicUrl'>) {
  const https = config.publicUrl?.startsWith('https://') ?? false;
  return async (_req: unknown, reply: { getHeader(name: string): unknown; header(name: string, value: unknown): unknown }, payload: unknown) => {
    const set = reply.getHeader('set-cookie');
    if (set !== undefined) {
      const cookies = (Array.isArray(set) ? set : [set]).map((c) => hardenCookie(String(c), https));
      reply.header('set-cookie', cookies);
    }
    return payload;
  };
}

/** What a response carries whatever the route: not part of the security headers. */
const NOT_SECURITY = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);

/**
 * The same headers from a set worked out once, for the hottest public routes (docs/performance.md,
 * bench:public): @fastify/helmet builds helmet's middleware anew for every request, a tenth of
 * what a cached nearby answer costs. The set is what @fastify/helmet itself sends under
 * `securityHeaders(config)` — asked once of a throwaway instance — so the two cannot drift; a
 * route that uses this sets `helmet: false` and the returned onRequest hook.
 */
export async function fixedSecurityHeaders(config: Pick<Config, 'publicUrl'>): Promise<(req: FastifyRequest, reply: FastifyReply, done: () => void) => void> {
  const probe = Fastify({ logger: false });
  await probe.register(fastifyHelmet, securityHeaders(config));
  probe.get('/', () => '');
  const res = await probe.inject({ url: '/' });
  await probe.close();
  const headers = Object.fromEntries(Object.entries(res.headers).filter(([k]) => !NOT_SECURITY.has(k)).map(([k, v]) => [k, String(v)]));
  return (_req, reply, done) => {
    reply.headers(headers);
    done();
  };
}
