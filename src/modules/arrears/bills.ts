import { randomBytes } from 'node:crypto';
import { systemActor, type Actor } from '../../platform/auth/permissions.js';
import { recordAudit } from '../../platform/audit/record.js';
import { audit, type AppContext } from '../../platform/context.js';
import type { AnyDb } from '../../platform/db.js';
import { conflict, notFound } from '../../platform/errors.js';
import { maskPlate } from '../../platform/plates.js';
import { shanghaiDay } from '../../platform/time.js';
import { sql } from 'kysely';
import { channelKindOf, createOrder, getOrder, sandboxPay, type OrderPaid, type OrderRefunded } from '../payments/index.js';
import { owedSessionsOf, type OwedSession } from './ledger.js';
import { arrearsContext, arrearsDb, lockPlate, owedFen, owedSince, readSettings, type ArrearsContext } from './repo.js';
import { allocateRefund } from './rules.js';

/*
 * A citizen pays a plate's arrears (docs/公众服务接口.md, "缴纳欠费"): a bill fixes the plate's
 * outstanding sessions and amounts and is paid by one pay order (kind arrears, ref = bill no.)
 * on the configured channel. When the channel's verified notification settles the order, the
 * payments module calls `settlePaidBill` in the notification's transaction: each session of the
 * bill is settled (arrears_settlements) and leaves the ledger. A session already settled (paid
 * twice, or written off meanwhile) stays as it was; the bill still records the payment. A refund
 * of the payment puts the refunded amount back on the ledger (`arrearsRefundListener`).
 */

export interface BillView {
  billNo: string;
  orderNo: string;
  amountFen: number;
  channelCode: string;
  channelKind: 'wechat' | 'alipay' | 'sandbox' | null;
  status: 'pending' | 'paid';
  createdAt: string;
  paidAt: string | null;
  sessions: { sessionId: number; fen: number }[];
}

async function billView(ctx: ArrearsContext, billNo: string): Promise<BillView> {
  const b = await ctx.db.selectFrom('arrears_bills').selectAll().where('bill_no', '=', billNo).executeTakeFirst();
  if (!b) throw notFound(`欠费账单 ${billNo}`);
  const items = await ctx.db.selectFrom('arrears_bill_items').select(['session_id', 'fen']).where('bill_id', '=', b.id).orderBy('session_id').execute();
  const channel = await channelKindOf(ctx, b.channel_code);
  return {
    billNo: b.bill_no, orderNo: b.order_no, amountFen: Number(b.amount_fen), channelCode: b.channel_code, channelKind: channel?.kind ?? null, status: b.status,
    createdAt: b.created_at.toISOString(), paidAt: b.paid_at?.toISOString() ?? null, sessions: items.map((i) => ({ sessionId: Number(i.session_id), fen: Number(i.fen) })),
  };
}

/** What a verified plate owes now (every lot and district): the citizen's view. */
export async function citizenArrears(anyCtx: AppContext, plate: string): Promise<{ sessions: OwedSession[]; totalFen: number }> {
  const sessions = await owedSessionsOf(arrearsContext(anyCtx), plate, null);
  return { sessions, totalFen: sessions.reduce((a, s) => a + s.owedFen, 0) };
}

/**
 * Which of these sessions' arrears were settled here (paid through a channel, or written off), how
 * (the latest settlement that was not a refund) and how much the settlements cover now: paid and
 * written off less what refunds reopened. A session whose settlements a refund fully reopened is
 * not in the map.
 */
export async function settledSessions(anyCtx: AppContext, sessionIds: readonly number[]): Promise<Map<number, { kind: 'paid' | 'written_off'; coveredFen: number }>> {
  if (sessionIds.length === 0) return new Map();
  const rows = await arrearsContext(anyCtx).db.selectFrom('arrears_settlements').select(['session_id', 'kind', 'fen']).where('session_id', 'in', [...sessionIds])
    .orderBy('id').execute();
  const out = new Map<number, { kind: 'paid' | 'written_off'; coveredFen: number }>();
  for (const r of rows) {
    const id = Number(r.session_id);
    const had = out.get(id) ?? { kind: 'paid' as const, coveredFen: 0 };
    out.set(id, r.kind === 'refunded' ? { ...had, coveredFen: had.coveredFen - Number(r.fen) } : { kind: r.kind, coveredFen: had.coveredFen + Number(r.fen) });
  }
  for (const [id, v] of out) if (v.coveredFen <= 0) out.delete(id);
  return out;
}

/**
 * A bill for everything the plate owes now, with its pay order on the configured channel. A
 * pending bill of the same sessions and amount is given again (pressing "pay" twice makes one order).
 */
export async function billForPlate(anyCtx: AppContext, actor: Actor, plate: string): Promise<BillView> {
  const ctx = arrearsContext(anyCtx);
  const { sessions, totalFen } = await citizenArrears(ctx, plate);
  if (sessions.length === 0) throw conflict('NO_ARREARS', '该车牌当前没有欠费 / this plate owes nothing');
  const pending = await ctx.db.selectFrom('arrears_bills').select(['id', 'bill_no', 'amount_fen']).where('plate', '=', plate).where('status', '=', 'pending')
    .orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (pending && Number(pending.amount_fen) === totalFen) {
    const items = await ctx.db.selectFrom('arrears_bill_items').select('session_id').where('bill_id', '=', pending.id).execute();
    const same = items.length === sessions.length && items.every((i) => sessions.some((s) => s.sessionId === Number(i.session_id)));
    if (same && (await getOrder(ctx, (await billView(ctx, pending.bill_no)).orderNo)).status === 'pending') return billView(ctx, pending.bill_no);
  }
  const settings = await readSettings(ctx.db);
  const now = ctx.clock.now();
  const billNo = `AR${shanghaiDay(now).replaceAll('-', '')}${randomBytes(5).toString('hex').toUpperCase()}`;
  // The order states its lots (the bill's sessions summed per lot): the channel revenue in analytics attributes by them.
  const lots = sessions.map((x) => ({ lotCode: x.lotCode, districtCode: x.districtCode, fen: x.owedFen }));
  const order = await createOrder(ctx, actor, { kind: 'arrears', ref: billNo, amountFen: totalFen, channelCode: settings.channelCode, description: `停车欠费 ${maskPlate(plate)} ${sessions.length} 笔`, lots });
  await ctx.db.transaction().execute(async (trx) => {
    const bill = await trx.insertInto('arrears_bills').values({
      bill_no: billNo, plate, amount_fen: totalFen, order_no: order.orderNo, channel_code: order.channelCode, created_at: now, created_by: actor.username, paid_at: null, transaction_id: null,
    }).returning('id').executeTakeFirstOrThrow();
    await trx.insertInto('arrears_bill_items').values(sessions.map((s) => ({ bill_id: bill.id, session_id: s.sessionId, fen: s.owedFen }))).execute();
    await audit(ctx, trx, actor, { action: 'arrears.bill.create', targetType: 'arrears_bill', targetId: billNo, detail: { plate: maskPlate(plate), orderNo: order.orderNo, amountFen: totalFen, sessions: sessions.length } });
  });
  return billView(ctx, billNo);
}

/** A bill of this plate (404 for another plate's: a citizen sees only the verified plate's). */
export async function billOfPlate(anyCtx: AppContext, plate: string, billNo: string): Promise<BillView> {
  const ctx = arrearsContext(anyCtx);
  const b = await ctx.db.selectFrom('arrears_bills').select('plate').where('bill_no', '=', billNo).executeTakeFirst();
  if (!b || b.plate !== plate) throw notFound(`欠费账单 ${billNo}`);
  return billView(ctx, billNo);
}

/**
 * The sandbox channel pays a citizen's bill (the demo and tests; a real channel is paid in the
 * citizen's WeChat or Alipay). The notification goes through the same path as a real one.
 */
export async function sandboxPayBill(anyCtx: AppContext, actor: Actor, plate: string, billNo: string): Promise<BillView> {
  const bill = await billOfPlate(anyCtx, plate, billNo);
  if (bill.channelKind !== 'sandbox') throw conflict('NOT_SANDBOX', '该账单的支付通道不是沙箱，请在微信或支付宝中支付 / the bill is not on the sandbox channel');
  if (bill.status === 'paid') return bill;
  await sandboxPay(anyCtx, actor, bill.orderNo);
  return billOfPlate(anyCtx, plate, billNo);
}

/**
 * The order of a bill was paid (payments' listener for kind arrears, in the notification's
 * transaction): the bill is paid and each of its sessions settled for what it still owes, up to
 * its item's amount, audited as the payments system. A session owing nothing any more (paid
 * twice, or written off meanwhile) is not settled again; the bill still records the payment.
 */
export async function arrearsPaidListener(anyDb: AnyDb, paid: OrderPaid, now: Date): Promise<void> {
  const db = arrearsDb(anyDb);
  const bill = await db.selectFrom('arrears_bills').select(['id', 'plate', 'status']).where('bill_no', '=', paid.ref).forUpdate().executeTakeFirst();
  if (!bill || bill.status === 'paid') return;
  await lockPlate(db, bill.plate);
  await db.updateTable('arrears_bills').set({ status: 'paid', paid_at: paid.paidAt, transaction_id: paid.transactionId }).where('id', '=', bill.id).execute();
  const items = await db.selectFrom('arrears_bill_items as i').innerJoin('parking_sessions as s', 's.id', 'i.session_id')
    .select(['i.session_id', 'i.fen', owedFen.as('owed')]).where('i.bill_id', '=', bill.id).execute();
  const rows = items.map((i) => ({ sessionId: Number(i.session_id), fen: Math.min(Number(i.fen), Number(i.owed)) })).filter((i) => i.fen > 0);
  if (rows.length > 0) {
    await db.insertInto('arrears_settlements')
      .values(rows.map((i) => ({ session_id: i.sessionId, plate: bill.plate, fen: i.fen, kind: 'paid' as const, bill_id: bill.id, writeoff_id: null, settled_at: now, settled_by: 'payments' })))
      .execute();
  }
  await recordAudit(db, { now: () => now }, systemActor('payments'), {
    action: 'arrears.settle', targetType: 'arrears_bill', targetId: paid.ref,
    detail: { orderNo: paid.orderNo, transactionId: paid.transactionId, paidFen: paid.paidFen, sessions: rows.length, alreadySettled: items.length - rows.length },
  });
}

/**
 * A refund of a bill's payment (payments' refund listener for kind arrears, in the notification's
 * transaction; once per refund, a replay calls nobody): the refunded amount goes back on the
 * ledger — the bill's sessions reopened newest first up to what the bill settled on each
 * (`allocateRefund`, docs/指标口径.md 欠费追缴) — as `refunded` settlements, audited as the
 * payments system. The unique (refund, session) index makes a second delivery a no-op as well.
 */
export async function arrearsRefundListener(anyDb: AnyDb, refund: OrderRefunded, now: Date): Promise<void> {
  const db = arrearsDb(anyDb);
  const bill = await db.selectFrom('arrears_bills').select(['id', 'plate']).where('bill_no', '=', refund.ref).forUpdate().executeTakeFirst();
  if (!bill) return;
  await lockPlate(db, bill.plate);
  const refundKey = `${refund.channelCode}:${refund.refundId}`;
  const done = await db.selectFrom('arrears_settlements').select('id').where('kind', '=', 'refunded').where('refund_key', '=', refundKey).executeTakeFirst();
  if (done) return;
  const rows = await db.selectFrom('arrears_settlements as st').innerJoin('parking_sessions as s', 's.id', 'st.session_id')
    .where('st.bill_id', '=', bill.id).where('st.kind', 'in', ['paid', 'refunded'])
    .groupBy(['st.session_id', 's.exited_at', 's.entered_at'])
    .select(['st.session_id', owedSince.as('since'), sql<string>`sum(case when st.kind = 'refunded' then -st.fen else st.fen end)`.as('settled')])
    .execute();
  const { parts, unallocatedFen } = allocateRefund(rows.map((r) => ({ sessionId: Number(r.session_id), since: new Date(r.since), settledFen: Number(r.settled) })), refund.refundFen);
  if (parts.length > 0) {
    await db.insertInto('arrears_settlements')
      .values(parts.map((p) => ({ session_id: p.sessionId, plate: bill.plate, fen: p.fen, kind: 'refunded' as const, refund_key: refundKey, bill_id: bill.id, writeoff_id: null, settled_at: now, settled_by: 'payments' })))
      .onConflict((oc) => oc.columns(['refund_key', 'session_id']).where('kind', '=', 'refunded').doNothing())
      .execute();
  }
  await recordAudit(db, { now: () => now }, systemActor('payments'), {
    action: 'arrears.refund_reopen', targetType: 'arrears_bill', targetId: refund.ref,
    detail: { orderNo: refund.orderNo, refundId: refund.refundId, refundNo: refund.refundNo, refundFen: refund.refundFen, refundedAt: refund.refundedAt.toISOString(), reopened: parts, unallocatedFen },
  });
}
