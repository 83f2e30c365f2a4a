/*
 * County onboarding (县市区接入) — the module's public entry, for other modules, the app, the
 * jobs and the CLI. The module reads registry lots and ingest's lot_live (read-only, in
 * live-lots.ts); nothing else touches its tables.
 */
export { onboardingRoutes } from './routes.js';
export { changeStage, createEntry, deleteEntry, getEntry, listEntries, updateEntry } from './entries.js';
export { currentCoverage, type Coverage, type DistrictCoverage } from './coverage.js';
export { syncConnected, SYNC_JOB, type AutoConnected } from './connect.js';
export { buildReport, type OnboardingReport } from './report.js';
export { onboardingReport, parseReportFormat, REPORT_FORMATS, type ReportFormat, type ReportOutput } from './report-files.js';
export { fileNames } from './report-labels.js';
export { parseQuarter, type ReportQuarter } from './quarter.js';
export { importEntries, type ImportResult } from './entry-import.js';
export { readEntrySheet } from './entry-sheet.js';
export type { OnboardingTables } from './tables.js';
// Its documents as the report centre lists them (docs/巡检与报告.md §5).
export { reportCatalogue } from './report-catalogue.js';
