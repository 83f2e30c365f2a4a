import { PROBE_INTERVAL_MS } from './db/replica.js';
import type { ReplicaDecision } from './db/replica-rule.js';
import { clearPlatformAlert, reportPlatformAlert } from './platform/platform-alerts.js';
import type { RootContext } from './schema.js';

export interface ReplicaWatch {
  stop(): void;
  /** Until the alerts of the changes seen so far are recorded. */
  settled(): Promise<void>;
}

/**
 * Probes the read replica every PROBE_INTERVAL_MS and keeps the platform alert `replica_fallback`
 * in step: open while reads fall back to the primary (replica down, lagging, not a standby),
 * resolved when they go back to the replica (docs/deployment.md §4). `intervalMs` 0: no timer (tests probe
 * by hand).
 */
export function watchReplica(ctx: RootContext, opts: { intervalMs?: number } = {}): ReplicaWatch {
  const replica = ctx.database.replica;
  if (!replica) return { stop: () => {}, settled: async () => {} };
  let pending: Promise<unknown> = Promise.resolve();
  const report = (d: ReplicaDecision) => {
    const record = () => d.use === 'primary'
      ? reportPlatformAlert(ctx, { kind: 'replica_fallback', subject: replica.name, detail: `${d.detail}；分析、导出、报告与公众查询暂由主库承担 / analytics, exports, reports and public reads use the primary meanwhile` })
      : clearPlatformAlert(ctx, 'replica_fallback', replica.name);
    // In order: an alert opened and resolved quickly must not land resolved-then-opened.
    pending = pending.then(record).catch((err: Error) => ctx.log.warn({ replica: replica.name, reason: err.message }, '只读副本告警未能记录 / could not record the replica alert'));
  };
  replica.onChange((now) => {
    ctx.log[now.use === 'primary' ? 'warn' : 'info']({ replica: replica.name, reason: now.reason, lagSeconds: now.lagSeconds }, now.detail);
    report(now);
  });
  report(replica.decision());
  const intervalMs = opts.intervalMs ?? PROBE_INTERVAL_MS;
  const timer = intervalMs > 0 ? setInterval(() => void replica.probe(), intervalMs) : null;
  timer?.unref();
  return { stop: () => timer && clearInterval(timer), settled: async () => void (await pending) };
}
