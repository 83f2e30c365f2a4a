import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { ReportedAlertKind } from '../../platform/platform-alerts.js';

/** Kysely shapes of the health module's tables (migration 0023_health_inspections.sql). */

export type ItemStatus = 'ok' | 'warn' | 'fail';

export interface HealthJobStateTable {
  job: string;
  first_seen_at: Date;
  last_started_at: Date;
  last_success_at: Date | null;
  last_failure_at: Date | null;
  last_duration_ms: ColumnType<number, number | undefined, number>;
  consecutive_failures: ColumnType<number, number | undefined, number>;
  runs: ColumnType<number, number | undefined, number>;
  failures: ColumnType<number, number | undefined, number>;
  last_error: string | null;
}

/** Job and 5xx-rate alerts come from the health.watch job (migration 0029); reported ones from their module (backups, migration 0028). */
export type PlatformAlertKind = 'job_failing' | 'job_stalled' | 'error_rate' | ReportedAlertKind;
export type { ReportedAlertKind };

export interface HealthAlertsTable {
  id: Generated<number>;
  kind: PlatformAlertKind;
  subject: string;
  state: ColumnType<'open' | 'resolved', 'open' | 'resolved' | undefined, 'open' | 'resolved'>;
  opened_at: Date;
  last_seen_at: Date;
  resolved_at: Date | null;
  detail: string;
  incident_id: number | null;
  incident_code: string | null;
}

export interface HealthInspectionsTable {
  id: Generated<number>;
  trigger: 'manual' | 'scheduled';
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface HealthInspectionItemsTable {
  inspection_id: number;
  position: number;
  code: string;
  name: string;
  kind: 'auto' | 'manual';
  status: ItemStatus;
  detail: string;
  measured: string | null;
  threshold: string | null;
  note: string | null;
  checked: ColumnType<boolean, boolean | undefined, boolean>;
  incident_code: ColumnType<string | null, string | null | undefined, string | null>;
  updated_by: string;
  updated_at: Date;
}

export interface HealthWorkReportsTable {
  id: Generated<number>;
  kind: 'weekly' | 'monthly';
  period: string;
  version: number;
  state: ColumnType<'draft' | 'submitted' | 'approved' | 'returned', 'draft' | undefined, 'draft' | 'submitted' | 'approved' | 'returned'>;
  content: JSONColumnType<Record<string, unknown>>;
  problems: ColumnType<string, string | undefined, string>;
  next_plan: ColumnType<string, string | undefined, string>;
  generated_by: string;
  generated_at: Date;
  submitted_by: string | null;
  submitted_at: Date | null;
  reviewed_by: string | null;
  reviewed_at: Date | null;
  review_comment: string | null;
}

export interface HealthTables {
  health_job_state: HealthJobStateTable;
  health_alerts: HealthAlertsTable;
  health_inspections: HealthInspectionsTable;
  health_inspection_items: HealthInspectionItemsTable;
  health_work_reports: HealthWorkReportsTable;
}
