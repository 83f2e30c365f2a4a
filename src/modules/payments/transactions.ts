import type { PaymentsContext } from './repo.js';
import type { ChannelKind, TransactionKind } from './vocab.js';

/**
 * Verified channel transactions (GET /api/v1/payments, docs/支付通道接入.md §3). `channel` is the
 * pay channel in the platform's vocabulary (wechat, alipay; sandbox for the sandbox), as payment
 * events and parking records name it; `channelCode` the configured channel it came through.
 */
export interface TransactionView {
  id: number;
  kind: TransactionKind;
  orderNo: string;
  transactionId: string;
  refundNo: string | null;
  amountFen: number;
  currency: string;
  channel: ChannelKind;
  channelCode: string;
  paidAt: string;
  matched: boolean;
  receivedAt: string;
}

export interface TransactionQuery {
  orderNo?: string;
  channel?: ChannelKind;
  channelCode?: string;
  kind?: TransactionKind;
  transactionId?: string;
  from?: Date;
  to?: Date;
  limit?: number;
}

export async function listTransactions(ctx: PaymentsContext, q: TransactionQuery): Promise<TransactionView[]> {
  const rows = await ctx.db.selectFrom('pay_transactions as t').innerJoin('pay_channels as c', 'c.code', 't.channel_code')
    .select(['t.id', 't.kind', 't.order_no', 't.transaction_id', 't.refund_no', 't.amount_fen', 't.currency', 't.channel_code', 'c.kind as channel_kind', 't.occurred_at', 't.order_id', 't.received_at'])
    .$if(q.orderNo !== undefined, (b) => b.where('t.order_no', '=', q.orderNo!))
    .$if(q.channel !== undefined, (b) => b.where('c.kind', '=', q.channel!))
    .$if(q.channelCode !== undefined, (b) => b.where('t.channel_code', '=', q.channelCode!))
    .$if(q.kind !== undefined, (b) => b.where('t.kind', '=', q.kind!))
    .$if(q.transactionId !== undefined, (b) => b.where('t.transaction_id', '=', q.transactionId!))
    .$if(q.from !== undefined, (b) => b.where('t.occurred_at', '>=', q.from!))
    .$if(q.to !== undefined, (b) => b.where('t.occurred_at', '<', q.to!))
    .orderBy('t.occurred_at', 'desc').orderBy('t.id', 'desc').limit(q.limit ?? 500).execute();
  return rows.map((r) => ({
    id: Number(r.id), kind: r.kind, orderNo: r.order_no, transactionId: r.transaction_id, refundNo: r.refund_no, amountFen: Number(r.amount_fen), currency: r.currency,
    channel: r.channel_kind, channelCode: r.channel_code, paidAt: r.occurred_at.toISOString(), matched: r.order_id !== null, receivedAt: r.received_at.toISOString(),
  }));
}
