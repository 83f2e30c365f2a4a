/*
 * Sync monitoring (数据同步监控) — the module's public entry. The job evaluates; the incident
 * ledger reads an alert through getAlert; the overview takes sync health and the late rule
 * (judgedLots, dataStateOf) from here rather than re-assembling them.
 */
export { monitoringRoutes } from './routes.js';
export { evaluateMonitoring, type EvaluationSummary } from './evaluate.js';
export { getAlert, unresolvedAlerts, type AlertDetail, type AlertView } from './alerts.js';
export { dataStateOf, type DataState, type JudgedLot } from './freshness.js';
export { judgedLots } from './health.js';
export { lotsUnderMaintenance } from './windows.js';
// A minimal PNG raster: the fallback picture Word needs beside an SVG chart (themes' report too).
export { Raster } from './png.js';
export type { LotCounts } from './source-state.js';
// The monthly 《数据同步监控报告》 (GET /api/v1/reports/sync, `zhibo report sync`).
export { parseMonth } from './month.js';
export { buildSyncReport, type SyncReport } from './sync-report.js';
export { snapshotSyncMonth } from './sync-snapshot.js';
// Job monitoring.sync-days: the closed days' summaries the report adds up (sync-days.ts).
export { refreshSyncDays, SYNC_DAYS_JOB, type SyncDaysResult } from './sync-days.js';
export { downloadSyncReport, parseReportFormat, REPORT_FORMATS, type ReportFormat } from './sync-download.js';
export { summaryLine } from './sync-labels.js';
export type { MonitoringTables } from './tables.js';
// Its documents as the report centre lists them (docs/巡检与报告.md §5).
export { reportCatalogue } from './report-catalogue.js';
