import { randomBytes, randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit, type AppContext } from '../../platform/context.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import { formatShanghai, shanghaiDay } from '../../platform/time.js';
import { openChannel } from './channels.js';
import { receiveNotification, type NotifyOutcome } from './notify.js';
import { paymentsContext, type PaymentsContext } from './repo.js';
import type { PayOrdersTable } from './tables.js';
import { ORDER_KINDS, type OrderKind, type OrderStatus } from './vocab.js';
import { encryptResource, signNotification } from './wechat.js';

/*
 * Pay orders (支付订单): what the platform asks to be paid, generic — { kind, ref, amountFen }
 * (arrears of a session, a booking …) under an out_trade_no (orderNo) of ours. A verified
 * payment of the same amount settles the order (notify.ts); the module that owns what is paid
 * reads its settlement through orderSettlement (index.ts).
 */

export interface NewOrder {
  kind: string;
  ref: string;
  amountFen: number;
  channelCode: string;
  description?: string;
  /**
   * The lots this order pays for and how much of it each (sum = amountFen): what the channel
   * revenue in analytics attributes its payments by (docs/指标口径.md §2.11). Optional: an order
   * without lots counts in no lot's or district's channel revenue.
   */
  lots?: OrderLot[];
}

export interface OrderLot {
  lotCode: string;
  districtCode: string;
  fen: number;
}

/** The lots of an order merged by lot code, checked to be positive fen summing to the amount. */
export function orderLotsOf(lots: readonly OrderLot[], amountFen: number): OrderLot[] {
  const merged = new Map<string, OrderLot>();
  for (const l of lots) {
    if (!Number.isSafeInteger(l.fen) || l.fen <= 0 || !l.lotCode || !l.districtCode) throw badRequest('INVALID_LOTS', 'lots: 每项须有停车场、县市区与正整数金额（分）/ each lot needs a code, a district and positive fen', [{ field: 'lots' }]);
    const had = merged.get(l.lotCode);
    merged.set(l.lotCode, { lotCode: l.lotCode, districtCode: l.districtCode, fen: (had?.fen ?? 0) + l.fen });
  }
  const sum = [...merged.values()].reduce((a, l) => a + l.fen, 0);
  if (merged.size > 0 && sum !== amountFen) throw badRequest('INVALID_LOTS', `lots 合计 ${sum} 分与订单金额 ${amountFen} 分不符 / lots sum to ${sum}, the order is ${amountFen}`, [{ field: 'lots' }]);
  return [...merged.values()];
}

export interface OrderView {
  orderNo: string;
  kind: OrderKind;
  ref: string;
  amountFen: number;
  channelCode: string;
  description: string;
  status: OrderStatus;
  createdAt: string;
  createdBy: string;
  paidAt: string | null;
  paidFen: number | null;
  transactionId: string | null;
}

function toView(r: Selectable<PayOrdersTable>): OrderView {
  return {
    orderNo: r.order_no, kind: r.kind, ref: r.ref, amountFen: Number(r.amount_fen), channelCode: r.channel_code, description: r.description, status: r.status,
    createdAt: r.created_at.toISOString(), createdBy: r.created_by, paidAt: r.paid_at?.toISOString() ?? null, paidFen: r.paid_fen === null ? null : Number(r.paid_fen),
    transactionId: r.transaction_id,
  };
}

/** ZB + Shanghai day + 12 random hex digits: 22 characters, unique, within WeChat's 6–32. */
function newOrderNo(now: Date): string {
  return `ZB${shanghaiDay(now).replaceAll('-', '')}${randomBytes(6).toString('hex').toUpperCase()}`;
}

export async function createOrder(anyCtx: AppContext, actor: Actor, input: NewOrder): Promise<OrderView> {
  const ctx = paymentsContext(anyCtx);
  if (!ORDER_KINDS.includes(input.kind as OrderKind)) throw badRequest('INVALID_KIND', `kind 须为 ${ORDER_KINDS.join('|')} / kind must be one of ${ORDER_KINDS.join(', ')}`, [{ field: 'kind' }]);
  if (!Number.isSafeInteger(input.amountFen) || input.amountFen <= 0) throw badRequest('INVALID_AMOUNT', 'amountFen 须为正整数（分）/ amountFen: a positive integer of fen', [{ field: 'amountFen' }]);
  const ref = input.ref?.trim();
  if (!ref || ref.length > 100) throw badRequest('INVALID_VALUE', 'ref 须为 1–100 字 / ref: 1–100 characters', [{ field: 'ref' }]);
  const lots = orderLotsOf(input.lots ?? [], input.amountFen);
  const description = (input.description?.trim() || (input.kind === 'arrears' ? '停车欠费' : input.kind === 'booking' ? '共享车位预约' : '停车费')).slice(0, 127);
  return ctx.db.transaction().execute(async (trx) => {
    const channel = await trx.selectFrom('pay_channels').select(['code', 'status']).where('code', '=', input.channelCode).executeTakeFirst();
    if (!channel) throw badRequest('UNKNOWN_CHANNEL', `支付通道 ${input.channelCode} 不存在 / unknown channel`, [{ field: 'channelCode' }]);
    if (channel.status !== 'active') throw conflict('CHANNEL_DISABLED', `支付通道 ${input.channelCode} 已停用 / channel disabled`);
    const now = ctx.clock.now();
    const row = await trx.insertInto('pay_orders').values({
      order_no: newOrderNo(now), kind: input.kind as OrderKind, ref, amount_fen: input.amountFen, channel_code: input.channelCode, description,
      created_at: now, created_by: actor.username, paid_at: null, paid_fen: null, transaction_id: null,
    }).returningAll().executeTakeFirstOrThrow();
    if (lots.length > 0) {
      await trx.insertInto('pay_order_lots').values(lots.map((l) => ({ order_id: row.id, lot_code: l.lotCode, district_code: l.districtCode, fen: l.fen }))).execute();
    }
    const view = toView(row);
    await audit(ctx, trx, actor, { action: 'payment_order.create', targetType: 'payment_order', targetId: view.orderNo, detail: { after: view, lots } });
    return view;
  });
}

export async function getOrder(anyCtx: AppContext, orderNo: string): Promise<OrderView> {
  const ctx = paymentsContext(anyCtx);
  const r = await ctx.db.selectFrom('pay_orders').selectAll().where('order_no', '=', orderNo).executeTakeFirst();
  if (!r) throw notFound(`支付订单 ${orderNo}`);
  return toView(r);
}

export async function listOrders(ctx: PaymentsContext, q: { kind?: string; ref?: string; status?: string; limit?: number }): Promise<OrderView[]> {
  const rows = await ctx.db.selectFrom('pay_orders').selectAll()
    .$if(q.kind !== undefined, (b) => b.where('kind', '=', q.kind as OrderKind))
    .$if(q.ref !== undefined, (b) => b.where('ref', '=', q.ref!))
    .$if(q.status !== undefined, (b) => b.where('status', '=', q.status as OrderStatus))
    .orderBy('id', 'desc').limit(q.limit ?? 200).execute();
  return rows.map(toView);
}

/** The kind of a channel (wechat, alipay, sandbox), or null when there is no such channel. */
export async function channelKindOf(anyCtx: AppContext, code: string): Promise<{ kind: 'wechat' | 'alipay' | 'sandbox'; status: 'active' | 'disabled' } | null> {
  const r = await paymentsContext(anyCtx).db.selectFrom('pay_channels').select(['kind', 'status']).where('code', '=', code).executeTakeFirst();
  return r ?? null;
}

/** For the module that owns what is paid: the orders of (kind, ref) and whether one is paid. */
export async function orderSettlement(anyCtx: AppContext, kind: OrderKind, ref: string): Promise<{ paid: boolean; orders: OrderView[] }> {
  const ctx = paymentsContext(anyCtx);
  const orders = await listOrders(ctx, { kind, ref });
  return { paid: orders.some((o) => o.status === 'paid'), orders };
}

/**
 * The sandbox channel pays an order: it builds the TRANSACTION.SUCCESS notification WeChat Pay
 * would send — resource encrypted with AES-256-GCM under the channel's APIv3 key, signed
 * SHA256withRSA with the sandbox's platform key — and delivers it to the same notification path
 * as a real one. Returns what was sent and how it was answered.
 */
export async function sandboxPay(anyCtx: AppContext, actor: Actor, orderNo: string): Promise<{ order: OrderView; notification: { headers: Record<string, string>; body: string }; outcome: NotifyOutcome }> {
  const ctx = paymentsContext(anyCtx);
  const order = await getOrder(ctx, orderNo);
  const channel = await openChannel(ctx, ctx.db, order.channelCode);
  if (!channel || channel.kind !== 'sandbox' || !channel.secrets.sandboxPrivateKey) throw conflict('NOT_SANDBOX', `订单 ${orderNo} 的支付通道不是沙箱 / the order's channel is not a sandbox`);
  if (order.status !== 'pending') throw conflict('ORDER_NOT_PENDING', `订单 ${orderNo} 状态为 ${order.status} / order is ${order.status}`);
  const now = ctx.clock.now();
  const shanghai = `${formatShanghai(now).replace(' ', 'T')}+08:00`;
  const transaction = {
    mchid: channel.keys.mchId, appid: 'wxSANDBOX', out_trade_no: order.orderNo,
    transaction_id: `4200${shanghaiDay(now).replaceAll('-', '')}${randomBytes(7).readUIntBE(0, 6).toString().padStart(15, '0')}`.slice(0, 32),
    trade_type: 'JSAPI', trade_state: 'SUCCESS', trade_state_desc: '支付成功', bank_type: 'OTHERS', attach: '', success_time: shanghai,
    payer: { openid: `sandbox-${actor.username}` }, amount: { total: order.amountFen, payer_total: order.amountFen, currency: 'CNY', payer_currency: 'CNY' },
  };
  const { headers, body, outcome } = await sandboxNotify(ctx, channel, channel.secrets.sandboxPrivateKey, 'TRANSACTION.SUCCESS', '支付成功', 'transaction', transaction, now);
  await audit(ctx, ctx.db, actor, { action: 'payment_order.sandbox_pay', targetType: 'payment_order', targetId: orderNo, detail: { transactionId: transaction.transaction_id, ok: outcome.ok } });
  return { order: await getOrder(ctx, orderNo), notification: { headers, body }, outcome };
}

type WechatLikeChannel = Extract<NonNullable<Awaited<ReturnType<typeof openChannel>>>, { kind: 'wechat' | 'sandbox' }>;

/**
 * What WeChat Pay would send for `resource` (a transaction or a refund): the notification
 * envelope with the resource encrypted under the channel's APIv3 key, signed with the sandbox's
 * platform key, delivered to the channel's notification path as any notification is.
 */
async function sandboxNotify(ctx: PaymentsContext, channel: WechatLikeChannel, privateKey: string, eventType: string, summary: string, kind: 'transaction' | 'refund', resource: object, now: Date) {
  const body = JSON.stringify({
    id: randomUUID(), create_time: `${formatShanghai(now).replace(' ', 'T')}+08:00`, resource_type: 'encrypt-resource', event_type: eventType, summary,
    resource: encryptResource(channel.keys.apiV3Key, JSON.stringify(resource), { originalType: kind, associatedData: kind }),
  });
  const serial = Object.keys(channel.keys.platformKeys)[0]!;
  const headers = signNotification(privateKey, serial, body, now);
  const outcome = await receiveNotification(ctx, { channelCode: channel.code, headers, rawBody: body, contentType: 'application/json', ip: null });
  return { headers, body, outcome };
}

/**
 * The sandbox channel refunds (part of) a paid order: the REFUND.SUCCESS notification WeChat Pay
 * would send for it, encrypted and signed like sandboxPay's, delivered to the same notification
 * path. `refundId` is the channel's refund id (a new one by default); sending the returned
 * notification again is a replay. For the demo and tests (docs/支付通道接入.md §4).
 */
export async function sandboxRefund(anyCtx: AppContext, actor: Actor, orderNo: string, refundFen: number, refundId?: string): Promise<{ notification: { headers: Record<string, string>; body: string }; outcome: NotifyOutcome }> {
  const ctx = paymentsContext(anyCtx);
  const order = await getOrder(ctx, orderNo);
  const channel = await openChannel(ctx, ctx.db, order.channelCode);
  if (!channel || channel.kind !== 'sandbox' || !channel.secrets.sandboxPrivateKey) throw conflict('NOT_SANDBOX', `订单 ${orderNo} 的支付通道不是沙箱 / the order's channel is not a sandbox`);
  if (order.status === 'pending' || order.status === 'closed' || !order.transactionId) throw conflict('ORDER_NOT_PAID', `订单 ${orderNo} 状态为 ${order.status} / order is ${order.status}`);
  if (!Number.isSafeInteger(refundFen) || refundFen <= 0 || refundFen > (order.paidFen ?? order.amountFen)) throw badRequest('INVALID_AMOUNT', '退款金额须为不超过实付的正整数（分）/ refund: positive fen up to what was paid', [{ field: 'refundFen' }]);
  const now = ctx.clock.now();
  const shanghai = `${formatShanghai(now).replace(' ', 'T')}+08:00`;
  const id = refundId ?? `5030${shanghaiDay(now).replaceAll('-', '')}${randomBytes(7).readUIntBE(0, 6).toString().padStart(15, '0')}`.slice(0, 32);
  const refund = {
    mchid: channel.keys.mchId, out_trade_no: order.orderNo, transaction_id: order.transactionId, out_refund_no: `RF${id.slice(-12)}`, refund_id: id,
    refund_status: 'SUCCESS', success_time: shanghai, user_received_account: '支付用户零钱',
    amount: { total: order.paidFen ?? order.amountFen, refund: refundFen, payer_total: order.paidFen ?? order.amountFen, payer_refund: refundFen },
  };
  const { headers, body, outcome } = await sandboxNotify(ctx, channel, channel.secrets.sandboxPrivateKey, 'REFUND.SUCCESS', '退款成功', 'refund', refund, now);
  await audit(ctx, ctx.db, actor, { action: 'payment_order.sandbox_refund', targetType: 'payment_order', targetId: orderNo, detail: { refundId: id, refundFen, ok: outcome.ok } });
  return { notification: { headers, body }, outcome };
}
