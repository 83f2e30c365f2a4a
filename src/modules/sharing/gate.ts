import { sql } from 'kysely';
import type { AnyDb } from '../../platform/db.js';
import type { GateFact } from '../sessions/index.js';
import { pricingOf } from './bookings.js';
import { sharingDb } from './repo.js';
import { EARLY_ENTRY_MS, entryMatches, overstayFee, overstayMinutes } from './windows.js';

/*
 * The gate (docs/共享停车规则.md, "入场与出场"): shared parking listens to the sessions module
 * (onGateFacts, registered by the app root), inside ingest's transaction after the batch is
 * paired. An entry of a booked plate at the offer's lot from 15 minutes before the start until
 * the end moves the booking to `entered` (also a booking the no-show job marked before the entry
 * arrived late); the exit after it closes it `completed` with the session the exit closed, and
 * an exit after the end records the overstay and its fee by the offer's rule.
 */
export async function onGate(anyDb: AnyDb, facts: readonly GateFact[], now: Date): Promise<void> {
  const db = sharingDb(anyDb);
  // One indexed look-up per batch: the (lot, plate) pairs that have a live booking at all.
  const pairs = [...new Set(facts.map((f) => `${f.lotId}\u0000${f.plate}`))].map((k) => k.split('\u0000'));
  const { rows } = await sql<{ lot_id: number; plate: string }>`
    select distinct b.lot_id, b.plate from unnest(${sql.val(pairs.map((p) => Number(p[0])))}::int[], ${sql.val(pairs.map((p) => p[1]))}::text[]) as t(l, pl)
    join sharing_bookings b on b.lot_id = t.l and b.plate = t.pl and b.status in ('booked', 'entered', 'no_show')`.execute(db);
  if (rows.length === 0) return;
  const live = new Set(rows.map((r) => `${r.lot_id}\u0000${r.plate}`));
  for (const f of facts) {
    if (!live.has(`${f.lotId}\u0000${f.plate}`)) continue;
    if (f.kind === 'entry') {
      const candidates = await db.selectFrom('sharing_bookings').select(['id', 'start_at', 'end_at'])
        .where('lot_id', '=', f.lotId).where('plate', '=', f.plate).where('status', 'in', ['booked', 'no_show'])
        .where('start_at', '<=', new Date(f.at.getTime() + EARLY_ENTRY_MS)).where('end_at', '>=', f.at)
        .orderBy('start_at').execute();
      const b = candidates.find((c) => entryMatches(new Date(c.start_at), new Date(c.end_at), f.at));
      if (!b) continue;
      await db.updateTable('sharing_bookings').set({ status: 'entered', entered_at: f.at, entry_event_id: f.eventId, updated_at: now }).where('id', '=', b.id).execute();
    } else {
      const b = await db.selectFrom('sharing_bookings as b').innerJoin('sharing_offers as o', 'o.id', 'b.offer_id')
        .select(['b.id', 'b.end_at', 'b.entry_event_id', 'o.price_fen_per_hour', 'o.price_fen_per_booking', 'o.overstay_fen_per_hour'])
        .where('b.lot_id', '=', f.lotId).where('b.plate', '=', f.plate).where('b.status', '=', 'entered').where('b.entered_at', '<=', f.at)
        .orderBy('b.entered_at', 'desc').executeTakeFirst();
      if (!b) continue;
      const session = await db.selectFrom('parking_sessions').select('id')
        .where('lot_id', '=', f.lotId).where('exit_event_id', '=', f.eventId).executeTakeFirst();
      const minutes = overstayMinutes(new Date(b.end_at), f.at);
      await db.updateTable('sharing_bookings').set({
        status: 'completed', exited_at: f.at, exit_event_id: f.eventId, session_id: session ? Number(session.id) : null,
        overstay_minutes: minutes, overstay_fee_fen: overstayFee(pricingOf(b), minutes), updated_at: now,
      }).where('id', '=', b.id).execute();
    }
  }
}
