/*
 * What other modules and the CLI may use of onboarding. The onboarding module reads registry
 * lots and ingest's lot_live (read-only, in live-lots.ts); nothing else touches its tables.
 */
export { changeStage, createEntry, deleteEntry, getEntry, listEntries, updateEntry } from './entries.js';
export { currentCoverage, type Coverage, type DistrictCoverage } from './coverage.js';
export { syncConnected, SYNC_JOB, type AutoConnected } from './connect.js';
export { buildReport, type OnboardingReport } from './report.js';
export { onboardingReport, parseReportFormat, REPORT_FORMATS, type ReportFormat, type ReportOutput } from './report-files.js';
export { importEntries, type ImportResult } from './entry-import.js';
export { readEntrySheet } from './entry-sheet.js';
