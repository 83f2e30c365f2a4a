import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { ActionState, ActionType, DetectionSource, FeedbackChannel, IncidentState, RootCauseCategory, TimelineKind } from './vocab.js';

/** Kysely shapes of the incident ledger's tables (migration 0012_incidents.sql). */

/** `date` columns come back as 'YYYY-MM-DD' on both backends. */
type DateColumn = ColumnType<string, string, string>;
type TextArray = ColumnType<string[], string[] | undefined, string[]>;

export interface IncidentNumbersTable {
  day: DateColumn;
  last: number;
}

export interface IncidentsTable {
  id: Generated<number>;
  code: string;
  title: string;
  description: string | null;
  severity: 1 | 2 | 3;
  state: ColumnType<IncidentState, IncidentState | undefined, IncidentState>;
  detection_source: DetectionSource;
  reporter: string | null;
  occurred_at: Date;
  detected_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  recovered_at: Date | null;
  resolved_at: Date | null;
  reviewed_at: Date | null;
  closed_at: Date | null;
  commander: string | null;
  scope_description: string | null;
  scope_modules: TextArray;
  scope_districts: TextArray;
  scope_lots: TextArray;
  affected_users: number | null;
  affected_users_note: string | null;
  resolution: string | null;
  root_cause: string | null;
  root_cause_category: RootCauseCategory | null;
  close_note: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface IncidentTimelineTable {
  id: Generated<number>;
  incident_id: number;
  at: Date;
  recorded_at: Date;
  actor: string;
  kind: TimelineKind;
  from_state: string | null;
  to_state: string | null;
  text: string;
  detail: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
}

export interface IncidentLinksTable {
  id: Generated<number>;
  incident_id: number;
  kind: 'alert' | 'ticket';
  ref_id: string;
  label: string | null;
  created_by: string;
  created_at: Date;
}

export interface IncidentActionsTable {
  id: Generated<number>;
  incident_id: number;
  type: ActionType;
  description: string;
  owner: string;
  planned_date: DateColumn;
  state: ColumnType<ActionState, ActionState | undefined, ActionState>;
  completed_at: Date | null;
  completed_by: string | null;
  completion_note: string | null;
  waived_at: Date | null;
  waived_by: string | null;
  waive_reason: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface IncidentFeedbackTable {
  id: Generated<number>;
  incident_id: number;
  given_at: Date;
  channel: FeedbackChannel;
  recipient: string | null;
  note: string;
  sla_kinds: TextArray;
  recorded_by: string;
  recorded_at: Date;
}

export interface IncidentsTables {
  incident_numbers: IncidentNumbersTable;
  incidents: IncidentsTable;
  incident_timeline: IncidentTimelineTable;
  incident_links: IncidentLinksTable;
  incident_actions: IncidentActionsTable;
  incident_feedback: IncidentFeedbackTable;
}
