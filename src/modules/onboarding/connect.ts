import { sql } from 'kysely';
import { systemActor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { formatShanghai, shanghaiDay } from '../../platform/time.js';
import { noteFirstData } from './live-lots.js';
import type { OnboardingContext, OnboardingDb } from './repo.js';

/*
 * "When a registry lot goes live its onboarding entry moves to connected": an entry linked to a
 * lot that has received its first event becomes `connected`, with a system note dated the day the
 * lot first delivered data (or the entry's latest history day, if that is later: history never
 * runs backwards). It happens once per entry: an entry that was connected before and has been
 * moved back by hand (say, paused while the operator rebuilds its system) is left to people.
 *
 * Run by the periodic job `onboarding.sync-connected` and right after an entry is linked.
 */

export const SYNC_JOB = 'onboarding.sync-connected';
const ACTOR = 'system';

export interface AutoConnected {
  entryId: number;
  lotCode: string;
  from: string;
  date: string;
}

/** Connects the linked entries whose lot reports (all, or only `entryIds`), inside `trx`. */
export async function connectReporting(ctx: OnboardingContext, trx: OnboardingDb, entryIds?: readonly number[]): Promise<AutoConnected[]> {
  if (entryIds && entryIds.length === 0) return [];
  const now = ctx.clock.now();
  const today = shanghaiDay(now);
  const due = await trx
    .selectFrom('onboarding_entries as e')
    .innerJoin('lots', 'lots.code', 'e.lot_code')
    .innerJoin('lot_live', 'lot_live.lot_id', 'lots.id')
    .leftJoin('onboarding_lot_first_data as f', 'f.lot_id', 'lots.id')
    .select(['e.id', 'e.stage', 'e.lot_code', sql<string>`e.stage_on::text`.as('stage_on')])
    .select(sql<Date>`coalesce(f.first_at, lot_live.last_received_at, lot_live.last_occurred_at)`.as('first_at'))
    .where('lot_live.last_occurred_at', 'is not', null)
    .where('e.stage', '<>', 'connected')
    .where((eb) => eb.not(eb.exists(eb.selectFrom('onboarding_stage_changes as c').select('c.id').whereRef('c.entry_id', '=', 'e.id').where('c.to_stage', '=', 'connected'))))
    .$if(entryIds !== undefined, (qb) => qb.where('e.id', 'in', entryIds!))
    .orderBy('e.id')
    .forUpdate('e')
    .execute();

  const out: AutoConnected[] = [];
  for (const row of due) {
    const firstAt = new Date(row.first_at);
    const firstDay = shanghaiDay(firstAt);
    let date = firstDay > row.stage_on ? firstDay : row.stage_on;
    if (date > today) date = today;
    const lotCode = row.lot_code!;
    await trx.updateTable('onboarding_entries').set({ stage: 'connected', stage_on: date, updated_at: now }).where('id', '=', row.id).execute();
    await trx
      .insertInto('onboarding_stage_changes')
      .values({
        entry_id: row.id,
        from_stage: row.stage,
        to_stage: 'connected',
        changed_on: date,
        at: now,
        actor: ACTOR,
        note: `关联停车场 ${lotCode} 已于 ${formatShanghai(firstAt)} 上报数据，系统自动标记为已接入 / linked lot ${lotCode} first reported at ${formatShanghai(firstAt)} (Shanghai): connected automatically`,
        system: true,
      })
      .execute();
    await audit(ctx, trx, systemActor('system:onboarding'), {
      action: 'onboarding.auto_connect',
      targetType: 'onboarding_entry',
      targetId: row.id,
      detail: { lotCode, from: row.stage, date, firstDataAt: firstAt.toISOString() },
    });
    out.push({ entryId: row.id, lotCode, from: row.stage, date });
  }
  return out;
}

/** The periodic job's work, callable from tests: note lots' first data, then connect what reports. */
export async function syncConnected(ctx: OnboardingContext): Promise<{ firstDataNoted: number; connected: AutoConnected[] }> {
  return ctx.db.transaction().execute(async (trx) => {
    const firstDataNoted = await noteFirstData(trx, ctx.clock.now());
    const connected = await connectReporting(ctx, trx);
    return { firstDataNoted, connected };
  });
}
