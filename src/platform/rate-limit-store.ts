import { Redis } from 'ioredis';
import type { AppContext } from './context.js';
import { clockStore, type PlateSearchStore } from './plate-search.js';

/*
 * Where @fastify/rate-limit keeps its counts (the plate-search limit, the public service's per-IP
 * limit): in memory per app node on the context's clock, or — when ZHIBO_REDIS_URL is set — in
 * that Redis, through the library's own Redis store, so that every app node counts against one
 * budget (docs/architecture.md, "Personal data"; docs/公众服务接口.md, "限流"). Redis that fails
 * mid-request lets the request through (skipOnError) and logs it: a cache outage must not take
 * the public pages down, and the per-node reverse proxy still limits.
 */

export interface RateLimitBackend {
  options: PlateSearchStore;
  kind: 'memory' | 'redis';
  close(): Promise<void>;
}

export const REDIS_NAMESPACE = 'zhibo:rate:';

export function rateLimitBackend(ctx: AppContext): RateLimitBackend {
  const url = ctx.config.redisUrl;
  if (!url) return { options: { store: clockStore(ctx.clock) }, kind: 'memory', close: async () => {} };
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2_000, enableOfflineQueue: true });
  redis.on('error', (err: Error) => ctx.log.warn({ reason: err.message }, '限流 Redis 不可用 / rate-limit Redis unavailable'));
  return {
    options: { redis, nameSpace: REDIS_NAMESPACE, skipOnError: true },
    kind: 'redis',
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
