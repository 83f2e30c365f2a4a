import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import { sql } from 'kysely';
import type { AppContext } from './context.js';
import { isDatabaseUnavailable } from './errors.js';

/** This process's name in `job_leases`. */
export const NODE_ID = `${process.pid}-${randomUUID().slice(0, 8)}`;

/**
 * Takes the lease of job `name` for `ttlMs` if it is free, expired, or already ours.
 * One statement, so two app nodes racing for it cannot both win.
 */
export async function takeLease(ctx: AppContext, name: string, ttlMs: number, holder = NODE_ID): Promise<boolean> {
  const now = ctx.clock.now();
  const until = new Date(now.getTime() + ttlMs);
  const result = await sql<{ holder: string }>`
    insert into job_leases (name, holder, leased_until) values (${name}, ${holder}, ${until})
    on conflict (name) do update set holder = excluded.holder, leased_until = excluded.leased_until
      where job_leases.leased_until <= ${now} or job_leases.holder = excluded.holder
    returning holder`.execute(ctx.db);
  return result.rows.length === 1;
}

export async function releaseLease(ctx: AppContext, name: string, holder = NODE_ID): Promise<void> {
  await ctx.db.deleteFrom('job_leases').where('name', '=', name).where('holder', '=', holder).execute();
}

/** Runs `fn` under the job's lease; returns false (and does nothing) when another node holds it. */
export async function runExclusive(ctx: AppContext, name: string, ttlMs: number, fn: () => Promise<void>, holder = NODE_ID): Promise<boolean> {
  if (!(await takeLease(ctx, name, ttlMs, holder))) return false;
  try {
    await fn();
  } finally {
    await releaseLease(ctx, name, holder);
  }
  return true;
}

/**
 * One scheduled run: takes the lease, runs, never throws. While the database is unavailable
 * the run is skipped with a warning and the next tick tries again.
 */
export async function runScheduledJob(ctx: AppContext, name: string, ttlMs: number, fn: () => Promise<void>): Promise<void> {
  try {
    await runExclusive(ctx, name, ttlMs, fn);
  } catch (err) {
    if (isDatabaseUnavailable(err)) {
      ctx.log.warn({ job: name, code: (err as { code?: string }).code, reason: (err as Error).message }, '数据库不可用，任务留待下次执行 / database unavailable, job runs again at its next tick');
    } else {
      ctx.log.error({ err, job: name }, 'job failed');
    }
  }
}

/** Schedules a job on a cron pattern (Shanghai time); each run takes the lease first. */
export function scheduleJob(ctx: AppContext, name: string, pattern: string, ttlMs: number, fn: () => Promise<void>): Cron {
  return new Cron(pattern, { timezone: 'Asia/Shanghai', protect: true, name }, () => runScheduledJob(ctx, name, ttlMs, fn));
}
