import type { Actor } from '../../platform/auth/permissions.js';
import { badRequest } from '../../platform/errors.js';
import { bookingsQuery, offersQuery, scopeOf, type SharingContext, type SharingDb, type SharingScope } from './repo.js';
import { kpiFigures, type KpiBooking, type KpiFigures } from './kpi-rules.js';
import { calendarOf } from './offer-calendar.js';
import { occurrencesBetween } from './windows.js';

/*
 * 共享停车指标 (docs/指标口径.md, "共享停车"): per owner, district or offer, over one Shanghai
 * month. Offered space-hours come from the windows of offers once approved (until ended), booked
 * and used hours from the bookings starting in the month.
 */

export type KpiGroupBy = 'owner' | 'district' | 'offer';

/** [start, end) of a Shanghai month 'YYYY-MM'. */
export function monthRange(month: string): { from: Date; to: Date } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw badRequest('INVALID_MONTH', 'month 须为 YYYY-MM / month must be YYYY-MM');
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const from = new Date(Date.UTC(y, mo - 1, 1) - 8 * 3_600_000);
  const to = new Date(Date.UTC(mo === 12 ? y + 1 : y, mo === 12 ? 0 : mo, 1) - 8 * 3_600_000);
  return { from, to };
}

export interface MonthBooking extends KpiBooking {
  id: number;
  offerId: number;
  offerName: string;
  lotCode: string;
  plate: string;
  ownerKey: string;
  districtCode: string;
}

/** The bookings starting in the month, within a scope, oldest first. */
export async function monthBookings(db: SharingDb, scope: SharingScope, month: string): Promise<MonthBooking[]> {
  const { from, to } = monthRange(month);
  const rows = await bookingsQuery(db, scope)
    .leftJoin('sharing_owners as ow', 'ow.id', 'o.owner_id')
    .select('ow.code as owner_code')
    .where('b.start_at', '>=', from).where('b.start_at', '<', to)
    .orderBy('b.start_at').orderBy('b.id').execute();
  return rows.map((r) => ({
    id: r.id, offerId: r.offer_id, offerName: r.offer_name, lotCode: r.lot_code, plate: r.plate, ownerKey: r.owner_code ?? '-', districtCode: r.district_code,
    status: r.status, start: new Date(r.start_at), end: new Date(r.end_at), enteredAt: r.entered_at ? new Date(r.entered_at) : null,
    exitedAt: r.exited_at ? new Date(r.exited_at) : null, feeFen: r.fee_fen, overstayMinutes: r.overstay_minutes, overstayFeeFen: r.overstay_fee_fen,
  }));
}

/** Space-hours offered in the month per offer (windows × spaces, from approval until ended). */
export async function offeredHours(db: SharingDb, scope: SharingScope, month: string) {
  const { from, to } = monthRange(month);
  const offers = await offersQuery(db, scope).where('o.approved_at', 'is not', null).where('o.approved_at', '<', to).execute();
  return offers.map((o) => {
    const a = new Date(Math.max(from.getTime(), new Date(o.approved_at!).getTime()));
    const b = new Date(Math.min(to.getTime(), o.ended_at ? new Date(o.ended_at).getTime() : to.getTime()));
    const hours = b > a
      ? occurrencesBetween(o.windows, calendarOf(o), a, b)
        .reduce((s, occ) => s + (occ.to.getTime() - occ.from.getTime()) / 3_600_000, 0) * o.spaces
      : 0;
    return { offerId: o.id, offerName: o.name, ownerKey: o.owner_code ?? '-', ownerName: o.owner_name ?? '无共享单位 / no owner', districtCode: o.district_code, hours };
  });
}

export async function sharingKpis(ctx: SharingContext, actor: Actor, month: string, groupBy: KpiGroupBy = 'owner'): Promise<{ month: string; groupBy: string; total: KpiFigures; groups: ({ key: string; name: string } & KpiFigures)[] }> {
  const scope = await scopeOf(ctx.db, actor);
  const [offers, bookings] = [await offeredHours(ctx.db, scope, month), await monthBookings(ctx.db, scope, month)];
  const districts = new Map((await ctx.db.selectFrom('districts').select(['code', 'name']).execute()).map((d) => [d.code, d.name]));
  const keyOf = (x: { offerId: number; ownerKey: string; districtCode: string }) =>
    groupBy === 'owner' ? x.ownerKey : groupBy === 'district' ? x.districtCode : String(x.offerId);
  const names = new Map<string, string>();
  for (const o of offers) names.set(keyOf(o), groupBy === 'owner' ? o.ownerName : groupBy === 'district' ? districts.get(o.districtCode) ?? o.districtCode : o.offerName);
  for (const b of bookings) if (!names.has(keyOf(b))) names.set(keyOf(b), groupBy === 'offer' ? b.offerName : groupBy === 'district' ? districts.get(b.districtCode) ?? b.districtCode : b.ownerKey);
  const now = ctx.clock.now();
  const groups = [...names.keys()].sort().map((key) => ({
    key,
    name: names.get(key)!,
    ...kpiFigures(offers.filter((o) => keyOf(o) === key).reduce((s, o) => s + o.hours, 0), bookings.filter((b) => keyOf(b) === key), now),
  }));
  return { month, groupBy, total: kpiFigures(offers.reduce((s, o) => s + o.hours, 0), bookings, now), groups };
}
