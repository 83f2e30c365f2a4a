import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import type { CatalogueEntry, CatalogueWindow } from '../../platform/report-catalogue.js';
import { reportCatalogue as incidentsCatalogue } from '../incidents/index.js';
import { reportCatalogue as monitoringCatalogue } from '../monitoring/index.js';
import { reportCatalogue as onboardingCatalogue } from '../onboarding/index.js';
import { reportCatalogue as paymentsCatalogue } from '../payments/index.js';
import { reportCatalogue as sharingCatalogue } from '../sharing/index.js';
import { reportCatalogue as securityCatalogue } from '../security/index.js';
import { reportCatalogue as themesCatalogue } from '../themes/index.js';
import { archivedCatalogue } from './report-schedules.js';
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

/** Health's own documents: inspection reports and every version of the work reports (city-wide, not for district users). */
async function ownDocuments(ctx: ReturnType<typeof healthContext>, actor: Actor): Promise<CatalogueEntry[]> {
  if (actor.districtCode !== null) return [];
  const inspections = await ctx.db.selectFrom('health_inspections').select(['id', 'created_by', 'created_at']).orderBy('id', 'desc').limit(500).execute();
  const reports = await ctx.db.selectFrom('health_work_reports').select(['id', 'kind', 'period', 'version', 'state', 'generated_by', 'generated_at', 'reviewed_by'])
    .orderBy('id', 'desc').limit(1000).execute();
  return [
    ...inspections.map((i) => ({
      kind: 'inspection', kindName: '系统巡检报告', title: `系统巡检报告 #${i.id}`, period: formatShanghai(i.created_at).slice(0, 7), version: null, state: 'generated',
      generatedBy: i.created_by, generatedAt: i.created_at, approvedBy: null, downloadPath: `/api/v1/inspections/${i.id}/report`, formats: ['docx', 'xlsx'], districtCode: null,
    })),
    ...reports.map((r) => ({
      kind: r.kind, kindName: r.kind === 'weekly' ? '运维周报' : '运维月报', title: `${r.kind === 'weekly' ? '运维周报' : '运维月报'} ${r.period}`, period: r.period, version: r.version, state: r.state,
      generatedBy: r.generated_by, generatedAt: r.generated_at, approvedBy: r.state === 'approved' ? r.reviewed_by : null,
      downloadPath: `/api/v1/work-reports/${r.id}/download`, formats: ['docx', 'xlsx'], districtCode: null,
    })),
  ];
}

/**
 * The report centre (报告中心): every document the platform produces that the reader may
 * download, within their district — health's own archive (inspections, work reports, what the
 * report schedules generated) and what
 * each module's index.ts `reportCatalogue` lists — archived ones newest first, then the on-demand
 * ones by period, newest first.
 */
export async function listDocuments(root: AppContext, actor: Actor, q: { limit?: number; offset?: number; kind?: string; months?: number }) {
  const ctx = healthContext(root);
  const w: CatalogueWindow = { now: ctx.clock.now(), months: q.months ?? 6 };
  const all: CatalogueEntry[] = [
    ...(await ownDocuments(ctx, actor)),
    ...monitoringCatalogue(actor, w),
    ...onboardingCatalogue(actor, w),
    ...incidentsCatalogue(actor, w),
    ...(await themesCatalogue(root, actor, w)),
    ...(await sharingCatalogue(root, actor, w)),
    ...(await paymentsCatalogue(root, actor, w)),
    ...(await securityCatalogue(root, actor, w)),
    ...(await archivedCatalogue(root, actor)),
  ];
  const kinds = new Map<string, { kind: string; kindName: string; count: number }>();
  for (const d of all) {
    const k = kinds.get(d.kind) ?? { kind: d.kind, kindName: d.kindName, count: 0 };
    k.count += 1;
    kinds.set(d.kind, k);
  }
  const chosen = (q.kind ? all.filter((d) => d.kind === q.kind) : all).sort((a, b) =>
    (b.generatedAt?.getTime() ?? 0) - (a.generatedAt?.getTime() ?? 0) || b.period.localeCompare(a.period) || a.kind.localeCompare(b.kind) || a.title.localeCompare(b.title));
  const offset = q.offset ?? 0;
  return {
    total: chosen.length,
    kinds: [...kinds.values()],
    items: chosen.slice(offset, offset + (q.limit ?? 50)).map((d) => ({ ...d, generatedAt: d.generatedAt?.toISOString() ?? null })),
  };
}
