import type { FastifyRequest } from 'fastify';
import fastifyRateLimit, { type FastifyRateLimitStore, type FastifyRateLimitStoreCtor, type RateLimitPluginOptions } from '@fastify/rate-limit';
import { can } from './auth/permissions.js';
import type { Clock } from './clock.js';
import type { AppContext } from './context.js';
import { AppError } from './errors.js';
import { actorOf, type App } from './http.js';

/*
 * The per-user limit on plate searches of users without `pii` (docs/architecture.md, "Personal
 * data"): at most `ZHIBO_PLATE_SEARCH_PER_MINUTE` queries a minute that filter by plate, counted
 * together over every route that takes one (parking records and their export, the ticket queue
 * and its export); beyond, 429 RATE_LIMITED with Retry-After. Counted by @fastify/rate-limit in
 * a store of its store interface: by default in memory, on the context's clock; a shared store
 * for several app nodes (e.g. the library's Redis store) is passed as `store` / `redis`.
 */

export const PLATE_SEARCH_WINDOW_MS = 60_000;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * A preHandler that counts the request against the user's plate-search limit when the
     * user has no `pii` and `plateOf` finds a plate filter in it; refuses it with 429 past the limit.
     */
    plateSearchLimit(plateOf: (req: FastifyRequest) => string | null | undefined): (req: FastifyRequest) => Promise<void>;
  }
}

/** Fixed windows per key in memory, on `clock` (so tests move time instead of sleeping). */
export function clockStore(clock: Clock): FastifyRateLimitStoreCtor {
  return class ClockStore implements FastifyRateLimitStore {
    private readonly windows = new Map<string, { start: number; count: number }>();

    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      const now = clock.now().getTime();
      let w = this.windows.get(key);
      if (!w || now - w.start >= timeWindow) {
        if (this.windows.size >= 10_000) {
          for (const [k, old] of this.windows) if (now - old.start >= timeWindow) this.windows.delete(k);
        }
        w = { start: now, count: 0 };
        this.windows.set(key, w);
      }
      w.count += 1;
      callback(null, { current: w.count, ttl: w.start + timeWindow - now });
    }

    child(): FastifyRateLimitStore {
      return new ClockStore();
    }
  };
}

export type PlateSearchStore = Pick<RateLimitPluginOptions, 'store' | 'redis' | 'nameSpace' | 'skipOnError'>;

/** Registers the limiter on the root app and decorates it with `plateSearchLimit`. */
export async function registerPlateSearchLimit(app: App, ctx: AppContext, store: PlateSearchStore = { store: clockStore(ctx.clock) }): Promise<void> {
  await app.register(fastifyRateLimit, { global: false, ...store });
  // One limiter, so that every plate-search route counts against the same budget.
  const limit = app.createRateLimit({
    max: ctx.config.plateSearchPerMinute,
    timeWindow: PLATE_SEARCH_WINDOW_MS,
    keyGenerator: (req) => {
      const actor = actorOf(req);
      return `plate-search:${actor.userId ?? actor.username}`;
    },
  });
  app.decorate('plateSearchLimit', (plateOf: (req: FastifyRequest) => string | null | undefined) => async (req: FastifyRequest) => {
    const plate = plateOf(req);
    if (plate === null || plate === undefined || plate.trim() === '' || can(actorOf(req), 'pii')) return;
    const result = await limit(req);
    if (!result.isAllowed && result.isExceeded) {
      const retry = Math.max(1, result.ttlInSeconds);
      throw new AppError(429, 'RATE_LIMITED', `按车牌查询过于频繁，请 ${retry} 秒后再试 / too many plate searches, retry in ${retry} s`, undefined, { 'retry-after': String(retry) });
    }
  });
}
