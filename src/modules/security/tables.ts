import type { ColumnType, Generated } from 'kysely';
import type { Severity } from './deadlines.js';
import type { VulnState } from './lifecycle.js';

/** Kysely shapes of the security module's tables (migration 0021_security_ops.sql). */

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

export interface SecurityTables {
  security_vulnerabilities: SecurityVulnerabilitiesTable;
  security_vulnerability_events: SecurityVulnerabilityEventsTable;
  security_plan_deadlines: SecurityPlanDeadlinesTable;
}
