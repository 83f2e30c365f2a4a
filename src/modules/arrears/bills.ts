import { randomBytes } from 'node:crypto';
import { systemActor, type Actor } from '../../platform/auth/permissions.js';
import { recordAudit } from '../../platform/audit/record.js';
import { audit, type AppContext } from '../../platform/context.js';
import type { AnyDb } from '../../platform/db.js';
import { conflict, notFound } from '../../platform/errors.js';
import { maskPlate } from '../../platform/plates.js';
import { shanghaiDay } from '../../platform/time.js';
import { channelKindOf, createOrder, getOrder, sandboxPay, type OrderPaid } from '../payments/index.js';
import { owedSessionsOf, type OwedSession } from './ledger.js';
import { arrearsContext, arrearsDb, readSettings, type ArrearsContext } from './repo.js';

/*
 * A citizen pays a plate's arrears (docs/公众服务接口.md, "缴纳欠费"): a bill fixes the plate's
 * outstanding sessions and amounts and is paid by one pay order (kind arrears, ref = bill no.)
 * on the configured channel. When the channel's verified notification settles the order, the
 * payments module calls `settlePaidBill` in the notification's transaction: each session of the
 * bill is settled (arrears_settlements) and leaves the ledger. A session already settled (paid
 * twice, or written off meanwhile) stays as it was; the bill still records the payment.
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

/** Which of these sessions' arrears were settled here (paid through a channel, or written off). */
export async function settledSessions(anyCtx: AppContext, sessionIds: readonly number[]): Promise<Map<number, 'paid' | 'written_off'>> {
  if (sessionIds.length === 0) return new Map();
  const rows = await arrearsContext(anyCtx).db.selectFrom('arrears_settlements').select(['session_id', 'kind']).where('session_id', 'in', [...sessionIds]).execute();
  return new Map(rows.map((r) => [Number(r.session_id), r.kind]));
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
  const order = await createOrder(ctx, actor, { kind: 'arrears', ref: billNo, amountFen: totalFen, channelCode: settings.channelCode, description: `停车欠费 ${maskPlate(plate)} ${sessions.length} 笔` });
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
 * transaction): the bill is paid and each of its sessions settled, audited as the payments system.
 */
export async function arrearsPaidListener(anyDb: AnyDb, paid: OrderPaid, now: Date): Promise<void> {
  const db = arrearsDb(anyDb);
  const bill = await db.selectFrom('arrears_bills').select(['id', 'plate', 'status']).where('bill_no', '=', paid.ref).forUpdate().executeTakeFirst();
  if (!bill || bill.status === 'paid') return;
  await db.updateTable('arrears_bills').set({ status: 'paid', paid_at: paid.paidAt, transaction_id: paid.transactionId }).where('id', '=', bill.id).execute();
  const items = await db.selectFrom('arrears_bill_items').select(['session_id', 'fen']).where('bill_id', '=', bill.id).execute();
  const settled = items.length === 0 ? [] : await db.insertInto('arrears_settlements')
    .values(items.map((i) => ({ session_id: Number(i.session_id), plate: bill.plate, fen: Number(i.fen), kind: 'paid' as const, bill_id: bill.id, writeoff_id: null, settled_at: now, settled_by: 'payments' })))
    .onConflict((oc) => oc.column('session_id').doNothing()).returning('session_id').execute();
  await recordAudit(db, { now: () => now }, systemActor('payments'), {
    action: 'arrears.settle', targetType: 'arrears_bill', targetId: paid.ref,
    detail: { orderNo: paid.orderNo, transactionId: paid.transactionId, paidFen: paid.paidFen, sessions: settled.length, alreadySettled: items.length - settled.length },
  });
}
