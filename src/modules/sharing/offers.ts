import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../platform/errors.js';
import { notify } from '../../platform/notices.js';
import { maskPlate } from '../../platform/plates.js';
import { queryList } from '../../platform/query-list.js';
import { assertDistrictInScope } from '../../platform/scope.js';
import { lotWithOwner, offersQuery, scopeOf, type OfferRow, type SharingContext, type SharingDb, type SharingScope } from './repo.js';
import { OFFER_STATUSES, type Offer, type OfferBody, type Owner, type OwnerBody } from './schemas.js';
import type { OfferStatus } from './tables.js';
import { windowProblem } from './windows.js';

/*
 * Offers (共享方案) and owners (共享单位), docs/共享停车规则.md. An offer created by a user who may
 * approve (admin, bureau: `sharing:approve`) is approved at once; an owner's or another staff
 * user's is submitted for approval (or kept as a draft with `submit: false`).
 */

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function offerView(r: OfferRow): Offer {
  return {
    id: r.id,
    status: r.status,
    lotCode: r.lot_code,
    lotName: r.lot_name,
    districtCode: r.district_code,
    ownerCode: r.owner_code,
    ownerName: r.owner_name,
    name: r.name,
    spaces: r.spaces,
    windows: r.windows,
    dateFrom: r.date_from,
    dateTo: r.date_to,
    exceptionDates: r.exception_dates,
    priceFenPerHour: r.price_fen_per_hour,
    priceFenPerBooking: r.price_fen_per_booking,
    overstayFenPerHour: r.overstay_fen_per_hour,
    rules: { maxMinutes: r.max_minutes, graceMinutes: r.grace_minutes, newEnergyOnly: r.new_energy_only, cancelCutoffMinutes: r.cancel_cutoff_minutes },
    createdAt: iso(r.created_at)!,
    createdBy: r.created_by,
    approvedAt: iso(r.approved_at),
    approvedBy: r.approved_by,
  };
}

/** May the actor write offers (create, submit, pause, end) in this scope? */
function assertWriter(actor: Actor): void {
  if (actor.role === 'share_owner' || actor.permissions.has('registry:write')) return;
  throw forbidden('需要权限 registry:write 或共享单位账号 / requires registry:write or a share_owner account');
}

async function offerIn(db: SharingDb, scope: SharingScope, id: number): Promise<OfferRow> {
  const r = await offersQuery(db, scope).where('o.id', '=', id).executeTakeFirst();
  if (!r) throw notFound(`共享方案 ${id} / offer ${id}`);
  return r;
}

export async function createOffer(ctx: SharingContext, actor: Actor, body: OfferBody): Promise<Offer> {
  assertWriter(actor);
  const problem = windowProblem(body.windows);
  if (problem) throw badRequest('INVALID_WINDOWS', problem);
  if (body.dateFrom && body.dateTo && body.dateTo < body.dateFrom) throw badRequest('INVALID_DATES', 'dateTo 早于 dateFrom / dateTo before dateFrom');
  return ctx.db.transaction().execute(async (trx) => {
    const scope = await scopeOf(trx, actor);
    const lot = await lotWithOwner(trx, body.lotCode);
    if (!lot) throw notFound(`停车场 ${body.lotCode} / lot ${body.lotCode}`);
    if (scope.ownerId !== null && lot.owner_id !== scope.ownerId) throw new AppError(403, 'SHARE_LOT_FORBIDDEN', '该停车场不属于本单位 / the lot is not the owner\'s');
    if (scope.districtCode !== null) assertDistrictInScope(actor, lot.district_code);
    const now = ctx.clock.now();
    const approves = actor.permissions.has('sharing:approve');
    const status: OfferStatus = body.submit === false ? 'draft' : approves ? 'approved' : 'submitted';
    const rules = body.rules ?? {};
    const row = await trx.insertInto('sharing_offers').values({
      lot_id: lot.id,
      owner_id: lot.owner_id,
      name: body.name.trim(),
      spaces: body.spaces,
      windows: JSON.stringify(body.windows.map((w) => ({ days: [...new Set(w.days)].sort(), start: w.start, end: w.end, ...(w.on ? { on: w.on } : {}) }))),
      date_from: body.dateFrom ?? null,
      date_to: body.dateTo ?? null,
      exception_dates: JSON.stringify([...new Set(body.exceptionDates ?? [])].sort()),
      price_fen_per_hour: body.priceFenPerHour ?? null,
      price_fen_per_booking: body.priceFenPerBooking ?? null,
      overstay_fen_per_hour: body.overstayFenPerHour ?? null,
      max_minutes: rules.maxMinutes ?? null,
      grace_minutes: rules.graceMinutes ?? 30,
      cancel_cutoff_minutes: rules.cancelCutoffMinutes ?? 30,
      new_energy_only: rules.newEnergyOnly ?? false,
      status,
      created_at: now,
      created_by: actor.username,
      updated_at: now,
      approved_at: status === 'approved' ? now : null,
      approved_by: status === 'approved' ? actor.username : null,
      ended_at: null,
    }).returning('id').executeTakeFirstOrThrow();
    await audit(ctx, trx, actor, { action: 'sharing.offer.create', targetType: 'sharing_offer', targetId: row.id, detail: { after: { lotCode: lot.code, spaces: body.spaces, status } } });
    return offerView(await offerIn(trx, { ownerId: null, districtCode: null }, row.id));
  });
}

export async function listOffers(ctx: SharingContext, actor: Actor, q: { status?: string; lotCode?: string; ownerCode?: string }): Promise<{ items: Offer[]; total: number }> {
  const statuses = queryList('status', q.status, OFFER_STATUSES);
  const scope = await scopeOf(ctx.db, actor);
  const rows = await offersQuery(ctx.db, scope)
    .$if(statuses !== null, (qq) => qq.where('o.status', 'in', statuses!))
    .$if(q.lotCode !== undefined, (qq) => qq.where('l.code', '=', q.lotCode!))
    .$if(q.ownerCode !== undefined, (qq) => qq.where('ow.code', '=', q.ownerCode!))
    .orderBy('o.id', 'desc')
    .execute();
  return { items: rows.map(offerView), total: rows.length };
}

export async function getOffer(ctx: SharingContext, actor: Actor, id: number): Promise<Offer> {
  return offerView(await offerIn(ctx.db, await scopeOf(ctx.db, actor), id));
}

export type OfferAction = 'submit' | 'approve' | 'pause' | 'end';

/** Where each action may start, and where it leads. An action already done answers the offer unchanged. */
const TRANSITIONS: Record<OfferAction, { from: OfferStatus[]; to: OfferStatus }> = {
  submit: { from: ['draft'], to: 'submitted' },
  approve: { from: ['draft', 'submitted', 'paused'], to: 'approved' },
  pause: { from: ['approved'], to: 'paused' },
  end: { from: ['draft', 'submitted', 'approved', 'paused'], to: 'ended' },
};

/**
 * Moves an offer. Approving needs `sharing:approve`; the owner and staff writers submit, pause
 * and end. Ending cancels the offer's bookings not yet started (cancelled_by_owner), and those
 * concerned are notified.
 */
export async function transitionOffer(ctx: SharingContext, actor: Actor, id: number, action: OfferAction, reason?: string): Promise<Offer> {
  if (action === 'approve') {
    if (!actor.permissions.has('sharing:approve')) throw forbidden('需要权限 sharing:approve / requires permission sharing:approve');
  } else assertWriter(actor);
  return ctx.db.transaction().execute(async (trx) => {
    const scope = await scopeOf(trx, actor);
    await offerIn(trx, scope, id);
    // Bookings of this offer take the same row lock: no booking slips in while it changes.
    const locked = await trx.selectFrom('sharing_offers').select(['status']).where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
    const t = TRANSITIONS[action];
    if (locked.status === t.to) return offerView(await offerIn(trx, scope, id));
    if (!t.from.includes(locked.status)) {
      throw conflict('SHARE_OFFER_STATE', `方案状态为 ${locked.status}，不能 ${action} / offer is ${locked.status}, cannot ${action}`);
    }
    const now = ctx.clock.now();
    await trx.updateTable('sharing_offers').set({
      status: t.to, updated_at: now,
      ...(t.to === 'approved' ? { approved_at: now, approved_by: actor.username } : {}),
      ...(t.to === 'ended' ? { ended_at: now } : {}),
    }).where('id', '=', id).execute();
    let cancelled = 0;
    if (action === 'end') cancelled = await cancelFutureBookings(ctx, trx, actor, id, now, reason ?? '共享方案已结束 / offer ended');
    await audit(ctx, trx, actor, { action: `sharing.offer.${action}`, targetType: 'sharing_offer', targetId: id, detail: { before: locked.status, after: t.to, ...(reason ? { reason } : {}), ...(cancelled ? { cancelledBookings: cancelled } : {}) } });
    return offerView(await offerIn(trx, scope, id));
  });
}

/** Cancels an offer's bookings that have not started (by the owner), notifying those concerned; returns how many. */
export async function cancelFutureBookings(ctx: SharingContext, trx: SharingDb, actor: Actor, offerId: number, now: Date, reason: string): Promise<number> {
  const rows = await trx.updateTable('sharing_bookings').set({ status: 'cancelled_by_owner', cancelled_at: now, cancelled_by: actor.username, cancel_reason: reason, updated_at: now })
    .where('offer_id', '=', offerId).where('status', '=', 'booked').where('start_at', '>', now)
    .returning(['id', 'plate', 'phone', 'start_at']).execute();
  if (rows.length) await notifyOwnerCancellation(ctx, trx, offerId, rows, reason);
  return rows.length;
}

/** A notice for the bureau and the owner's accounts: which citizens to tell that their bookings are cancelled. */
export async function notifyOwnerCancellation(ctx: SharingContext, trx: SharingDb, offerId: number, rows: { id: number; plate: string; phone: string; start_at: Date }[], reason: string): Promise<void> {
  const offer = await offersQuery(trx, { ownerId: null, districtCode: null }).where('o.id', '=', offerId).executeTakeFirstOrThrow();
  const users = offer.owner_id === null ? [] : (await trx.selectFrom('sharing_owner_users').select('username').where('owner_id', '=', offer.owner_id).execute()).map((u) => u.username);
  const lines = rows.map((r) => `- #${r.id} ${maskPlate(r.plate)} ${r.phone.slice(0, 3)}****${r.phone.slice(-4)} ${new Date(r.start_at).toISOString()}`);
  await notify(ctx, trx, {
    kind: 'sharing.bookings.cancelled_by_owner',
    severity: 'warning',
    title: `共享停车预约被单位取消 ${rows.length} 笔：${offer.name}`,
    body: `原因：${reason}\n${lines.join('\n')}`,
    link: `/sharing?offer=${offerId}`,
    districtCode: offer.district_code,
    audience: { permission: 'sharing:approve', usernames: users },
  });
}

// ---- owners ----

export async function createOwner(ctx: SharingContext, actor: Actor, body: OwnerBody): Promise<Owner> {
  if (!actor.permissions.has('sharing:approve')) throw forbidden('需要权限 sharing:approve / requires permission sharing:approve');
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const exists = await trx.selectFrom('sharing_owners').select('id').where('code', '=', body.code).executeTakeFirst();
    if (exists) throw conflict('DUPLICATE', `共享单位 ${body.code} 已存在 / owner ${body.code} exists`);
    const lots = body.lotCodes.length ? await trx.selectFrom('lots').select(['id', 'code']).where('code', 'in', body.lotCodes).execute() : [];
    const missing = body.lotCodes.filter((c) => !lots.some((l) => l.code === c));
    if (missing.length) throw badRequest('UNKNOWN_LOT', `未知停车场 / unknown lots: ${missing.join(', ')}`);
    const { id } = await trx.insertInto('sharing_owners').values({
      code: body.code, name: body.name.trim(), contact_name: body.contactName ?? null, contact_phone: body.contactPhone ?? null,
      status: 'approved', created_at: now, updated_at: now, updated_by: actor.username,
    }).returning('id').executeTakeFirstOrThrow();
    if (lots.length) {
      const taken = await trx.selectFrom('sharing_owner_lots').select('lot_id').where('lot_id', 'in', lots.map((l) => l.id)).execute();
      if (taken.length) throw conflict('SHARE_LOT_OWNED', '停车场已属于其他共享单位 / a lot already belongs to another owner');
      await trx.insertInto('sharing_owner_lots').values(lots.map((l) => ({ lot_id: l.id, owner_id: id }))).execute();
    }
    for (const username of body.usernames ?? []) {
      await trx.insertInto('sharing_owner_users').values({ username, owner_id: id })
        .onConflict((oc) => oc.column('username').doUpdateSet({ owner_id: id })).execute();
    }
    await audit(ctx, trx, actor, { action: 'sharing.owner.create', targetType: 'sharing_owner', targetId: body.code, detail: { after: { name: body.name, lotCodes: body.lotCodes, usernames: body.usernames ?? [] } } });
    return (await ownersIn(trx, { ownerId: id, districtCode: null }))[0]!;
  });
}

async function ownersIn(db: SharingDb, scope: SharingScope): Promise<Owner[]> {
  const owners = await db.selectFrom('sharing_owners').selectAll().$if(scope.ownerId !== null, (q) => q.where('id', '=', scope.ownerId!)).orderBy('code').execute();
  if (!owners.length) return [];
  const ids = owners.map((o) => o.id);
  const lots = await db.selectFrom('sharing_owner_lots as ol').innerJoin('lots as l', 'l.id', 'ol.lot_id').select(['ol.owner_id', 'l.code', 'l.district_code']).where('ol.owner_id', 'in', ids).orderBy('l.code').execute();
  const users = await db.selectFrom('sharing_owner_users').selectAll().where('owner_id', 'in', ids).orderBy('username').execute();
  return owners
    .filter((o) => scope.districtCode === null || lots.some((l) => l.owner_id === o.id && l.district_code === scope.districtCode))
    .map((o) => ({
      id: o.id, code: o.code, name: o.name, contactName: o.contact_name, contactPhone: o.contact_phone, status: o.status,
      lotCodes: lots.filter((l) => l.owner_id === o.id).map((l) => l.code),
      usernames: users.filter((u) => u.owner_id === o.id).map((u) => u.username),
    }));
}

export async function listOwners(ctx: SharingContext, actor: Actor): Promise<{ items: Owner[] }> {
  return { items: await ownersIn(ctx.db, await scopeOf(ctx.db, actor)) };
}
