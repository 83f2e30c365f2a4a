import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { ConnectorKind } from './vocab.js';

/** A position in a source: the adapter's own shape (id, time + id, file + row), stored as JSON. */
export type Cursor = Record<string, string | number | null>;

export interface ConnectorsTable {
  id: Generated<number>;
  code: string;
  name: string;
  kind: ConnectorKind;
  source_code: string;
  config: JSONColumnType<Record<string, unknown>, string, string>;
  secrets_sealed: string | null;
  mapping: JSONColumnType<Record<string, unknown>, string, string>;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  interval_seconds: ColumnType<number, number | undefined, number>;
  cursor: JSONColumnType<Cursor | null, string | null, string | null>;
  created_at: Date;
  updated_at: Date;
  updated_by: string;
}

export interface ConnectorHealthTable {
  connector_id: number;
  last_pull_at: Date | null;
  last_success_at: Date | null;
  last_record_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  consecutive_errors: ColumnType<number, number | undefined, number>;
  next_pull_at: Date | null;
  records_total: ColumnType<number, number | undefined, number>;
  rejected_total: ColumnType<number, number | undefined, number>;
}

export interface ConnectorHourlyTable {
  connector_id: number;
  hour: Date;
  records: ColumnType<number, number | undefined, number>;
  rejected: ColumnType<number, number | undefined, number>;
  errors: ColumnType<number, number | undefined, number>;
}

export type BackfillStatus = 'running' | 'done' | 'failed' | 'cancelled';

export interface ConnectorBackfillsTable {
  id: Generated<number>;
  connector_id: number;
  from_cursor: JSONColumnType<Cursor | null, string | null, string | null>;
  until_cursor: JSONColumnType<Cursor | null, string | null, string | null>;
  position: JSONColumnType<Cursor | null, string | null, string | null>;
  status: ColumnType<BackfillStatus, BackfillStatus | undefined, BackfillStatus>;
  records: ColumnType<number, number | undefined, number>;
  accepted: ColumnType<number, number | undefined, number>;
  error: string | null;
  requested_by: string;
  started_at: Date;
  finished_at: Date | null;
}

export interface ConnectorsTables {
  connectors: ConnectorsTable;
  connector_health: ConnectorHealthTable;
  connector_hourly: ConnectorHourlyTable;
  connector_backfills: ConnectorBackfillsTable;
}
