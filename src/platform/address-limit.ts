import type { FastifyRequest } from 'fastify';
import { AppError } from './errors.js';
import type { App } from './http.js';

/*
 * A budget per client address, counted by the app's one @fastify/rate-limit (registered in
 * src/app.ts: in memory on the context's clock, or in Redis when ZHIBO_REDIS_URL is set, so that
 * every app node counts against the same budget — decision 0011). The public service, the
 * citizens' complaint pages and the sign-in routes all count through it (docs/等保自查.md).
 */

export interface AddressLimit {
  /** Counts `name`'s budget under this key prefix (one budget per prefix and address). */
  name: string;
  max: number;
  windowMs: number;
}

/** A hook (onRequest or preHandler) that counts the request and refuses it, 429 with Retry-After, past the budget. */
export function addressLimit(app: App, limit: AddressLimit): (req: FastifyRequest) => Promise<void> {
  const check = app.createRateLimit({ max: limit.max, timeWindow: limit.windowMs, keyGenerator: (req) => `${limit.name}:${req.ip}` });
  return async (req) => {
    const result = await check(req);
    if (!result.isAllowed && result.isExceeded) {
      const retry = Math.max(1, result.ttlInSeconds);
      throw new AppError(429, 'RATE_LIMITED', `请求过于频繁，请 ${retry} 秒后再试 / too many requests, retry in ${retry} s`, undefined, { 'retry-after': String(retry) });
    }
  };
}
