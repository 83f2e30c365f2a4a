import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../platform/errors.js';
import { isValidPlate, maskPlate, normalizePlate } from '../../platform/plates.js';
import { queryList } from '../../platform/query-list.js';
import { parseBusinessTime, shanghaiDayStart } from '../../platform/time.js';
import { calendarOf } from './offer-calendar.js';
import { notifyOwnerCancellation } from './offers.js';
import { bookingsQuery, scopeOf, type BookingRow, type SharingContext, type SharingDb } from './repo.js';
import { BOOKING_STATUSES, type Booking, type BookingBody } from './schemas.js';
import type { SharingOffersTable } from './tables.js';
import { bookingFee, citizenMayCancel, maxOverlap, occurrenceHolding, type Pricing } from './windows.js';

/*
 * Bookings (docs/共享停车规则.md). The capacity rule — at no instant do the bookings holding a
 * space (booked, entered) outnumber the offer's spaces — is enforced in the database, in the
 * booking's transaction, under a row lock on the offer (decision 0013): every booking of an
 * offer takes the same lock, so the count it checks cannot change before it commits. A plate's
 * own bookings are serialised by a transaction advisory lock on the plate, taken first.
 */

/** Statuses that hold a space during [start, end). */
export const HOLDING = ['booked', 'entered'] as const;
const PLATE_LOCK_SPACE = 7_140_190;

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
export const maskPhone = (p: string) => (p.length >= 7 ? `${p.slice(0, 3)}****${p.slice(-4)}` : '****');

export function bookingView(r: BookingRow, unmasked: boolean): Booking {
  return {
    id: r.id,
    status: r.status,
    offerId: r.offer_id,
    offerName: r.offer_name,
    lotCode: r.lot_code,
    lotName: r.lot_name,
    plate: unmasked ? r.plate : maskPlate(r.plate),
    phone: maskPhone(r.phone),
    start: iso(r.start_at)!,
    end: iso(r.end_at)!,
    feeFen: r.fee_fen,
    paymentState: r.payment_state,
    enteredAt: iso(r.entered_at),
    exitedAt: iso(r.exited_at),
    sessionId: r.session_id === null ? null : Number(r.session_id),
    overstayMinutes: r.overstay_minutes,
    overstayFeeFen: r.overstay_fee_fen,
    cancelledAt: iso(r.cancelled_at),
    cancelledBy: r.cancelled_by,
    disputeTicketNo: r.dispute_ticket_no,
    createdAt: iso(r.created_at)!,
  };
}

export const pricingOf = (o: Pick<SharingOffersTable, 'price_fen_per_hour' | 'price_fen_per_booking' | 'overstay_fen_per_hour'>): Pricing => ({
  priceFenPerHour: o.price_fen_per_hour, priceFenPerBooking: o.price_fen_per_booking, overstayFenPerHour: o.overstay_fen_per_hour,
});

function slotOf(startText: string, endText: string): { start: Date; end: Date } {
  const start = parseBusinessTime(startText);
  const end = parseBusinessTime(endText);
  if (!start || !end) throw badRequest('INVALID_TIME', 'start、end 须为 ISO 8601 时间 / start and end must be ISO 8601 times');
  if (end.getTime() <= start.getTime()) throw badRequest('INVALID_TIME', 'end 须晚于 start / end must be after start');
  return { start, end };
}

/** The intervals of an offer's bookings holding a space that overlap [start, end). */
async function holders(db: SharingDb, offerId: number, start: Date, end: Date, exceptId?: number) {
  return db.selectFrom('sharing_bookings').select(['start_at', 'end_at'])
    .where('offer_id', '=', offerId).where('status', 'in', HOLDING)
    .where('start_at', '<', end).where('end_at', '>', start)
    .$if(exceptId !== undefined, (q) => q.where('id', '!=', exceptId!))
    .execute();
}

/** A citizen books a slot: 201 booked, or a 4xx with a code (docs/共享停车规则.md, "预约"). */
export async function createBooking(ctx: SharingContext, body: BookingBody): Promise<Booking & { cancelCode: string }> {
  const plate = normalizePlate(body.plate);
  if (!isValidPlate(plate)) throw badRequest('INVALID_PLATE', '号牌格式无效 / invalid plate');
  const { start, end } = slotOf(body.start, body.end);
  const phone = body.phone.replace(/[\s-]/g, '');
  const now = ctx.clock.now();
  if (end.getTime() <= now.getTime()) throw badRequest('SHARE_IN_PAST', '预约时段已过 / the slot is over');

  const id = await ctx.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${PLATE_LOCK_SPACE}, hashtext(${plate}))`.execute(trx);
    // The offer's row lock: every booking of this offer waits here for the one before to commit.
    const offer = await trx.selectFrom('sharing_offers').selectAll().where('id', '=', body.offerId).forUpdate().executeTakeFirst();
    if (!offer) throw new AppError(404, 'SHARE_OFFER_NOT_FOUND', `共享方案 ${body.offerId} 不存在 / no offer ${body.offerId}`);
    if (offer.status !== 'approved') throw conflict('SHARE_NOT_BOOKABLE', `共享方案当前不可预约（${offer.status}） / the offer is not open for booking (${offer.status})`);
    if (!occurrenceHolding(offer.windows, calendarOf(offer), start, end)) {
      throw badRequest('SHARE_OUTSIDE_WINDOW', '预约时段须完整落在方案的一个共享时段内 / the slot must lie inside one window of the offer');
    }
    if (offer.max_minutes !== null && end.getTime() - start.getTime() > offer.max_minutes * 60_000) {
      throw badRequest('SHARE_TOO_LONG', `单次预约最长 ${offer.max_minutes} 分钟 / at most ${offer.max_minutes} minutes`);
    }
    if (offer.new_energy_only && [...plate].length !== 8) throw badRequest('SHARE_NEW_ENERGY_ONLY', '该方案仅限新能源车 / new-energy vehicles only');
    const suspended = await trx.selectFrom('sharing_suspensions').select('until_at').where('plate', '=', plate)
      .where('from_at', '<=', now).where('until_at', '>', now).orderBy('until_at', 'desc').executeTakeFirst();
    if (suspended) {
      throw conflict('SHARE_PLATE_SUSPENDED', `该号牌因多次爽约暂停预约至 ${new Date(suspended.until_at).toISOString()} / plate suspended from booking until then`);
    }
    const own = await trx.selectFrom('sharing_bookings').select('id').where('plate', '=', plate).where('status', 'in', HOLDING)
      .where('start_at', '<', end).where('end_at', '>', start).executeTakeFirst();
    if (own) throw conflict('SHARE_PLATE_OVERLAP', '该号牌已有时间重叠的预约 / the plate already holds an overlapping booking');
    const busy = maxOverlap((await holders(trx, offer.id, start, end)).map((h) => ({ from: new Date(h.start_at), to: new Date(h.end_at) })), start, end);
    if (busy + 1 > offer.spaces) throw conflict('SHARE_FULL', '该时段共享泊位已约满 / all shared spaces are booked for this slot');
    const fee = bookingFee(pricingOf(offer), start, end);
    const row = await trx.insertInto('sharing_bookings').values({
      offer_id: offer.id, lot_id: offer.lot_id, plate, plate_raw: body.plate, phone, start_at: start, end_at: end, status: 'booked',
      payment_state: fee === 0 ? 'free' : 'pay_at_exit', fee_fen: fee, cancel_code: randomBytes(9).toString('base64url'),
      overstay_minutes: 0, overstay_fee_fen: 0, dispute_ticket_no: null, created_at: now, updated_at: now,
    }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  });
  const r = await bookingsQuery(ctx.db, { ownerId: null, districtCode: null }).where('b.id', '=', id).executeTakeFirstOrThrow();
  return { ...bookingView(r, true), cancelCode: r.cancel_code };
}

/** A citizen's own booking, by its id and cancel code. */
async function citizenBooking(db: SharingDb, id: number, cancelCode: string): Promise<BookingRow> {
  const r = await bookingsQuery(db, { ownerId: null, districtCode: null }).where('b.id', '=', id).executeTakeFirst();
  if (!r || r.cancel_code !== cancelCode) throw new AppError(404, 'NOT_FOUND', '预约不存在或取消码不符 / no such booking');
  return r;
}

export async function publicBooking(ctx: SharingContext, id: number, cancelCode: string): Promise<Booking> {
  return bookingView(await citizenBooking(ctx.db, id, cancelCode), false);
}

/** A citizen cancels, free until the offer's cutoff before the start. */
export async function citizenCancel(ctx: SharingContext, id: number, cancelCode: string): Promise<Booking> {
  return ctx.db.transaction().execute(async (trx) => {
    const r = await citizenBooking(trx, id, cancelCode);
    const offer = await trx.selectFrom('sharing_offers').select('cancel_cutoff_minutes').where('id', '=', r.offer_id).executeTakeFirstOrThrow();
    const now = ctx.clock.now();
    if (r.status !== 'booked') throw conflict('SHARE_BOOKING_STATE', `预约状态为 ${r.status}，不能取消 / booking is ${r.status}`);
    if (!citizenMayCancel(new Date(r.start_at), offer.cancel_cutoff_minutes, now)) {
      throw conflict('SHARE_CANCEL_TOO_LATE', `开始前 ${offer.cancel_cutoff_minutes} 分钟内不能取消 / cannot cancel within ${offer.cancel_cutoff_minutes} minutes of the start`);
    }
    await trx.updateTable('sharing_bookings').set({ status: 'cancelled', cancelled_at: now, cancelled_by: 'citizen', updated_at: now }).where('id', '=', id).execute();
    return bookingView(await citizenBooking(trx, id, cancelCode), false);
  });
}

/**
 * Staff or the owner cancel a booking that has not ended. The owner's cancellation is
 * `cancelled_by_owner` and those concerned are notified; staff's is `cancelled`.
 */
export async function staffCancel(ctx: SharingContext, actor: Actor, id: number, reason: string | undefined): Promise<Booking> {
  const byOwner = actor.role === 'share_owner';
  if (!byOwner && !actor.permissions.has('sharing:approve') && !actor.permissions.has('registry:write')) throw forbidden();
  return ctx.db.transaction().execute(async (trx) => {
    const scope = await scopeOf(trx, actor);
    const r = await bookingsQuery(trx, scope).where('b.id', '=', id).executeTakeFirst();
    if (!r) throw notFound(`预约 ${id} / booking ${id}`);
    if (r.status !== 'booked') throw conflict('SHARE_BOOKING_STATE', `预约状态为 ${r.status}，不能取消 / booking is ${r.status}`);
    const now = ctx.clock.now();
    const status = byOwner ? 'cancelled_by_owner' : 'cancelled';
    await trx.updateTable('sharing_bookings').set({ status, cancelled_at: now, cancelled_by: actor.username, cancel_reason: reason ?? null, updated_at: now }).where('id', '=', id).execute();
    if (byOwner) await notifyOwnerCancellation(ctx, trx, r.offer_id, [r], reason ?? '共享单位取消 / cancelled by the owner');
    await audit(ctx, trx, actor, { action: 'sharing.booking.cancel', targetType: 'sharing_booking', targetId: id, detail: { before: r.status, after: status, ...(reason ? { reason } : {}) } });
    return bookingView((await bookingsQuery(trx, scope).where('b.id', '=', id).executeTakeFirstOrThrow()), actor.permissions.has('pii'));
  });
}

export async function getBooking(ctx: SharingContext, actor: Actor, id: number): Promise<Booking> {
  const scope = await scopeOf(ctx.db, actor);
  const r = await bookingsQuery(ctx.db, scope).where('b.id', '=', id).executeTakeFirst();
  if (!r) throw notFound(`预约 ${id} / booking ${id}`);
  const unmasked = actor.permissions.has('pii');
  if (unmasked) await audit(ctx, ctx.db, actor, { action: 'sharing.booking.read_pii', targetType: 'sharing_booking', targetId: id });
  return bookingView(r, unmasked);
}

export interface BookingFilter {
  status?: string;
  offerId?: number;
  lotCode?: string;
  plate?: string;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

export async function listBookings(ctx: SharingContext, actor: Actor, f: BookingFilter): Promise<{ items: Booking[]; total: number }> {
  const statuses = queryList('status', f.status, BOOKING_STATUSES);
  // A bare Shanghai day 'YYYY-MM-DD' is allowed too (the console's date range, `to` included).
  const day = (text: string, next: boolean) => {
    const start = shanghaiDayStart(text);
    return start ? new Date(start.getTime() + (next ? 86_400_000 : 0)) : parseBusinessTime(text);
  };
  const from = f.from ? day(f.from, false) : null;
  const to = f.to ? day(f.to, true) : null;
  if ((f.from && !from) || (f.to && !to)) throw badRequest('INVALID_TIME', 'from、to 须为 ISO 8601 时间 / from and to must be ISO 8601 times');
  const plate = f.plate ? normalizePlate(f.plate) : null;
  const scope = await scopeOf(ctx.db, actor);
  const base = bookingsQuery(ctx.db, scope)
    .$if(statuses !== null, (q) => q.where('b.status', 'in', statuses!))
    .$if(f.offerId !== undefined, (q) => q.where('b.offer_id', '=', f.offerId!))
    .$if(f.lotCode !== undefined, (q) => q.where('l.code', '=', f.lotCode!))
    .$if(plate !== null, (q) => q.where('b.plate', '=', plate!))
    .$if(from !== null, (q) => q.where('b.start_at', '>=', from!))
    .$if(to !== null, (q) => q.where('b.start_at', '<', to!));
  const total = await base.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await base.orderBy('b.start_at', 'desc').orderBy('b.id', 'desc').limit(f.limit ?? 50).offset(f.offset ?? 0).execute();
  const unmasked = actor.permissions.has('pii');
  return { items: rows.map((r) => bookingView(r, unmasked)), total: Number(total.n) };
}

export { holders };

/** The days back 我的共享停车预约 reaches (like 我的停车记录, docs/共享停车接口.md). */
export const MINE_DAYS = 90;
const MINE_MAX = 200;
export const READ_MINE = 'public.sharing.bookings.read';

/**
 * 我的共享停车预约: the bookings of a plate the citizen proved with a phone code (the public
 * module's citizen token, checked by the caller) that start in the last 90 days or later, newest
 * first. The plate is the citizen's own, so it is shown; phones stay masked. Every read is audited
 * like 我的停车记录 (action public.sharing.bookings.read).
 */
export async function citizenBookings(ctx: SharingContext, plate: string, verificationId: string, ip: string | null) {
  const since = new Date(ctx.clock.now().getTime() - MINE_DAYS * 86_400_000);
  const rows = await bookingsQuery(ctx.db, { ownerId: null, districtCode: null })
    .where('b.plate', '=', plate).where('b.start_at', '>=', since)
    .orderBy('b.start_at', 'desc').orderBy('b.id', 'desc').limit(MINE_MAX).execute();
  const actor: Actor = { userId: null, username: 'citizen:h5', role: 'system', districtCode: null, permissions: new Set(), ip };
  await audit(ctx, ctx.db, actor, {
    action: READ_MINE, targetType: 'plate', targetId: maskPlate(plate),
    detail: { plate, verification: verificationId, bookings: rows.length },
  });
  return { plate, plateMasked: maskPlate(plate), since: since.toISOString(), items: rows.map((r) => bookingView(r, true)) };
}
