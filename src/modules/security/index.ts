/*
 * Security operations (安全运维) — the module's public entry: the vulnerability register with its
 * fix-plan deadlines on the working-day calendar, and the job that warns and raises breaches
 * the quarterly permission review, and the server's own scheduled, restore-tested backups
 * (docs/security-operations.md).
 */
export { securityRoutes } from './routes.js';
export { checkVulnerabilityDeadlines, runSecurityCheckJob, SECURITY_CHECK_JOB } from './check.js';
export { createVulnerability, listVulnerabilities, type VulnView } from './vulnerabilities.js';
export { fixPlanDeadline, planWorkingDays } from './deadlines.js';
export { openQuarterReviewIfDue, openReview, quarterOf, REVIEW_OPEN_JOB } from './reviews.js';
export { BACKUP_JOB, backupSettings, listBackups, pruneBackups, runBackupJob, settledBackupWork, type BackupJobResult } from './backups.js';
// 《安全漏洞处置报告》 for a period, as the report centre's schedules generate it.
export { vulnerabilityReportDocx } from './report-docx.js';
// 安全运维 at a glance: the console's 概要 tab and the monthly work report.
export { securitySummary, type SecuritySummary } from './summary.js';
// Its documents as the report centre lists them (docs/巡检与报告.md §6).
export { reportCatalogue } from './report-catalogue.js';
export type { SecurityTables } from './tables.js';
