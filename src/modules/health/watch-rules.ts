import { Cron } from 'croner';

/*
 * When the platform raises an alert about itself (docs/巡检与报告.md §3): pure, the
 * clock passed in, no database — the health.watch job feeds it what health_job_state and
 * health_alerts hold and applies its answer.
 *
 *   job_failing   a job whose last `failuresInARow` runs (default 3) all failed
 *   job_stalled   a job not failing in a row (that alert says more) but without a successful run for longer than max(stallFactor × interval,
 *                 interval + stallGraceMs), counted from its last success, else from when it was
 *                 first seen (its first run, or when this node started watching)
 *   sustained     an alert open for `sustainMs` (default 30 min) whose condition still holds is
 *                 recorded once in the incident ledger (source platform)
 *   error_rate    this node answered at least `errorRateMinRequests` requests over the last
 *                 `errorRateWindowMs` and more than `errorRatePercent` % of them were 5xx
 *                 (subject `http`; from samples of the node's counters, errorRateCondition)
 *   resolved      an open alert whose condition no longer holds
 */

export type AlertKind = 'job_failing' | 'job_stalled' | 'error_rate';

export interface WatchRules {
  failuresInARow: number;
  stallFactor: number;
  stallGraceMs: number;
  sustainMs: number;
  errorRateWindowMs: number;
  errorRateMinRequests: number;
  errorRatePercent: number;
}

export const DEFAULT_WATCH_RULES: WatchRules = {
  failuresInARow: 3, stallFactor: 2, stallGraceMs: 5 * 60_000, sustainMs: 30 * 60_000,
  errorRateWindowMs: 10 * 60_000, errorRateMinRequests: 50, errorRatePercent: 5,
};

/** A reading of this node's cumulative HTTP counters. */
export interface HttpSample { at: number; requests: number; serverErrors: number }

/**
 * The 5xx rate over the window, from the samples the watch job took (oldest first, the newest
 * now): the difference between the newest sample and the newest one at least a window older (or,
 * before the window has filled, the oldest there is). Null detail when the rule does not hold; a counter
 * that went down (the process restarted) counts from zero.
 */
export function errorRateCondition(samples: readonly HttpSample[], rules: WatchRules = DEFAULT_WATCH_RULES): { detail: string | null; requests: number; serverErrors: number } {
  const last = samples.at(-1);
  if (!last || samples.length < 2) return { detail: null, requests: 0, serverErrors: 0 };
  const first = samples.findLast((x) => x.at <= last.at - rules.errorRateWindowMs) ?? samples[0]!;
  const restarted = last.requests < first.requests;
  const requests = restarted ? last.requests : last.requests - first.requests;
  const serverErrors = restarted ? last.serverErrors : last.serverErrors - first.serverErrors;
  const holds = requests >= rules.errorRateMinRequests && serverErrors * 100 > rules.errorRatePercent * requests;
  const mins = minutes(last.at - first.at);
  return {
    requests, serverErrors,
    detail: holds
      ? `近 ${mins} 分钟本节点应答 ${requests} 次，其中 5xx ${serverErrors} 次（${((serverErrors / requests) * 100).toFixed(1)}%，阈值 ${rules.errorRatePercent}%）`
      : null,
  };
}

export interface WatchedJob {
  job: string;
  /** The longest gap between two scheduled runs; null when the job is not scheduled on this node. */
  intervalMs: number | null;
  firstSeenAt: Date | null;
  lastSuccessAt: Date | null;
  consecutiveFailures: number;
  lastError: string | null;
}

export interface OpenAlert {
  id: number;
  kind: AlertKind;
  subject: string;
  openedAt: Date;
  incidentId: number | null;
}

export interface AlertDecision {
  open: { kind: AlertKind; subject: string; detail: string }[];
  /** Still holding: last_seen_at moves on. */
  keep: number[];
  resolve: number[];
  /** Sustained and not yet in the ledger. */
  escalate: { id: number; kind: AlertKind; subject: string; openedAt: Date; detail: string }[];
}

/** The longest gap between the next few runs of a cron pattern (Shanghai time); null if it never runs. */
export function patternIntervalMs(pattern: string, from: Date): number | null {
  const runs = new Cron(pattern, { timezone: 'Asia/Shanghai', paused: true }).nextRuns(4, from);
  if (runs.length < 2) return null;
  let max = 0;
  for (let i = 1; i < runs.length; i++) max = Math.max(max, runs[i]!.getTime() - runs[i - 1]!.getTime());
  return max;
}

const minutes = (ms: number) => Math.round(ms / 60_000);

/** Which conditions hold now for a job, with a line saying why. */
export function jobConditions(job: WatchedJob, now: Date, watchingSince: Date, rules: WatchRules = DEFAULT_WATCH_RULES): Map<AlertKind, string> {
  const found = new Map<AlertKind, string>();
  if (job.consecutiveFailures >= rules.failuresInARow) {
    found.set('job_failing', `任务 ${job.job} 连续失败 ${job.consecutiveFailures} 次：${job.lastError ?? ''}`);
  }
  // A failing job is not also reported as stalled: the failures say more.
  if (job.intervalMs !== null && !found.has('job_failing')) {
    const since = job.lastSuccessAt ?? job.firstSeenAt ?? watchingSince;
    const limit = Math.max(rules.stallFactor * job.intervalMs, job.intervalMs + rules.stallGraceMs);
    const quiet = now.getTime() - since.getTime();
    if (quiet > limit) {
      found.set('job_stalled', `任务 ${job.job} 已 ${minutes(quiet)} 分钟无成功运行（上限 ${minutes(limit)} 分钟）`);
    }
  }
  return found;
}

export function decideAlerts(
  jobs: readonly WatchedJob[], open: readonly OpenAlert[], now: Date, watchingSince: Date, rules: WatchRules = DEFAULT_WATCH_RULES,
  other: readonly { kind: AlertKind; subject: string; detail: string }[] = [],
): AlertDecision {
  const decision: AlertDecision = { open: [], keep: [], resolve: [], escalate: [] };
  const holding = new Map<string, string>();
  for (const o of other) holding.set(`${o.kind}\u0000${o.subject}`, o.detail);
  for (const job of jobs) {
    for (const [kind, detail] of jobConditions(job, now, watchingSince, rules)) holding.set(`${kind}\u0000${job.job}`, detail);
  }
  const seen = new Set<string>();
  for (const alert of open) {
    const key = `${alert.kind}\u0000${alert.subject}`;
    seen.add(key);
    const detail = holding.get(key);
    if (detail === undefined) {
      decision.resolve.push(alert.id);
      continue;
    }
    decision.keep.push(alert.id);
    if (alert.incidentId === null && now.getTime() - alert.openedAt.getTime() >= rules.sustainMs) {
      decision.escalate.push({ id: alert.id, kind: alert.kind, subject: alert.subject, openedAt: alert.openedAt, detail });
    }
  }
  for (const [key, detail] of holding) {
    if (seen.has(key)) continue;
    const [kind, subject] = key.split('\u0000') as [AlertKind, string];
    decision.open.push({ kind, subject, detail });
  }
  return decision;
}
