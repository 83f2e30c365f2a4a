import type { Actor } from '../../platform/auth/permissions.js';
import { notFound } from '../../platform/errors.js';
import { verifyAlipay } from './alipay.js';
import { openChannel } from './channels.js';
import { runPaidListener, runRefundListener } from './paid-listeners.js';
import type { ChannelRecord, HeaderBag, Verdict } from './records.js';
import type { PaymentsContext, PaymentsTrx } from './repo.js';
import { REFUSAL_REASONS, type ChannelKind, type RefusalReason } from './vocab.js';
import { verifyWechat } from './wechat.js';

/*
 * The notification path (docs/支付通道接入.md, "通知"): verify with the channel's keys, then
 * record each stated transaction once (channel + the channel's id); a replay finds its row and
 * changes nothing but is still answered as received. A refused notification is kept in
 * pay_quarantine with why. A payment whose out_trade_no names a pending order of ours with the
 * same amount settles it; one that names no order is kept unmatched for reconciliation.
 */

export interface NotifyInput {
  channelCode: string;
  headers: HeaderBag;
  rawBody: string;
  contentType: string | null;
  ip: string | null;
}

export type NotifyOutcome =
  | { ok: true; kind: ChannelKind; recorded: number; duplicates: number }
  | { ok: false; kind: ChannelKind | null; status: number; reason: RefusalReason; message: string };

/** Refusals about who sent it (401) rather than what it says (400). */
const AUTH_REASONS = new Set<RefusalReason>(['MISSING_HEADERS', 'STALE_TIMESTAMP', 'UNKNOWN_SERIAL', 'BAD_SIGNATURE', 'DECRYPT_FAILED']);

const KEPT_HEADERS = ['content-type', 'wechatpay-timestamp', 'wechatpay-nonce', 'wechatpay-signature', 'wechatpay-serial', 'wechatpay-signature-type', 'user-agent', 'request-id'];

async function quarantine(ctx: PaymentsContext, input: NotifyInput, reason: RefusalReason, message: string): Promise<void> {
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const v = input.headers[name];
    if (v !== undefined) headers[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  await ctx.db.insertInto('pay_quarantine').values({
    channel_code: input.channelCode.slice(0, 100), received_at: ctx.clock.now(), reason, message, headers: JSON.stringify(headers),
    // A text column cannot hold NUL: kept as U+FFFD, so that such a body is quarantined too (not a 400 of the database).
    content_type: input.contentType?.slice(0, 200) ?? null, raw_body: input.rawBody.split('\u0000').join('\ufffd'), ip: input.ip,
  }).execute();
}

export async function receiveNotification(ctx: PaymentsContext, input: NotifyInput): Promise<NotifyOutcome> {
  const refused = async (kind: ChannelKind | null, status: number, reason: RefusalReason, message?: string): Promise<NotifyOutcome> => {
    const text = message ? `${REFUSAL_REASONS[reason]}: ${message}` : REFUSAL_REASONS[reason];
    await quarantine(ctx, input, reason, text);
    return { ok: false, kind, status, reason, message: text };
  };
  const channel = await openChannel(ctx, ctx.db, input.channelCode);
  if (!channel) return refused(null, 404, 'UNKNOWN_CHANNEL');
  if (channel.status !== 'active') return refused(channel.kind, 403, 'CHANNEL_DISABLED');
  let verdict: Verdict & { cumulativeRefund?: boolean };
  if (channel.kind === 'alipay') verdict = verifyAlipay(channel.keys, input.rawBody);
  else verdict = verifyWechat(channel.keys, input.headers, input.rawBody, ctx.clock.now());
  if (!verdict.ok) return refused(channel.kind, AUTH_REASONS.has(verdict.reason) ? 401 : 400, verdict.reason, verdict.message);

  const records = verdict.records;
  const cumulative = verdict.cumulativeRefund === true;
  const notifyId = verdict.notifyId;
  let recorded = 0;
  await ctx.db.transaction().execute(async (trx) => {
    for (const r of records) {
      if (await recordTransaction(ctx, trx, channel.code, r, notifyId, cumulative)) recorded++;
    }
  });
  return { ok: true, kind: channel.kind, recorded, duplicates: records.length - recorded };
}

/** Records one transaction unless the channel's id is known; true when it was new. */
async function recordTransaction(ctx: PaymentsContext, trx: PaymentsTrx, channelCode: string, r: ChannelRecord, notifyId: string | null, cumulativeRefund: boolean): Promise<boolean> {
  const seen = await trx.selectFrom('pay_transactions').select('id')
    .where('channel_code', '=', channelCode).where('kind', '=', r.kind).where('external_id', '=', r.externalId).executeTakeFirst();
  if (seen) return false;
  let amountFen = r.amountFen;
  if (r.kind === 'refund' && cumulativeRefund) {
    // Alipay states the trade's refunded total so far: this refund is what is new.
    const before = await trx.selectFrom('pay_transactions').select((eb) => eb.fn.coalesce(eb.fn.sum<string>('amount_fen'), eb.val('0')).as('fen'))
      .where('channel_code', '=', channelCode).where('kind', '=', 'refund').where('transaction_id', '=', r.transactionId).executeTakeFirstOrThrow();
    amountFen = Math.max(0, r.amountFen - Number(before.fen));
  }
  const order = await trx.selectFrom('pay_orders').select(['id', 'status', 'amount_fen', 'paid_fen', 'kind', 'ref', 'transaction_id']).where('order_no', '=', r.orderNo).executeTakeFirst();
  const now = ctx.clock.now();
  const inserted = await trx.insertInto('pay_transactions').values({
    channel_code: channelCode, kind: r.kind, external_id: r.externalId, order_no: r.orderNo, transaction_id: r.transactionId, refund_no: r.refundNo,
    amount_fen: amountFen, currency: r.currency, occurred_at: r.occurredAt, order_id: order?.id ?? null, notify_id: notifyId,
    detail: JSON.stringify(r.detail), received_at: now,
  }).onConflict((oc) => oc.columns(['channel_code', 'kind', 'external_id']).doNothing()).returning('id').executeTakeFirst();
  if (!inserted) return false;
  if (order && r.kind === 'payment' && order.status === 'pending' && Number(order.amount_fen) === amountFen) {
    await trx.updateTable('pay_orders').set({ status: 'paid', paid_at: r.occurredAt, paid_fen: amountFen, transaction_id: r.transactionId }).where('id', '=', order.id).execute();
    await runPaidListener(trx, { kind: order.kind, ref: order.ref, orderNo: r.orderNo, paidFen: amountFen, paidAt: r.occurredAt, transactionId: r.transactionId }, now);
  }
  // A refund of the payment that settled the order (not of a second payment of it): the order is
  // refunded once the refunds reach what was paid, and its owner hears of each refund.
  if (order && r.kind === 'refund' && (order.status === 'paid' || order.status === 'refunded') && order.transaction_id === r.transactionId && amountFen > 0) {
    const refunded = await trx.selectFrom('pay_transactions').select((eb) => eb.fn.sum<string>('amount_fen').as('fen'))
      .where('order_id', '=', order.id).where('kind', '=', 'refund').where('transaction_id', '=', r.transactionId).executeTakeFirstOrThrow();
    const paidFen = Number(order.paid_fen ?? order.amount_fen);
    if (order.status === 'paid' && Number(refunded.fen) >= paidFen) await trx.updateTable('pay_orders').set({ status: 'refunded' }).where('id', '=', order.id).execute();
    await runRefundListener(trx, {
      kind: order.kind, ref: order.ref, orderNo: r.orderNo, channelCode, refundId: r.externalId, refundNo: r.refundNo, refundFen: amountFen,
      refundedFen: Number(refunded.fen), paidFen, refundedAt: r.occurredAt, transactionId: r.transactionId,
    }, now);
  }
  return true;
}

// ---- quarantine (staff) ----

export interface QuarantineView {
  id: number;
  channelCode: string;
  receivedAt: string;
  reason: string;
  message: string;
  contentType: string | null;
  ip: string | null;
}

export async function listQuarantine(ctx: PaymentsContext, q: { channelCode?: string; limit?: number }): Promise<QuarantineView[]> {
  const rows = await ctx.db.selectFrom('pay_quarantine').select(['id', 'channel_code', 'received_at', 'reason', 'message', 'content_type', 'ip'])
    .$if(q.channelCode !== undefined, (b) => b.where('channel_code', '=', q.channelCode!))
    .orderBy('id', 'desc').limit(q.limit ?? 200).execute();
  return rows.map((r) => ({ id: Number(r.id), channelCode: r.channel_code, receivedAt: r.received_at.toISOString(), reason: r.reason, message: r.message, contentType: r.content_type, ip: r.ip }));
}

export async function getQuarantined(ctx: PaymentsContext, _actor: Actor, id: number): Promise<QuarantineView & { headers: Record<string, string>; rawBody: string }> {
  const r = await ctx.db.selectFrom('pay_quarantine').selectAll().where('id', '=', String(id)).executeTakeFirst();
  if (!r) throw notFound(`隔离通知 ${id}`);
  const headers = (typeof r.headers === 'string' ? JSON.parse(r.headers) : r.headers) as Record<string, string>;
  return { id: Number(r.id), channelCode: r.channel_code, receivedAt: r.received_at.toISOString(), reason: r.reason, message: r.message, contentType: r.content_type, ip: r.ip, headers, rawBody: r.raw_body };
}
