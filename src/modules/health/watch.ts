import { systemActor } from '../../platform/auth/permissions.js';
import { contextOf, type AppContext } from '../../platform/context.js';
import { scheduledJobs } from '../../platform/jobs.js';
import { notify } from '../../platform/notices.js';
import type { PlatformAlertSink } from '../../platform/platform-alerts.js';
import { createIncident } from '../incidents/index.js';
import { healthContext } from './repo.js';
import { latestMetrics, type HealthMetrics } from './metrics.js';
import type { PlatformAlertKind, ReportedAlertKind } from './tables.js';
import { decideAlerts, DEFAULT_WATCH_RULES, errorRateCondition, patternIntervalMs, type AlertKind, type WatchedJob, type WatchRules } from './watch-rules.js';

export const WATCH_JOB = 'health.watch';

export const ALERT_KIND_NAMES: Record<PlatformAlertKind, string> = {
  job_failing: '任务连续失败', job_stalled: '任务停滞', error_rate: '接口 5xx 比例过高',
  backup_failed: '备份失败', backup_verify_failed: '备份恢复测试未通过', replica_fallback: '只读副本不可用，读主库',
};
const KIND_NAMES = ALERT_KIND_NAMES;
/** The kinds health.watch decides itself; the others are reported by their module. */
const WATCHED_KINDS: readonly PlatformAlertKind[] = ['job_failing', 'job_stalled', 'error_rate'];

/** The rules with the 5xx-rate settings from the configuration (ZHIBO_ERROR_RATE_*). */
export function rulesOf(config: { errorRateWindowMinutes?: number; errorRateMinRequests?: number; errorRatePercent?: number }): WatchRules {
  return {
    ...DEFAULT_WATCH_RULES,
    errorRateWindowMs: (config.errorRateWindowMinutes ?? DEFAULT_WATCH_RULES.errorRateWindowMs / 60_000) * 60_000,
    errorRateMinRequests: config.errorRateMinRequests ?? DEFAULT_WATCH_RULES.errorRateMinRequests,
    errorRatePercent: config.errorRatePercent ?? DEFAULT_WATCH_RULES.errorRatePercent,
  };
}

/** When this process began watching: a job never seen is counted from here (watch-rules.ts). */
let watchingSince: Date | null = null;

export interface WatchResult {
  opened: number;
  resolved: number;
  escalated: string[];
}

/**
 * The health.watch job: reads every job's state (health_job_state) and the jobs scheduled on
 * this node, applies the decision rule (watch-rules.ts), opens / resolves platform alerts with a
 * notice, and records a sustained alert in the incident ledger (source platform) once.
 */
export async function runHealthWatch(
  root: AppContext,
  opts: { rules?: WatchRules; jobs?: ReadonlyMap<string, string>; since?: Date; metrics?: HealthMetrics | null } = {},
): Promise<WatchResult> {
  const ctx = healthContext(root);
  const now = ctx.clock.now();
  watchingSince ??= now;
  const since = opts.since ?? watchingSince;
  const rules = opts.rules ?? rulesOf(ctx.config);
  // The 5xx rate of this node (its counters sampled at each run), when the app's metrics exist.
  const metrics = opts.metrics === undefined ? latestMetrics() : opts.metrics;
  const rate = metrics ? errorRateCondition(await metrics.sampleHttp(now.getTime(), rules.errorRateWindowMs), rules) : null;
  const other = rate?.detail ? [{ kind: 'error_rate' as const, subject: 'http', detail: rate.detail }] : [];
  const schedule = opts.jobs ?? scheduledJobs();
  const states = await ctx.db.selectFrom('health_job_state').selectAll().execute();
  const byJob = new Map(states.map((s) => [s.job, s]));
  const names = new Set([...schedule.keys(), ...byJob.keys()]);
  const jobs: WatchedJob[] = [...names].sort().map((job) => {
    const s = byJob.get(job);
    const pattern = schedule.get(job);
    return {
      job,
      intervalMs: pattern ? patternIntervalMs(pattern, now) : null,
      firstSeenAt: s?.first_seen_at ?? null,
      lastSuccessAt: s?.last_success_at ?? null,
      consecutiveFailures: s?.consecutive_failures ?? 0,
      lastError: s?.last_error ?? null,
    };
  });
  const open = await ctx.db.selectFrom('health_alerts').select(['id', 'kind', 'subject', 'opened_at', 'incident_id', 'detail']).where('state', '=', 'open').execute();
  const watched = open.filter((a) => WATCHED_KINDS.includes(a.kind));
  const decision = decideAlerts(jobs, watched.map((a) => ({ id: a.id, kind: a.kind as AlertKind, subject: a.subject, openedAt: a.opened_at, incidentId: a.incident_id })), now, since, rules, other);
  // Without this node's counters (the CLI, a test without an app) an open 5xx alert is left as it is.
  if (!metrics) {
    const keep = open.filter((a) => a.kind === 'error_rate').map((a) => a.id);
    decision.resolve = decision.resolve.filter((id) => !keep.includes(id));
  }
  // Reported alerts (a failed backup …) hold until their module resolves them; sustained ones go to the ledger too.
  const reported = open.filter((a) => !WATCHED_KINDS.includes(a.kind) && a.incident_id === null && now.getTime() - a.opened_at.getTime() >= rules.sustainMs);
  const escalations: { id: number; kind: PlatformAlertKind; subject: string; openedAt: Date; detail: string }[] = [
    ...decision.escalate,
    ...reported.map((a) => ({ id: a.id, kind: a.kind, subject: a.subject, openedAt: a.opened_at, detail: a.detail })),
  ];

  await ctx.db.transaction().execute(async (trx) => {
    for (const a of decision.open) {
      await trx.insertInto('health_alerts').values({ kind: a.kind, subject: a.subject, opened_at: now, last_seen_at: now, detail: a.detail }).execute();
      await notify(ctx, trx, {
        kind: 'health.alert.opened', severity: 'warning',
        title: `平台告警：${KIND_NAMES[a.kind]} ${a.subject}`,
        body: a.detail, link: '/inspections',
        en: { title: `Platform alert: ${a.kind} ${a.subject}`, body: a.detail },
      });
    }
    if (decision.keep.length) await trx.updateTable('health_alerts').set({ last_seen_at: now }).where('id', 'in', decision.keep).execute();
    if (decision.resolve.length) {
      await trx.updateTable('health_alerts').set({ state: 'resolved', resolved_at: now, last_seen_at: now }).where('id', 'in', decision.resolve).execute();
    }
  });

  const escalated: string[] = [];
  for (const e of escalations) {
    const incident = await createIncident(contextOf(ctx), systemActor('platform'), {
      title: `平台故障：${KIND_NAMES[e.kind]} ${e.subject}`.slice(0, 200),
      description: `${e.detail}\n平台告警自 ${e.openedAt.toISOString()} 起持续`,
      severity: 2,
      occurredAt: e.openedAt.toISOString(),
      detectionSource: 'platform',
      reporter: WATCH_JOB,
      scope: { modules: ['platform'] },
    });
    await ctx.db.updateTable('health_alerts').set({ incident_id: incident.id, incident_code: incident.code }).where('id', '=', e.id).execute();
    escalated.push(incident.code);
  }
  return { opened: decision.open.length, resolved: decision.resolve.length, escalated };
}

/**
 * A module reports a failure of its own as a platform alert (docs/巡检与报告.md §3): opened once
 * per (kind, subject) with a notice to admins and ops; while it is open a repeat only refreshes
 * it. It stays open until `resolvePlatformAlert`, and health.watch records it in the incident
 * ledger once it has been open for the sustain time. Returns whether it was newly opened.
 */
export async function raisePlatformAlert(root: AppContext, alert: { kind: ReportedAlertKind; subject: string; detail: string; link?: string }): Promise<boolean> {
  const ctx = healthContext(root);
  const now = ctx.clock.now();
  const detail = alert.detail.slice(0, 2000);
  return ctx.db.transaction().execute(async (trx) => {
    const refreshed = await trx.updateTable('health_alerts').set({ last_seen_at: now, detail })
      .where('state', '=', 'open').where('kind', '=', alert.kind).where('subject', '=', alert.subject).executeTakeFirst();
    if (Number(refreshed.numUpdatedRows) > 0) return false;
    await trx.insertInto('health_alerts').values({ kind: alert.kind, subject: alert.subject, opened_at: now, last_seen_at: now, detail }).execute();
    await notify(ctx, trx, {
      kind: 'health.alert.opened', severity: 'critical',
      title: `平台告警：${KIND_NAMES[alert.kind]} ${alert.subject}`,
      body: detail, link: alert.link ?? '/inspections',
      en: { title: `Platform alert: ${alert.kind} ${alert.subject}`, body: detail },
    });
    return true;
  });
}

/** Resolves an open reported alert (the failure it reported is over); false when none was open. */
export async function resolvePlatformAlert(root: AppContext, kind: ReportedAlertKind, subject: string): Promise<boolean> {
  const ctx = healthContext(root);
  const now = ctx.clock.now();
  const r = await ctx.db.updateTable('health_alerts').set({ state: 'resolved', resolved_at: now, last_seen_at: now })
    .where('state', '=', 'open').where('kind', '=', kind).where('subject', '=', subject).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The context's platform-alert sink (src/platform/platform-alerts.ts), set by the app root. */
export const platformAlertSink: PlatformAlertSink = { raise: raisePlatformAlert, resolve: resolvePlatformAlert };
