import type { ColumnType, Generated } from 'kysely';
/** Kysely shapes of the arrears tables (migration 0038_arrears.sql). */

type Fen = ColumnType<number | string, number, number>;
type Json = ColumnType<unknown, string, string>;

export interface ArrearsBillsTable {
  id: Generated<string>;
  bill_no: string;
  plate: string;
  amount_fen: Fen;
  order_no: string;
  channel_code: string;
  status: Generated<'pending' | 'paid'>;
  created_at: Date;
  created_by: string;
  paid_at: Date | null;
  transaction_id: string | null;
}

export interface ArrearsBillItemsTable {
  bill_id: string;
  session_id: ColumnType<number | string, number, number>;
  fen: Fen;
}

export interface ArrearsWriteoffsTable {
  id: Generated<string>;
  plate: string;
  session_ids: Json;
  amount_fen: Fen;
  reason: string;
  status: Generated<'pending' | 'approved' | 'rejected'>;
  requested_by: string;
  requested_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  decision_note: string | null;
}

/**
 * One settlement event of a session (migration 0044 made it a log): paid by a bill, written off,
 * or refunded — a refund of the bill's payment reopened `fen` of it (refund_key: channel code +
 * the channel's refund id). What a session's settlements cover = paid + written off − refunded.
 */
export interface ArrearsSettlementsTable {
  id: Generated<string>;
  session_id: ColumnType<number | string, number, number>;
  plate: string;
  fen: Fen;
  kind: 'paid' | 'written_off' | 'refunded';
  refund_key: ColumnType<string | null, string | null | undefined, string | null>;
  bill_id: string | null;
  writeoff_id: string | null;
  settled_at: Date;
  settled_by: string;
}

export interface ArrearsSettingsTable {
  id: number;
  enforce_after_days: number | null;
  enforce_above_fen: ColumnType<number | string | null, number | null, number | null>;
  refusal_enabled: boolean;
  refusal_sources: Json;
  channel_code: string;
  updated_at: Date;
  updated_by: string;
}

export interface ArrearsTables {
  arrears_bills: ArrearsBillsTable;
  arrears_bill_items: ArrearsBillItemsTable;
  arrears_writeoffs: ArrearsWriteoffsTable;
  arrears_settlements: ArrearsSettlementsTable;
  arrears_settings: ArrearsSettingsTable;
}
