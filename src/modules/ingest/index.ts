/*
 * Data ingest (数据接入) — the module's public entry: the signed push API's routes, ingestBatch
 * (the one write path of events, also for imports and replays), the offline imports the CLI
 * runs, the payments a system migration carries over (importPayments), and what the demo and the simulator use to record what they sent.
 */
export { ingestRoutes } from './routes.js';
export { ingestPulled, previewEvents } from './pulled.js';
export { ingestBatch, MAX_BATCH, type EventResult, type IngestOptions, type IngestOutcome } from './service.js';
export { importEvents, type EventImportResult, type ImportProgress, type RowError } from './event-import.js';
export { DEFAULT_SNAPSHOT_DISTRICT, importSnapshots, type SnapshotImportResult, type SnapshotProgress } from './snapshot-import.js';
export { registryCode } from './snapshot-feed.js';
export { recordedHistory, type RecordedHistory } from './recorded-history.js';
export { importPayments, type ImportedPayment } from './payment-import.js';
export { excludeStatusReports, includeStatusReports } from './corrections.js';
export { authenticateSourceRequest } from './source-auth.js';
export { PHOTO_RETENTION_JOB, prunePhotos } from './photos.js';
export type { IngestTables } from './tables.js';
export { ARCHIVE_JOB, archiveMonth, archiveSettings, listArchives, restoreArchive, runArchive, verifyArchiveFile, type ArchiveHooks, type ArchiveManifest, type ArchiveRunResult, type ArchiveVerifyResult, type ArchiveView, type RestoreResult } from './archive.js';
export { addMonths, dueMonths, lastDueEventMonth, lastDueQuarantineMonth, monthSpan, shanghaiMonth } from './archive-plan.js';
