import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import { sharingContext } from './repo.js';
import { NO_SHOW_PERIOD_DAYS, suspensionFor } from './windows.js';

export const NO_SHOW_JOB = 'sharing.no-show';

/*
 * The no-show job (docs/共享停车规则.md, "爽约"), run under the job lease by the app's scheduler:
 * a booking still `booked` at start + the offer's grace is a `no_show`; a plate with three
 * no-shows in 30 days is suspended from booking for 7 days (windows.ts, suspensionFor).
 */
export async function markNoShows(appCtx: AppContext): Promise<{ noShows: number; suspended: string[] }> {
  const ctx = sharingContext(appCtx);
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const marked = await trx.updateTable('sharing_bookings as b').set({ status: 'no_show', updated_at: now })
      .from('sharing_offers as o')
      .whereRef('o.id', '=', 'b.offer_id')
      .where('b.status', '=', 'booked')
      .where(sql<boolean>`b.start_at + make_interval(mins => o.grace_minutes) <= ${now}`)
      .returning(['b.plate'])
      .execute();
    const suspended: string[] = [];
    for (const plate of [...new Set(marked.map((m) => m.plate))]) {
      const active = await trx.selectFrom('sharing_suspensions').select('id').where('plate', '=', plate).where('until_at', '>', now).executeTakeFirst();
      if (active) continue;
      const since = new Date(now.getTime() - NO_SHOW_PERIOD_DAYS * 86_400_000);
      const starts = await trx.selectFrom('sharing_bookings').select('start_at').where('plate', '=', plate).where('status', '=', 'no_show').where('start_at', '>=', since).execute();
      const s = suspensionFor(starts.map((r) => new Date(r.start_at)), now);
      if (!s) continue;
      await trx.insertInto('sharing_suspensions').values({ plate, from_at: s.from, until_at: s.until, reason: `${starts.length} 次爽约 / no-shows in ${NO_SHOW_PERIOD_DAYS} days`, created_at: now }).execute();
      suspended.push(plate);
    }
    return { noShows: marked.length, suspended };
  });
}
