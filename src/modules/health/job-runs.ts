import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import type { JobRunRecord } from '../../platform/jobs.js';
import { healthDb } from './repo.js';

/**
 * The job runner's sink (`ctx.jobRuns`, src/platform/jobs.ts): one upsert per run into
 * health_job_state — last run, last success, duration, failures in a row — so that GET /metrics
 * and the health.watch job see every node's runs.
 */
export async function recordJobRun(ctx: AppContext, run: JobRunRecord): Promise<void> {
  const db = healthDb(ctx.db);
  const error = run.error === null ? null : run.error.slice(0, 500);
  await db.insertInto('health_job_state').values({
    job: run.job,
    first_seen_at: run.startedAt,
    last_started_at: run.startedAt,
    last_success_at: run.ok ? run.startedAt : null,
    last_failure_at: run.ok ? null : run.startedAt,
    last_duration_ms: run.durationMs,
    consecutive_failures: run.ok ? 0 : 1,
    runs: 1,
    failures: run.ok ? 0 : 1,
    last_error: error,
  }).onConflict((oc) => oc.column('job').doUpdateSet({
    last_started_at: run.startedAt,
    last_success_at: run.ok ? run.startedAt : sql`health_job_state.last_success_at`,
    last_failure_at: run.ok ? sql`health_job_state.last_failure_at` : run.startedAt,
    last_duration_ms: run.durationMs,
    consecutive_failures: run.ok ? 0 : sql`health_job_state.consecutive_failures + 1`,
    runs: sql`health_job_state.runs + 1`,
    failures: run.ok ? sql`health_job_state.failures` : sql`health_job_state.failures + 1`,
    last_error: run.ok ? sql`health_job_state.last_error` : error,
  })).execute();
}
