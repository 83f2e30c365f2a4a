import type { ColumnType, Generated, JSONColumnType } from 'kysely';

export type EventType = 'entry' | 'exit' | 'status' | 'heartbeat' | 'payment';
/** How events came in: pushed, imported from a file, replayed from quarantine, or pulled by a connector (docs/数据对接.md). */
export type IngestVia = 'api' | 'import' | 'replay' | 'connector';

export interface IngestEventsTable {
  id: Generated<number>;
  source_code: string;
  event_id: string;
  type: EventType;
  lot_id: number | null;
  occurred_at: Date;
  received_at: Date;
  plate: string | null;
  via: ColumnType<IngestVia, IngestVia | undefined, never>;
  payload: JSONColumnType<Record<string, unknown>, string, string>;
}

export interface IngestQuarantineTable {
  id: Generated<number>;
  source_code: string | null;
  received_at: Date;
  via: ColumnType<IngestVia, IngestVia | undefined, never>;
  raw_body: ColumnType<Uint8Array, Buffer, never>;
  reasons: JSONColumnType<QuarantineReason[], string, string>;
  rejected: number;
  status: ColumnType<'open' | 'replayed' | 'discarded', 'open' | undefined, 'replayed' | 'discarded'>;
  resolved_at: Date | null;
  resolved_by: string | null;
  note: string | null;
}

export interface QuarantineReason {
  /** Index of the event in the batch; null when the whole body was refused. */
  index: number | null;
  eventId: string | null;
  code: string;
  message: string;
}

export interface LotLiveTable {
  lot_id: number;
  total_spaces: number | null;
  free_spaces: number | null;
  status_at: Date | null;
  status_flagged: Generated<boolean>;
  last_occurred_at: Date | null;
  last_received_at: Date | null;
}

export interface SourceLiveTable {
  source_code: string;
  last_occurred_at: Date | null;
  last_received_at: Date | null;
}

export interface LotStatusReportsTable {
  id: Generated<number>;
  lot_id: number;
  occurred_at: Date;
  total_spaces: number;
  free_spaces: number;
  flagged: boolean;
  /** Set aside by data cleaning (the quality fix's id): the report leaves every KPI. */
  excluded_by: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface PaymentsTable {
  id: Generated<number>;
  lot_id: number;
  order_no: string;
  plate: string | null;
  amount_fen: number;
  channel: string;
  paid_at: Date;
  event_id: string;
}

/** One archive file the platform wrote (migration 0043, docs/decisions/0032-archive-by-batched-delete.md). */
export interface IngestArchivesTable {
  id: Generated<number>;
  table_name: ArchivedTable;
  /** Shanghai month 'YYYY-MM'. */
  month: string;
  /** The file's name inside the archive directory. */
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
  created_at: Date;
  deleted_rows: ColumnType<number, number | undefined, number>;
  finished_at: Date | null;
  restored_at: Date | null;
  restored_rows: number | null;
}

export type ArchivedTable = 'ingest_events' | 'ingest_quarantine';

/** One stored snapshot of the photo store (migration 0046, docs/decisions/0036-photo-store.md); the file is `<photo dir>/<sha256[0..2]>/<sha256>`. */
export interface IngestPhotosTable {
  sha256: string;
  /** The source that uploaded these bytes last. */
  source_code: string;
  content_type: 'image/jpeg' | 'image/png';
  bytes: number;
  /** The last upload of these bytes: retention counts from here. */
  stored_at: Date;
}

export interface IngestTables {
  ingest_archives: IngestArchivesTable;
  ingest_photos: IngestPhotosTable;
  ingest_events: IngestEventsTable;
  ingest_quarantine: IngestQuarantineTable;
  lot_live: LotLiveTable;
  source_live: SourceLiveTable;
  lot_status_reports: LotStatusReportsTable;
  payments: PaymentsTable;
}
