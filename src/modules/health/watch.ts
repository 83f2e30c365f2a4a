import { systemActor } from '../../platform/auth/permissions.js';
import { contextOf, type AppContext } from '../../platform/context.js';
import { scheduledJobs } from '../../platform/jobs.js';
import { notify } from '../../platform/notices.js';
import { createIncident } from '../incidents/index.js';
import { healthContext } from './repo.js';
import { decideAlerts, DEFAULT_WATCH_RULES, patternIntervalMs, type WatchedJob, type WatchRules } from './watch-rules.js';

export const WATCH_JOB = 'health.watch';

const KIND_NAMES = { job_failing: '任务连续失败', job_stalled: '任务停滞' } as const;

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
export async function runHealthWatch(root: AppContext, opts: { rules?: WatchRules; jobs?: ReadonlyMap<string, string>; since?: Date } = {}): Promise<WatchResult> {
  const ctx = healthContext(root);
  const now = ctx.clock.now();
  watchingSince ??= now;
  const since = opts.since ?? watchingSince;
  const rules = opts.rules ?? DEFAULT_WATCH_RULES;
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
  const open = await ctx.db.selectFrom('health_alerts').select(['id', 'kind', 'subject', 'opened_at', 'incident_id']).where('state', '=', 'open').execute();
  const decision = decideAlerts(jobs, open.map((a) => ({ id: a.id, kind: a.kind, subject: a.subject, openedAt: a.opened_at, incidentId: a.incident_id })), now, since, rules);

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
  for (const e of decision.escalate) {
    const incident = await createIncident(contextOf(ctx), systemActor('platform'), {
      title: `平台故障：${KIND_NAMES[e.kind]} ${e.subject}`.slice(0, 200),
      description: `${e.detail}\n平台告警自 ${e.openedAt.toISOString()} 起持续 / platform alert open since ${e.openedAt.toISOString()}`,
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
