import type { AppContext } from './context.js';

/*
 * Platform alerts a module reports about itself (a failed backup, a failed restore test): the
 * health module keeps them (health_alerts, docs/巡检与报告.md §3) and the app root hands its
 * functions to the context, so that a reporting module does not depend on health — health
 * inspects those modules, and the module graph has no cycles (docs/architecture.md, "Modules").
 */

/** The kinds a module or the app root may report (health_alerts.kind, migrations 0028, 0029 and 0041). */
export type ReportedAlertKind = 'backup_failed' | 'backup_verify_failed' | 'replica_fallback';

export interface ReportedAlert {
  kind: ReportedAlertKind;
  subject: string;
  detail: string;
  /** Console path the notice links to (default the inspections page). */
  link?: string;
}

export interface PlatformAlertSink {
  /** Opens the alert once per (kind, subject) with a notice; a repeat only refreshes it. True when newly opened. */
  raise(ctx: AppContext, alert: ReportedAlert): Promise<boolean>;
  /** Resolves the open alert of (kind, subject); false when none was open. */
  resolve(ctx: AppContext, kind: ReportedAlertKind, subject: string): Promise<boolean>;
}

/** Raises through the context's sink; without one (a CLI run, a bare test) the alert is only logged. */
export async function reportPlatformAlert(ctx: AppContext, alert: ReportedAlert): Promise<boolean> {
  if (ctx.platformAlerts) return ctx.platformAlerts.raise(ctx, alert);
  ctx.log.warn({ kind: alert.kind, subject: alert.subject }, alert.detail);
  return false;
}

/** Resolves through the context's sink; false without one. */
export async function clearPlatformAlert(ctx: AppContext, kind: ReportedAlertKind, subject: string): Promise<boolean> {
  return ctx.platformAlerts ? ctx.platformAlerts.resolve(ctx, kind, subject) : false;
}
