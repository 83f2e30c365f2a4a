import { systemActor, type Actor } from '../../platform/auth/permissions.js';
import { audit, contextOf, type AppContext } from '../../platform/context.js';
import { conflict, forbidden, notFound } from '../../platform/errors.js';
import { createTicket, type TicketsTables } from '../tickets/index.js';
import { bookingView } from './bookings.js';
import { bookingsQuery, scopeOf, sharingContext } from './repo.js';
import type { Booking } from './schemas.js';

/*
 * A dispute about a booking (a fee, a plate misread at the gate, a space taken) becomes a work
 * order (工单) in the tickets module, linked to the booking's lot, plate and parking session, so
 * it follows the work-order closed loop and its deadlines. Opened by the bureau, ops or the owner;
 * the ticket is created by the platform on their behalf (the opener is audited here).
 */
export async function openDispute(appCtx: AppContext, actor: Actor, id: number, input: { category?: string; description: string; citizenPhone?: string }): Promise<Booking> {
  const ctx = sharingContext(appCtx);
  if (actor.role !== 'share_owner' && !actor.permissions.has('sharing:approve') && !actor.permissions.has('ops')) throw forbidden();
  const scope = await scopeOf(ctx.db, actor);
  const r = await bookingsQuery(ctx.db, scope).where('b.id', '=', id).executeTakeFirst();
  if (!r) throw notFound(`预约 ${id} / booking ${id}`);
  if (r.dispute_ticket_no) throw conflict('SHARE_DISPUTE_OPEN', `该预约已有争议工单 ${r.dispute_ticket_no} / a work order exists`);
  const { ticket } = await createTicket(contextOf<TicketsTables>(appCtx), systemActor(`sharing:${actor.username}`), {
    channel: 'web',
    category: input.category ?? 'fee_dispute',
    title: `共享停车预约 #${id} 争议`,
    description: `${input.description}\n（共享方案：${r.offer_name}；预约时段 ${new Date(r.start_at).toISOString()} — ${new Date(r.end_at).toISOString()}；提出人 ${actor.username}）`,
    externalNo: `SHARE-${id}`,
    lotCode: r.lot_code,
    plate: r.plate,
    sessionId: r.session_id ?? undefined,
    citizenPhone: input.citizenPhone ?? r.phone,
    districtCode: r.district_code,
  });
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('sharing_bookings').set({ dispute_ticket_no: ticket.no, updated_at: ctx.clock.now() }).where('id', '=', id).execute();
    await audit(ctx, trx, actor, { action: 'sharing.booking.dispute', targetType: 'sharing_booking', targetId: id, detail: { ticketNo: ticket.no } });
  });
  const after = await bookingsQuery(ctx.db, scope).where('b.id', '=', id).executeTakeFirstOrThrow();
  return bookingView(after, actor.permissions.has('pii'));
}
