import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import { sql } from 'kysely';
import type { AppContext } from './context.js';
import { isDatabaseUnavailable } from './errors.js';

/** This process's name in `job_leases`. */
export const NODE_ID = `${process.pid}-${randomUUID().slice(0, 8)}`;

/**
 * Takes the lease of job `name` for `ttlMs` if it is free, expired, or already ours — and, with
 * `dueAt`, only if no node has run the job for that scheduled instant or a later one (the row
 * keeps `last_due_at`). One statement, so two app nodes racing for it cannot both win.
 */
export async function takeLease(ctx: AppContext, name: string, ttlMs: number, holder = NODE_ID, dueAt: Date | null = null): Promise<boolean> {
  const now = ctx.clock.now();
  const until = new Date(now.getTime() + ttlMs);
  const result = await sql<{ holder: string }>`
    insert into job_leases (name, holder, leased_until, last_due_at) values (${name}, ${holder}, ${until}, ${dueAt})
    on conflict (name) do update set holder = excluded.holder, leased_until = excluded.leased_until,
      last_due_at = coalesce(excluded.last_due_at, job_leases.last_due_at)
      where (job_leases.leased_until <= ${now} or job_leases.holder = excluded.holder)
        and (excluded.last_due_at is null or job_leases.last_due_at is null or job_leases.last_due_at < excluded.last_due_at)
    returning holder`.execute(ctx.db);
  return result.rows.length === 1;
}

/** Frees the lease now; the row stays, with the scheduled instant it ran for. */
export async function releaseLease(ctx: AppContext, name: string, holder = NODE_ID): Promise<void> {
  await ctx.db.updateTable('job_leases').set({ leased_until: ctx.clock.now() }).where('name', '=', name).where('holder', '=', holder).execute();
}

/**
 * Runs `fn` under the job's lease; returns false (and does nothing) when another node holds it,
 * or, with `dueAt`, when the job already ran for that scheduled instant.
 */
export async function runExclusive(ctx: AppContext, name: string, ttlMs: number, fn: () => Promise<void>, holder = NODE_ID, dueAt: Date | null = null): Promise<boolean> {
  if (!(await takeLease(ctx, name, ttlMs, holder, dueAt))) return false;
  try {
    await fn();
  } finally {
    await releaseLease(ctx, name, holder);
  }
  return true;
}

/** Which node runs, and for which scheduled instant (see `dueInstant`). */
export interface JobRun {
  holder?: string;
  dueAt?: Date | null;
}

/** What a run of a job did, as the job-run sink of the context (`ctx.jobRuns`) hears it. */
export interface JobRunRecord {
  job: string;
  startedAt: Date;
  /** Wall-clock milliseconds the job's function took (measured, not from `ctx.clock`). */
  durationMs: number;
  ok: boolean;
  error: string | null;
}

/**
 * Hears every run of a job that this node actually ran (its lease taken), after it ended. The app
 * root puts the health module's recorder here (src/runtime.ts); a sink's own failure is logged,
 * never the job's.
 */
export type JobRunSink = (ctx: AppContext, run: JobRunRecord) => Promise<void>;

const schedules = new Map<string, string>();

/** The jobs `scheduleJob` registered in this process, by name, with their cron patterns. */
export function scheduledJobs(): ReadonlyMap<string, string> {
  return schedules;
}

/**
 * One scheduled run: takes the lease, runs, never throws. While the database is unavailable
 * the run is skipped with a warning and the next tick tries again. A run that took place is
 * reported to `ctx.jobRuns` (success or failure, with its duration).
 */
export async function runScheduledJob(ctx: AppContext, name: string, ttlMs: number, fn: () => Promise<void>, run: JobRun = {}): Promise<void> {
  let record = null as JobRunRecord | null; // set inside the lease's callback
  try {
    await runExclusive(ctx, name, ttlMs, async () => {
      const startedAt = ctx.clock.now();
      const t0 = performance.now();
      try {
        await fn();
        record = { job: name, startedAt, durationMs: performance.now() - t0, ok: true, error: null };
      } catch (err) {
        record = { job: name, startedAt, durationMs: performance.now() - t0, ok: false, error: (err as Error)?.message ?? String(err) };
        throw err;
      }
    }, run.holder ?? NODE_ID, run.dueAt ?? null);
  } catch (err) {
    if (isDatabaseUnavailable(err)) {
      ctx.log.warn({ job: name, code: (err as { code?: string }).code, reason: (err as Error).message }, '数据库不可用，任务留待下次执行 / database unavailable, job runs again at its next tick');
    } else {
      ctx.log.error({ err, job: name }, 'job failed');
    }
  }
  if (record && ctx.jobRuns) {
    try {
      await ctx.jobRuns(ctx, record);
    } catch (err) {
      ctx.log.warn({ job: name, reason: (err as Error).message }, 'job run not recorded');
    }
  }
}

/**
 * The scheduled instant a run that starts at `now` is for: the pattern's latest match at or
 * before `now` (croner fires at the tick or just after it, never before).
 */
export function dueInstant(cron: Cron, now: Date): Date | null {
  return cron.previousRuns(1, new Date(now.getTime() + 1))[0] ?? null;
}

/**
 * Schedules a job on a cron pattern (Shanghai time). Every app node's timer fires at each tick;
 * each run takes the lease for that tick, so the job runs once per tick whichever node is first,
 * even when another node's timer fires after the first run has ended.
 * `paused` is for tests, which fire runs by hand (`cron.trigger()`) on a manual clock.
 */
export function scheduleJob(ctx: AppContext, name: string, pattern: string, ttlMs: number, fn: () => Promise<void>, opts: { holder?: string; paused?: boolean } = {}): Cron {
  // croner's registry wants unique names: a second runner in one process (tests) is named after its holder.
  const cronName = opts.holder ? `${name}@${opts.holder}` : name;
  schedules.set(name, pattern);
  const cron: Cron = new Cron(pattern, { timezone: 'Asia/Shanghai', protect: true, name: cronName, paused: opts.paused ?? false }, () =>
    runScheduledJob(ctx, name, ttlMs, fn, { holder: opts.holder ?? NODE_ID, dueAt: dueInstant(cron, ctx.clock.now()) }));
  return cron;
}
