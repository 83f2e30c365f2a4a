import { badRequest } from '../../platform/errors.js';
import { parseBusinessTime } from '../../platform/time.js';
import { holders, pricingOf } from './bookings.js';
import { calendarOf } from './offer-calendar.js';
import { offersQuery, type SharingContext } from './repo.js';
import type { Static } from 'typebox';
import type { NearbyOffers, NearbyOffersQuery } from './schemas.js';
import { bookingFee, maxOverlap, occurrenceHolding } from './windows.js';

const EARTH_M = 6_371_008.8;
const rad = (d: number) => (d * Math.PI) / 180;

/** Great-circle distance in metres between two GCJ-02 points (as the public service measures). */
export function distanceM(a: [number, number], b: [number, number]): number {
  const dLat = rad(b[1] - a[1]);
  const dLng = rad(b[0] - a[0]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a[1])) * Math.cos(rad(b[1])) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Approved offers near a point whose windows hold the slot, with the spaces free throughout it. */
export async function nearbyOffers(ctx: SharingContext, q: Static<typeof NearbyOffersQuery>): Promise<Static<typeof NearbyOffers>> {
  const from = parseBusinessTime(q.from);
  const to = parseBusinessTime(q.to);
  if (!from || !to || to <= from) throw badRequest('INVALID_TIME', 'from、to 须为 ISO 8601 时间且 to 晚于 from / from and to must be ISO 8601 times, to after from');
  const radius = q.radius ?? 1000;
  const dLat = radius / 111_000;
  const dLng = radius / (111_000 * Math.max(0.1, Math.cos(rad(q.lat))));
  const rows = await offersQuery(ctx.db, { ownerId: null, districtCode: null })
    .where('o.status', '=', 'approved')
    .where('l.lng', '>=', q.lng - dLng).where('l.lng', '<=', q.lng + dLng)
    .where('l.lat', '>=', q.lat - dLat).where('l.lat', '<=', q.lat + dLat)
    .execute();
  const items = [];
  for (const o of rows) {
    if (o.lng === null || o.lat === null) continue;
    const d = distanceM([q.lng, q.lat], [o.lng, o.lat]);
    if (d > radius) continue;
    if (!occurrenceHolding(o.windows, calendarOf(o), from, to)) continue;
    const busy = maxOverlap((await holders(ctx.db, o.id, from, to)).map((h) => ({ from: new Date(h.start_at), to: new Date(h.end_at) })), from, to);
    items.push({
      offerId: o.id, name: o.name, lotCode: o.lot_code, lotName: o.lot_name, lng: o.lng, lat: o.lat, distanceM: Math.round(d),
      spaces: o.spaces, freeSpaces: Math.max(0, o.spaces - busy), feeFen: bookingFee(pricingOf(o), from, to), windows: o.windows, newEnergyOnly: o.new_energy_only,
    });
  }
  items.sort((a, b) => a.distanceM - b.distanceM || a.offerId - b.offerId);
  return { items };
}
