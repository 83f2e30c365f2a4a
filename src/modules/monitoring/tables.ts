import type { ColumnType, Generated, JSONColumnType } from 'kysely';

export type LotState = 'ok' | 'late' | 'never' | 'paused';
export type SourceState = 'ok' | 'partial' | 'late' | 'never' | 'paused';
export type AlertScope = 'lot' | 'source';
export type AlertState = 'open' | 'acknowledged' | 'resolved';
export type AlertResolution = 'recovered' | 'folded' | 'unmonitored';
export type WindowScope = 'lot' | 'source' | 'district' | 'all';
export type WindowKind = 'once' | 'weekly';

export interface MonitoringWindowsTable {
  id: Generated<number>;
  scope: WindowScope;
  lot_id: number | null;
  source_code: string | null;
  district_code: string | null;
  kind: WindowKind;
  starts_at: Date | null;
  ends_at: Date | null;
  days_of_week: number[] | null;
  start_minute: number | null;
  end_minute: number | null;
  /** Shanghai dates 'YYYY-MM-DD'. */
  valid_from: string | null;
  valid_to: string | null;
  reason: string;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface MonitoringLotStateTable {
  lot_id: number;
  state: LotState;
  since: Date;
}

export interface MonitoringSourceStateTable {
  source_code: string;
  state: SourceState;
  since: Date;
}

export interface MonitoringSourceHeartbeatsTable {
  source_code: string;
  last_heartbeat_at: Date;
}

export interface MonitoringReceiptsHourlyTable {
  lot_id: number;
  hour: Date;
  received: number;
  late: number;
}

export interface MonitoringCursorTable {
  name: string;
  last_id: number;
  seen_id: number;
}

export interface MonitoringAlertsTable {
  id: Generated<number>;
  scope: AlertScope;
  lot_id: number | null;
  source_code: string;
  district_codes: ColumnType<string[], string[] | undefined, string[]>;
  state: ColumnType<AlertState, AlertState | undefined, AlertState>;
  opened_at: Date;
  last_occurred_at: Date | null;
  threshold_minutes: number;
  late_lots: ColumnType<number, number | undefined, number>;
  last_notified_at: Date;
  reminders: ColumnType<number, number | undefined, number>;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  ack_note: string | null;
  resolved_at: Date | null;
  resolution: AlertResolution | null;
  parent_id: number | null;
}

export interface MonitoringAlertEventsTable {
  id: Generated<number>;
  alert_id: number;
  at: Date;
  kind: 'opened' | 'reminded' | 'acknowledged' | 'folded' | 'resolved';
  actor: string;
  note: string | null;
}

export interface MonitoringFollowupsTable {
  id: Generated<number>;
  alert_id: number;
  source_code: string;
  lot_id: number | null;
  district_codes: ColumnType<string[], string[] | undefined, string[]>;
  operator_id: number | null;
  operator_name: string | null;
  contact_name: string | null;
  contact_phone: string | null;
  contact_email: string | null;
  state: ColumnType<'open' | 'done', 'open' | undefined, 'open' | 'done'>;
  created_at: Date;
  completed_at: Date | null;
  completed_by: string | null;
  note: string | null;
}

export interface MonitoringProblemSourcesTable {
  source_code: string;
  marked_at: Date;
  outages: number;
  cleared_at: Date | null;
  cleared_by: string | null;
  clear_note: string | null;
}

/** A month whose sync-report numbers were kept before its raw events were archived (migration 0043). */
export interface MonitoringSyncSnapshotsTable {
  month: string;
  taken_at: Date;
}

/** The sync report's per-lot numbers of a snapshot month. */
export interface MonitoringSyncSnapshotLotsTable {
  month: string;
  lot_id: number;
  records: number;
  days_with_data: number;
  late_deliveries: number;
  first_occurred_at: Date | null;
  last_occurred_at: Date | null;
  last_before_end: Date | null;
  intervals: JSONColumnType<{ from: number; to: number }[], string, string>;
}

/** A lot's closed Shanghai day as the sync report reads it (migration 0045, sync-days.ts). */
export interface MonitoringSyncDaysTable {
  lot_id: number;
  /** Written as 'YYYY-MM-DD'; read back with to_char (a date column parses differently per driver). */
  day: ColumnType<string, string, string>;
  threshold_minutes: number;
  records: number;
  late_deliveries: number;
  first_occurred_at: Date | null;
  last_occurred_at: Date | null;
  /** The day's silences longer than the threshold, [from, to] in epoch milliseconds. */
  intervals: JSONColumnType<[number, number][], string, string>;
  computed_at: Date;
}

/** Days whose events changed since they were summarised (filled by triggers on ingest_events). */
export interface MonitoringSyncDirtyTable {
  id: Generated<string>;
  lot_id: number;
  day: ColumnType<string, string, string>;
}

export interface MonitoringTables {
  monitoring_sync_days: MonitoringSyncDaysTable;
  monitoring_sync_dirty: MonitoringSyncDirtyTable;
  monitoring_sync_snapshots: MonitoringSyncSnapshotsTable;
  monitoring_sync_snapshot_lots: MonitoringSyncSnapshotLotsTable;
  monitoring_windows: MonitoringWindowsTable;
  monitoring_lot_state: MonitoringLotStateTable;
  monitoring_source_state: MonitoringSourceStateTable;
  monitoring_source_heartbeats: MonitoringSourceHeartbeatsTable;
  monitoring_receipts_hourly: MonitoringReceiptsHourlyTable;
  monitoring_cursor: MonitoringCursorTable;
  monitoring_alerts: MonitoringAlertsTable;
  monitoring_alert_events: MonitoringAlertEventsTable;
  monitoring_followups: MonitoringFollowupsTable;
  monitoring_problem_sources: MonitoringProblemSourcesTable;
}
