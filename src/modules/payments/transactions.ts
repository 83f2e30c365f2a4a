import type { PaymentsContext } from './repo.js';
import type { TransactionKind } from './vocab.js';

/** Verified channel transactions (GET /api/v1/payments, docs/支付通道接入.md). */
export interface TransactionView {
  id: number;
  kind: TransactionKind;
  orderNo: string;
  transactionId: string;
  refundNo: string | null;
  amountFen: number;
  currency: string;
  channel: string;
  paidAt: string;
  matched: boolean;
  receivedAt: string;
}

export interface TransactionQuery {
  orderNo?: string;
  channel?: string;
  kind?: TransactionKind;
  transactionId?: string;
  from?: Date;
  to?: Date;
  limit?: number;
}

export async function listTransactions(ctx: PaymentsContext, q: TransactionQuery): Promise<TransactionView[]> {
  const rows = await ctx.db.selectFrom('pay_transactions')
    .select(['id', 'kind', 'order_no', 'transaction_id', 'refund_no', 'amount_fen', 'currency', 'channel_code', 'occurred_at', 'order_id', 'received_at'])
    .$if(q.orderNo !== undefined, (b) => b.where('order_no', '=', q.orderNo!))
    .$if(q.channel !== undefined, (b) => b.where('channel_code', '=', q.channel!))
    .$if(q.kind !== undefined, (b) => b.where('kind', '=', q.kind!))
    .$if(q.transactionId !== undefined, (b) => b.where('transaction_id', '=', q.transactionId!))
    .$if(q.from !== undefined, (b) => b.where('occurred_at', '>=', q.from!))
    .$if(q.to !== undefined, (b) => b.where('occurred_at', '<', q.to!))
    .orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(q.limit ?? 500).execute();
  return rows.map((r) => ({
    id: Number(r.id), kind: r.kind, orderNo: r.order_no, transactionId: r.transaction_id, refundNo: r.refund_no, amountFen: Number(r.amount_fen), currency: r.currency,
    channel: r.channel_code, paidAt: r.occurred_at.toISOString(), matched: r.order_id !== null, receivedAt: r.received_at.toISOString(),
  }));
}
