import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';

/**
 * A fixed-window counter per key (the caller's IP) for the public complaint pages. In memory:
 * each app node counts on its own and a restart forgets, which is enough to stop a script
 * filling the queue; a shared limit belongs in the reverse proxy.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly clock: Clock, readonly limit: number, readonly windowMs: number) {}

  hit(key: string): void {
    const now = this.clock.now().getTime();
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      if (this.windows.size > 10_000) this.prune(now);
      this.windows.set(key, { start: now, count: 1 });
      return;
    }
    w.count += 1;
    if (w.count > this.limit) {
      const retry = Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000));
      throw new AppError(429, 'RATE_LIMITED', `操作过于频繁，请 ${retry} 秒后再试 / too many requests, retry in ${retry} s`, undefined, { 'retry-after': String(retry) });
    }
  }

  private prune(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
  }
}
