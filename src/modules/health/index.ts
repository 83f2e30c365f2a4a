/*
 * 平台自检、巡检与周报/月报 (health) — the module's public entry, for the app root, the jobs and
 * the CLI: GET /metrics and its hooks, the job-run sink, the health.watch job, inspections and
 * work reports (docs/architecture.md, "Health"; docs/巡检与报告.md).
 */
export { healthRoutes } from './routes.js';
export { createHealthMetrics, type HealthMetrics } from './metrics.js';
export { recordJobRun } from './job-runs.js';
export { ALERT_KIND_NAMES, platformAlertSink, raisePlatformAlert, resolvePlatformAlert, runHealthWatch, WATCH_JOB, type WatchResult } from './watch.js';
export { decideAlerts, DEFAULT_WATCH_RULES, type WatchRules } from './watch-rules.js';
export { runInspection, getInspection, listInspections, updateInspectionItem, type Inspection } from './inspections.js';
export { buildWorkReport, generateWorkReport, workReportDocument, type WorkReportContent } from './work-report.js';
export { parsePeriod, parseWeek, parseMonthPeriod, type ReportPeriod } from './period.js';
export { renderDocx, renderXlsx } from './document.js';
export { INSPECTION_JOB, runScheduledInspection, isFirstWorkingDayOfMonth } from './schedule.js';
// Report schedules: the Nth working day of the month / week, archived and sent (docs/巡检与报告.md §6).
export { REPORT_SCHEDULE_JOB, runReportSchedules, type ScheduleRunResult } from './report-schedules.js';
export type { HealthTables, PlatformAlertKind, ReportedAlertKind } from './tables.js';
