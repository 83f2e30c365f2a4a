import type { BackupEngine } from '../../platform/backup-engine.js';
import { createBackupOf, verifyBackup } from './backup.js';
import { verifyReportDocx } from './report-docx.js';

/** The backup engine the app root hands to the security module as `ctx.backups` (src/platform/backup-engine.ts). */
export const backupEngine: BackupEngine = { backupOf: createBackupOf, verify: verifyBackup, testReportDocx: verifyReportDocx };
