import type { Database } from '../db/database.js';
import type { BackupOptions, Manifest, VerifyOptions, VerifyReport } from '../db/backup/backup.js';
import type { ReportContext } from '../db/backup/report-docx.js';

/*
 * What the server's own backups (security module, docs/security-operations.md "Scheduled
 * backups") need from src/db/backup: the app root passes it in as `ctx.backups`
 * (src/runtime.ts; src/db/backup/engine.ts), the CLI calls src/db/backup directly.
 */
export interface BackupEngine {
  /** A backup of the running server's database (PGlite in-process, PostgreSQL through pg_dump). */
  backupOf(database: Database, out: string, opts: BackupOptions): Promise<Manifest>;
  /** Restores into a scratch database and compares with the manifest; a damaged file throws. */
  verify(file: string, opts: VerifyOptions): Promise<VerifyReport>;
  /** 《备份恢复测试报告》 .docx. */
  testReportDocx(report: VerifyReport, c: ReportContext): Promise<Buffer>;
}

export type { BackupPhase, Manifest, VerifyReport } from '../db/backup/backup.js';
