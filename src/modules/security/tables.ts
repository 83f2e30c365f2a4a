import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { Manifest, VerifyReport } from '../../platform/backup-engine.js';
import type { Severity } from './deadlines.js';
import type { VulnState } from './lifecycle.js';

/** Kysely shapes of the security module's tables (migrations 0021_security_ops.sql, 0025_security_vuln_import.sql, 0028_security_backups.sql, 0034_security_review_report.sql). */

/** `date` columns come back as 'YYYY-MM-DD' on both backends. */
type DateColumn = ColumnType<string, string, string>;

export interface SecurityVulnerabilitiesTable {
  id: Generated<number>;
  title: string;
  severity: Severity;
  state: ColumnType<VulnState, VulnState | undefined, VulnState>;
  source: string | null;
  component: string | null;
  description: string | null;
  found_at: Date;
  plan_working_days: number;
  fix_plan_due_at: Date;
  fix_plan_warn_at: Date;
  plan_text: string | null;
  planned_fix_date: DateColumn | null;
  plan_submitted_at: Date | null;
  fixing_at: Date | null;
  fixed_at: Date | null;
  verified_at: Date | null;
  verification: string | null;
  risk_reason: string | null;
  risk_approver: string | null;
  risk_expires_at: Date | null;
  false_positive_reason: string | null;
  closed_at: Date | null;
  warned_at: Date | null;
  breached_at: Date | null;
  incident_ref: string | null;
  change_ref: string | null;
  /** Scanner findings only (migration 0026): sha256 of kind + rule + component; unique. */
  fingerprint: ColumnType<string | null, string | null | undefined, string | null>;
  last_seen_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface SecurityVulnerabilityEventsTable {
  id: Generated<number>;
  vulnerability_id: number;
  at: Date;
  actor: string;
  from_state: string | null;
  to_state: string;
  note: string | null;
}

export interface SecurityPlanDeadlinesTable {
  severity: 'medium' | 'low';
  working_days: number;
  updated_by: string;
  updated_at: Date;
}

type TextArray = ColumnType<string[], string[] | undefined, string[]>;

export interface SecurityReviewsTable {
  id: Generated<number>;
  quarter: string;
  opened_at: Date;
  opened_by: string;
  signed_off_at: Date | null;
  signed_off_by: string | null;
  sign_off_note: string | null;
  /** Migration 0034: 《用户权限审查报告》 .docx as rendered at sign-off. */
  report_docx: ColumnType<Uint8Array | null, Buffer | null | undefined, Buffer | null>;
  report_generated_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export type ReviewDecision = 'keep' | 'change_role' | 'restrict_district' | 'disable';

export interface SecurityReviewItemsTable {
  id: Generated<number>;
  review_id: number;
  username: string;
  display_name: string | null;
  role: string;
  district_code: string | null;
  status: string;
  created_at: Date;
  last_login_at: Date | null;
  last_activity_at: Date | null;
  findings: TextArray;
  /** Migration 0034: finding → what it is about. */
  finding_details: ColumnType<Record<string, string> | null, string | null | undefined, string | null>;
  decision: ReviewDecision | null;
  decision_note: string | null;
  decision_after: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
  decided_by: string | null;
  decided_at: Date | null;
}

export type RunState = 'running' | 'ok' | 'failed';
export type RunTrigger = 'scheduled' | 'manual';
type Json<T extends object> = JSONColumnType<T | null, string | null, string | null>;

/** Migration 0028_security_backups.sql: the server's own backups. */
export interface SecurityBackupsTable {
  id: Generated<number>;
  trigger: RunTrigger;
  requested_by: string;
  node: string;
  started_at: Date;
  finished_at: Date | null;
  state: ColumnType<RunState, RunState | undefined, RunState>;
  phase: string | null;
  file_path: string | null;
  bytes: number | null;
  sha256: string | null;
  kind: string | null;
  schema_version: string | null;
  table_count: number | null;
  total_rows: number | null;
  encrypted: ColumnType<boolean, boolean | undefined, boolean>;
  duration_ms: number | null;
  manifest: Json<Manifest>;
  error: string | null;
  pruned_at: Date | null;
}

/** What a verification found, as stored (the verify report without its manifest, which the backup row holds). */
export type StoredVerifyReport = Omit<VerifyReport, 'manifest'>;

export interface SecurityBackupVerificationsTable {
  id: Generated<number>;
  backup_id: number;
  trigger: RunTrigger;
  requested_by: string;
  started_at: Date;
  finished_at: Date | null;
  state: ColumnType<RunState, RunState | undefined, RunState>;
  phase: string | null;
  restored_into: string | null;
  restore_ms: number | null;
  report: Json<StoredVerifyReport>;
  error: string | null;
  /** Migration 0034: 《备份恢复测试报告》 .docx written beside the backup after the test. */
  report_file: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface SecurityTables {
  security_backups: SecurityBackupsTable;
  security_backup_verifications: SecurityBackupVerificationsTable;
  security_reviews: SecurityReviewsTable;
  security_review_items: SecurityReviewItemsTable;
  security_vulnerabilities: SecurityVulnerabilitiesTable;
  security_vulnerability_events: SecurityVulnerabilityEventsTable;
  security_plan_deadlines: SecurityPlanDeadlinesTable;
}
