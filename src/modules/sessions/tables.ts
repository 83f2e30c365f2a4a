import type { ColumnType, Generated } from 'kysely';

export type SessionFlag = 'no_entry' | 'stale' | 'duplicate_entry' | 'entry_from_exit' | 'negative_duration' | 'late_entry';

export interface ParkingSessionsTable {
  id: Generated<number>;
  lot_id: number;
  source_code: string;
  plate: string;
  plate_raw: string;
  plate_color: string | null;
  berth_code: string | null;
  entry_event_id: string | null;
  exit_event_id: string | null;
  entered_at: Date | null;
  exited_at: Date | null;
  receivable_fen: number | null;
  paid_fen: number | null;
  pay_channel: string | null;
  /** The entry/exit snapshot's reference: photo:<sha256> (the photo store) or an https URL (migration 0046). */
  entry_photo: ColumnType<string | null, string | null | undefined, string | null>;
  exit_photo: ColumnType<string | null, string | null | undefined, string | null>;
  state: 'open' | 'closed';
  flags: Generated<SessionFlag[]>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  /** Set aside by data cleaning (the quality fix's id): the session leaves every KPI. */
  excluded_by: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface SessionsTables {
  parking_sessions: ParkingSessionsTable;
}
