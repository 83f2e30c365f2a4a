/* Reports (报表) — the module's public entry. */
export { reportsRoutes } from './routes.js';
export { parseMonth } from './month.js';
export { downloadSyncReport, parseReportFormat, REPORT_FORMATS, type ReportFormat } from './sync-download.js';
export { summaryLine } from './sync-labels.js';
export { buildSyncReport } from './sync-report.js';
export { findGaps, type Gap } from './gaps.js';
