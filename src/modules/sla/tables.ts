import type { Generated } from 'kysely';

export type SlaState = 'running' | 'paused' | 'breached' | 'met' | 'cancelled';

export interface SlaItemsTable {
  id: Generated<number>;
  subject_type: string;
  subject_id: string;
  kind: string;
  policy_key: string | null;
  calendar_id: string;
  target_minutes: number;
  warn_fraction: number | null;
  warn_minutes_before: number | null;
  started_at: Date;
  state: SlaState;
  paused_since: Date | null;
  paused_minutes: Generated<number>;
  due_at: Date | null;
  warn_at: Date | null;
  warned_at: Date | null;
  breached_at: Date | null;
  met_at: Date | null;
  cancelled_at: Date | null;
  cancel_reason: string | null;
  district_code: string | null;
  label: string | null;
  link: string | null;
  audience_usernames: Generated<string[]>;
  created_at: Date;
  updated_at: Date;
}

export interface SlaPausesTable {
  id: Generated<number>;
  item_id: number;
  paused_at: Date;
  resumed_at: Date | null;
  reason: string | null;
}

export interface SlaBreachesTable {
  id: Generated<number>;
  item_id: number;
  subject_type: string;
  subject_id: string;
  kind: string;
  district_code: string | null;
  calendar_id: string;
  target_minutes: number;
  due_at: Date;
  detected_at: Date;
}

export interface SlaPolicyOverridesTable {
  key: string;
  target_minutes: number;
  calendar_id: string;
  warn_fraction: number | null;
  warn_minutes_before: number | null;
  updated_by: string;
  updated_at: Date;
}

export interface SlaTables {
  sla_items: SlaItemsTable;
  sla_pauses: SlaPausesTable;
  sla_breaches: SlaBreachesTable;
  sla_policy_overrides: SlaPolicyOverridesTable;
}
