import type { Cron } from 'croner';
import { flagStaleSessions } from './modules/sessions/pairing.js';
import type { AppContext } from './platform/context.js';
import { scheduleJob } from './platform/jobs.js';

/** The periodic jobs of an app node; each takes its lease, so any number of nodes may run this. */
export function startJobs(ctx: AppContext): Cron[] {
  return [
    scheduleJob(ctx, 'sessions.flag-stale', '7 * * * *', 10 * 60_000, async () => {
      const n = await flagStaleSessions(ctx.db, ctx.clock.now(), ctx.config.staleSessionDays);
      if (n) ctx.log.info({ job: 'sessions.flag-stale', flagged: n }, 'stale sessions flagged');
    }),
  ];
}
