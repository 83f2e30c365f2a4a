import type { Cron } from 'croner';
import { pruneLoginFailures } from './modules/accounts/index.js';
import { refreshAnalytics } from './modules/analytics/index.js';
import { INSPECTION_JOB, REPORT_SCHEDULE_JOB, runHealthWatch, runReportSchedules, runScheduledInspection, WATCH_JOB } from './modules/health/index.js';
import { ARCHIVE_JOB, PHOTO_RETENTION_JOB, prunePhotos, runArchive, type ArchiveRunResult } from './modules/ingest/index.js';
import { evaluateMonitoring, refreshSyncDays, snapshotSyncMonth, SYNC_DAYS_JOB } from './modules/monitoring/index.js';
import { deliverPending, pruneNotifications } from './modules/notifications/index.js';
import { BILLS_JOB, importBillFolder } from './modules/payments/index.js';
import { PULL_JOB, pullDueConnectors } from './modules/connectors/index.js';
import { syncConnected, SYNC_JOB } from './modules/onboarding/index.js';
import { QUALITY_SCAN_JOB, refreshScoreDays, runQualityScanJob, SCORE_DAYS_JOB } from './modules/quality/index.js';
import { BACKUP_JOB, openQuarterReviewIfDue, REVIEW_OPEN_JOB, runBackupJob, runSecurityCheckJob, SECURITY_CHECK_JOB } from './modules/security/index.js';
import { flagStaleSessions, storedPhotosOf } from './modules/sessions/index.js';
import { markNoShows, NO_SHOW_JOB } from './modules/sharing/index.js';
import { runSlaCheckJob } from './modules/sla/index.js';
import { evaluateThemeAlerts, refreshThemeRollup, THEMES_ALERT_JOB, THEMES_ROLLUP_JOB } from './modules/themes/index.js';
import { deliverCallbacks, openTicketSessionIds } from './modules/tickets/index.js';
import type { RootContext } from './schema.js';
import { scheduleJob as scheduleOne } from './platform/jobs.js';

/**
 * The data lifecycle's run (docs/decisions/0032-archive-by-batched-delete.md): raw events and
 * resolved quarantine past their retention go to monthly archive files; the sync report keeps its
 * numbers of each month of events first. The nightly job and `zhibo archive run` both call this.
 */
export function archiveNow(ctx: RootContext): Promise<ArchiveRunResult> {
  return runArchive(ctx, { beforeEventMonth: async (month) => void (await snapshotSyncMonth(ctx, month)) });
}

/**
 * The photo store's retention (docs/decisions/0036-photo-store.md): snapshots past
 * ZHIBO_PHOTO_RETENTION_DAYS go, except those of records that open work orders point at.
 */
export async function prunePhotosNow(ctx: RootContext): Promise<{ deleted: number; kept: number }> {
  const kept = await storedPhotosOf(ctx, await openTicketSessionIds(ctx));
  return prunePhotos(ctx, kept);
}

/**
 * The periodic jobs of an app node; each takes its lease, so any number of nodes may run this.
 * The every-minute jobs each have their own second (6-field patterns): started together they
 * queued on the embedded database's one connection and a console page waited behind all of them
 * (docs/performance.md, "Demo").
 */
export function startJobs(ctx: RootContext, opts: { holder?: string; paused?: boolean } = {}): Cron[] {
  // Tests run two nodes' job sets in one process on manual clocks (test/two-nodes.test.ts): each set its holder, paused, fired by hand.
  const scheduleJob = (c: RootContext, name: string, pattern: string, ttlMs: number, fn: () => Promise<void>) => scheduleOne(c, name, pattern, ttlMs, fn, opts);
  return [
    // Data cleaning over the last 2 days (late uploads included); safe rules fix themselves.
    scheduleJob(ctx, QUALITY_SCAN_JOB, '23 * * * *', 30 * 60_000, () => runQualityScanJob(ctx)),
    // The data-quality scores' day counts: yesterday once it ends, days whose rows or findings changed (score-days.ts).
    scheduleJob(ctx, SCORE_DAYS_JOB, '38 * * * * *', 10 * 60_000, async () => {
      const r = await refreshScoreDays(ctx);
      if (r.days) ctx.log.info({ job: SCORE_DAYS_JOB, ...r }, 'quality score day counts refreshed');
    }),
    scheduleJob(ctx, 'sessions.flag-stale', '7 * * * *', 10 * 60_000, async () => {
      const n = await flagStaleSessions(ctx.db, ctx.clock.now(), ctx.config.staleSessionDays);
      if (n) ctx.log.info({ job: 'sessions.flag-stale', flagged: n }, 'stale sessions flagged');
    }),
    scheduleJob(ctx, 'monitoring.evaluate', '5 * * * * *', 5 * 60_000, async () => {
      const r = await evaluateMonitoring(ctx);
      if (r.transitions || r.opened.lot || r.opened.source || r.reminded || r.resolved || r.markedSources.length) {
        ctx.log.info({ job: 'monitoring.evaluate', ...r }, 'monitoring evaluated');
      }
    }),
    // The monthly sync report's day summaries: yesterday once it ends, days with late or changed events (sync-days.ts).
    scheduleJob(ctx, SYNC_DAYS_JOB, '28 * * * * *', 10 * 60_000, async () => {
      const r = await refreshSyncDays(ctx);
      if (r.days) ctx.log.info({ job: SYNC_DAYS_JOB, ...r }, 'sync report day summaries refreshed');
    }),
    // Rollups follow the data within a minute; late and corrected data arrive through the change queue.
    scheduleJob(ctx, 'analytics.refresh', '10 * * * * *', 5 * 60_000, async () => {
      const r = await refreshAnalytics(ctx);
      if (r.marks) ctx.log.info({ job: 'analytics.refresh', marks: r.marks, lots: r.lots, lotHours: r.lotHours, lotHourRows: r.lotHourRows }, 'analytics refreshed');
    }),
    // Shared parking: bookings with no entry by start + grace become no-shows; repeat offenders are suspended.
    scheduleJob(ctx, NO_SHOW_JOB, '20 * * * * *', 5 * 60_000, async () => {
      const r = await markNoShows(ctx);
      if (r.noShows) ctx.log.info({ job: NO_SHOW_JOB, ...r }, 'shared-parking no-shows marked');
    }),
    // The themes' lot-hour rollup (decision 0019): hours just ended, late and corrected reports, changed lots.
    scheduleJob(ctx, THEMES_ROLLUP_JOB, '15 * * * * *', 5 * 60_000, async () => {
      const r = await refreshThemeRollup(ctx);
      if (r.marks || r.rebuiltLots) ctx.log.info({ job: THEMES_ROLLUP_JOB, ...r }, 'theme rollup refreshed');
    }),
    // Theme saturation episodes (occupancy ≥ X for ≥ N minutes): one notice each way.
    scheduleJob(ctx, THEMES_ALERT_JOB, '25 * * * * *', 5 * 60_000, async () => {
      const r = await evaluateThemeAlerts(ctx);
      if (r.opened || r.closed) ctx.log.info({ job: THEMES_ALERT_JOB, ...r }, 'theme alerts evaluated');
    }),
    scheduleJob(ctx, 'sla.check', '35 * * * * *', 5 * 60_000, () => runSlaCheckJob(ctx)),
    // Vulnerability fix plans: the 80 % warning and the breach notice, once each.
    scheduleJob(ctx, SECURITY_CHECK_JOB, '40 * * * * *', 5 * 60_000, () => runSecurityCheckJob(ctx)),
    // The quarter's permission review opens by itself in its first week (admins are told once).
    scheduleJob(ctx, REVIEW_OPEN_JOB, '17 * * * *', 10 * 60_000, async () => {
      const quarter = await openQuarterReviewIfDue(ctx);
      if (quarter) ctx.log.info({ job: REVIEW_OPEN_JOB, quarter }, 'quarterly permission review opened');
    }),
    // The server's own backup at ZHIBO_BACKUP_TIME (Shanghai), retention, and the weekly restore test (a missed time is caught up).
    scheduleJob(ctx, BACKUP_JOB, '*/5 * * * *', 3 * 3600_000, async () => {
      const r = await runBackupJob(ctx);
      if (r.backedUp !== null || r.verified !== null) ctx.log.info({ job: BACKUP_JOB, ...r }, 'scheduled backup made');
    }),
    // Seconds field: the outbox is drained every 15 s; a run's sends are bounded by their timeouts.
    scheduleJob(ctx, 'notifications.deliver', '*/15 * * * * *', 10 * 60_000, async () => {
      const r = await deliverPending(ctx);
      if (r.claimed) ctx.log.info({ job: 'notifications.deliver', ...r }, 'notifications delivered');
    }),
    // Status callbacks to the channels tickets came from (12345, mini-programs), like the notification outbox.
    scheduleJob(ctx, 'tickets.callbacks', '*/15 * * * * *', 10 * 60_000, async () => {
      const r = await deliverCallbacks(ctx);
      if (r.claimed) ctx.log.info({ job: 'tickets.callbacks', ...r }, 'ticket status callbacks delivered');
    }),
    scheduleJob(ctx, 'notifications.prune', '41 3 * * *', 10 * 60_000, async () => {
      const n = await pruneNotifications(ctx);
      if (n) ctx.log.info({ job: 'notifications.prune', deleted: n }, 'old notifications deleted');
    }),
    // Raw events and resolved quarantine past their retention move to monthly archive files (03:53 Shanghai).
    scheduleJob(ctx, ARCHIVE_JOB, '53 3 * * *', 6 * 3600_000, async () => {
      const r = await archiveNow(ctx);
      if (r.files.length) ctx.log.info({ job: ARCHIVE_JOB, files: r.files.map((f) => f.file), deleted: r.deleted }, 'raw data archived');
    }),
    // Entry/exit snapshots past their retention, unless an open work order's record shows them (04:07 Shanghai).
    scheduleJob(ctx, PHOTO_RETENTION_JOB, '7 4 * * *', 60 * 60_000, async () => {
      const r = await prunePhotosNow(ctx);
      if (r.deleted) ctx.log.info({ job: PHOTO_RETENTION_JOB, ...r }, 'old snapshots deleted');
    }),
    // Sign-in failures of (username, address) pairs nobody has tried for a day (their locks have ended).
    scheduleJob(ctx, 'accounts.prune-login-failures', '47 3 * * *', 10 * 60_000, async () => {
      const n = await pruneLoginFailures(ctx);
      if (n) ctx.log.info({ job: 'accounts.prune-login-failures', deleted: n }, 'old sign-in failures deleted');
    }),
    // A linked entry turns connected once its lot reports; every 10 minutes is soon enough for a quarterly list.
    scheduleJob(ctx, SYNC_JOB, '*/10 * * * *', 5 * 60_000, async () => {
      const r = await syncConnected(ctx);
      if (r.connected.length) ctx.log.info({ job: SYNC_JOB, connected: r.connected }, 'onboarding entries connected');
    }),
    // The platform watching itself: jobs failing in a row or stalled open a platform alert, sustained ones an incident.
    scheduleJob(ctx, WATCH_JOB, '50 * * * * *', 5 * 60_000, async () => {
      const r = await runHealthWatch(ctx);
      if (r.opened || r.resolved || r.escalated.length) ctx.log.info({ job: WATCH_JOB, ...r }, 'platform alerts evaluated');
    }),
    // The monthly inspection (巡检) on the month's first working day (official calendar), 09:00.
    scheduleJob(ctx, INSPECTION_JOB, '0 9 1-10 * *', 10 * 60_000, async () => {
      const id = await runScheduledInspection(ctx);
      if (id !== null) ctx.log.info({ job: INSPECTION_JOB, inspection: id }, 'monthly inspection run');
    }),
    // Connectors (docs/数据对接.md): every enabled connector that is due is pulled, each under its own lease.
    scheduleJob(ctx, PULL_JOB, '2,12,22,32,42,52 * * * * *', 10 * 60_000, () => pullDueConnectors(ctx)),
    // Report schedules: on the Nth working day of the month / week the report of the period just ended, archived once and sent.
    scheduleJob(ctx, REPORT_SCHEDULE_JOB, '13 * * * *', 30 * 60_000, async () => {
      const r = await runReportSchedules(ctx);
      if (r.generated.length) ctx.log.info({ job: REPORT_SCHEDULE_JOB, generated: r.generated }, 'scheduled reports generated');
    }),
    // The channels' daily bills dropped into ZHIBO_PAYMENT_BILLS_DIR, reconciled once per channel and day.
    ...(ctx.config.paymentBillsDir ? [scheduleJob(ctx, BILLS_JOB, '17 * * * *', 30 * 60_000, async () => {
      const r = await importBillFolder(ctx, ctx.config.paymentBillsDir!);
      if (r.imported.length) ctx.log.info({ job: BILLS_JOB, imported: r.imported }, 'payment bills reconciled');
      if (r.failed.length) ctx.log.warn({ job: BILLS_JOB, failed: r.failed }, 'payment bills not readable');
    })] : []),
  ];
}
