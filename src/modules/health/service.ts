import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import { scheduledJobs } from '../../platform/jobs.js';
import { formatShanghai } from '../../platform/time.js';
import { healthContext } from './repo.js';

/** GET /api/v1/health/details: every job's runs and the platform alerts (open, then the last 50 resolved). */
export async function healthDetails(root: AppContext) {
  const ctx = healthContext(root);
  let database = 'ok';
  try {
    await sql`select 1`.execute(ctx.db);
  } catch {
    database = 'unavailable';
  }
  const states = await ctx.db.selectFrom('health_job_state').selectAll().orderBy('job').execute();
  const schedule = scheduledJobs();
  const names = [...new Set([...schedule.keys(), ...states.map((s) => s.job)])].sort();
  const alerts = await ctx.db.selectFrom('health_alerts').selectAll().orderBy('state').orderBy('id', 'desc').limit(100).execute();
  const open = alerts.filter((a) => a.state === 'open');
  return {
    status: database !== 'ok' ? 'unavailable' : open.length ? 'degraded' : 'ok',
    database: `${root.database.kind} ${database}`,
    time: ctx.clock.now().toISOString(),
    jobs: names.map((job) => {
      const s = states.find((x) => x.job === job);
      return {
        job, pattern: schedule.get(job) ?? null,
        lastRunAt: s?.last_started_at.toISOString() ?? null, lastSuccessAt: s?.last_success_at?.toISOString() ?? null,
        lastDurationMs: s ? Math.round(s.last_duration_ms) : null, consecutiveFailures: s?.consecutive_failures ?? 0,
        runs: Number(s?.runs ?? 0), failures: Number(s?.failures ?? 0), lastError: s?.last_error ?? null,
      };
    }),
    alerts: alerts.map((a) => ({
      id: a.id, kind: a.kind, subject: a.subject, state: a.state, openedAt: a.opened_at.toISOString(), lastSeenAt: a.last_seen_at.toISOString(),
      resolvedAt: a.resolved_at?.toISOString() ?? null, detail: a.detail, incidentCode: a.incident_code,
    })),
  };
}

/**
 * The report centre (报告中心): the documents this module archives — inspection reports and
 * weekly / monthly work reports, every version — newest first.
 */
export async function listDocuments(root: AppContext, q: { limit?: number; offset?: number }) {
  const ctx = healthContext(root);
  const inspections = await ctx.db.selectFrom('health_inspections').select(['id', 'created_by', 'created_at']).execute();
  const reports = await ctx.db.selectFrom('health_work_reports').select(['id', 'kind', 'period', 'version', 'state', 'generated_by', 'generated_at', 'reviewed_by']).execute();
  const all = [
    ...inspections.map((i) => ({
      kind: 'inspection', id: i.id, title: `系统巡检报告 #${i.id}`, period: formatShanghai(i.created_at).slice(0, 7), version: null, state: 'generated',
      generatedBy: i.created_by, generatedAt: i.created_at, approvedBy: null, downloadPath: `/api/v1/inspections/${i.id}/report`,
    })),
    ...reports.map((r) => ({
      kind: r.kind, id: r.id, title: `${r.kind === 'weekly' ? '运维周报' : '运维月报'} ${r.period}`, period: r.period, version: r.version, state: r.state,
      generatedBy: r.generated_by, generatedAt: r.generated_at, approvedBy: r.state === 'approved' ? r.reviewed_by : null, downloadPath: `/api/v1/work-reports/${r.id}/download`,
    })),
  ].sort((a, b) => b.generatedAt.getTime() - a.generatedAt.getTime());
  const offset = q.offset ?? 0;
  return { total: all.length, items: all.slice(offset, offset + (q.limit ?? 50)).map((d) => ({ ...d, generatedAt: d.generatedAt.toISOString() })) };
}
