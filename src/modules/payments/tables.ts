import type { ColumnType, Generated } from 'kysely';
/** Kysely shapes of the payments tables (migration 0022_payments.sql). */

type Json = ColumnType<unknown, string, string>;
type Fen = ColumnType<number | string, number, number>;

export interface PayChannelsTable {
  id: Generated<number>;
  code: string;
  name: string;
  kind: 'wechat' | 'alipay' | 'sandbox';
  status: Generated<'active' | 'disabled'>;
  config: Json;
  secrets_sealed: string;
  created_at: Date;
  updated_at: Date;
  updated_by: string;
}

export interface PayOrdersTable {
  id: Generated<string>;
  order_no: string;
  kind: 'arrears' | 'booking' | 'other';
  ref: string;
  amount_fen: Fen;
  channel_code: string;
  description: string;
  status: Generated<'pending' | 'paid' | 'refunded' | 'closed'>;
  created_at: Date;
  created_by: string;
  paid_at: Date | null;
  paid_fen: ColumnType<number | string | null, number | null, number | null>;
  transaction_id: string | null;
}

/** Which lots an order pays for (migration 0044): the owner of what is paid states it. */
export interface PayOrderLotsTable {
  order_id: string;
  lot_code: string;
  district_code: string;
  fen: Fen;
}

export interface PayTransactionsTable {
  id: Generated<string>;
  channel_code: string;
  kind: 'payment' | 'refund';
  external_id: string;
  order_no: string;
  transaction_id: string;
  refund_no: string | null;
  amount_fen: Fen;
  currency: Generated<string>;
  occurred_at: Date;
  order_id: string | null;
  notify_id: string | null;
  detail: Json;
  received_at: Date;
}

export interface PayQuarantineTable {
  id: Generated<string>;
  channel_code: string;
  received_at: Date;
  reason: string;
  message: string;
  headers: Json;
  content_type: string | null;
  raw_body: string;
  ip: string | null;
}

export interface PayReconImportsTable {
  id: Generated<string>;
  channel_code: string;
  bill_date: ColumnType<string, string, string>;
  file_name: string;
  format: 'wechat_trade_csv' | 'alipay_statement_zip';
  summary: Json;
  imported_at: Date;
  imported_by: string;
}

export interface PayReconLinesTable {
  id: Generated<string>;
  import_id: string;
  result: string;
  kind: 'payment' | 'refund';
  order_no: string | null;
  transaction_id: string | null;
  refund_no: string | null;
  bill_fen: ColumnType<number | string | null, number | null, number | null>;
  ours_fen: ColumnType<number | string | null, number | null, number | null>;
  occurred_at: Date | null;
  status: 'ok' | 'open' | 'resolved';
  resolved_at: Date | null;
  resolved_by: string | null;
  resolution: string | null;
  /** The key it was matched by (pay_transactions.external_id), migration 0044. */
  key: string | null;
}

export interface PaymentsTables {
  pay_channels: PayChannelsTable;
  pay_orders: PayOrdersTable;
  pay_order_lots: PayOrderLotsTable;
  pay_transactions: PayTransactionsTable;
  pay_quarantine: PayQuarantineTable;
  pay_recon_imports: PayReconImportsTable;
  pay_recon_lines: PayReconLinesTable;
}
