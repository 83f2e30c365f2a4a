import type { FastifyHelmetOptions } from '@fastify/helmet';
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
