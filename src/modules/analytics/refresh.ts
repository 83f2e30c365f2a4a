import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import { lateThresholdMinutesSql } from '../registry/index.js';
import { HOUR_MS, startOfHour } from './periods.js';
import { alignLotRanges, type LotRange } from './ranges.js';
import { addCounts, lockRollups, recomputeGroups, recomputeLots, rollupSettings, type RecomputeCounts } from './recompute.js';
import { analyticsContext } from './repo.js';

/*
 * The incremental refresh (job analytics.refresh, every minute). Triggers queue the changed
 * ranges of each lot's data in analytics_dirty; time changes the rest, because an open session
 * occupies and a status report stays valid until as-of: so every lot's hours from the last
 * refresh to now are recomputed too. All in one transaction with taking the marks, so a crash
 * loses none (they come back with the rollback).
 */

export interface RefreshResult extends RecomputeCounts {
  asOf: Date;
  /** Queue rows taken. */
  marks: number;
  /** Lots whose hours were recomputed. */
  lots: number;
  /** Lot-hours recomputed (rows written or not). */
  lotHours: number;
}

export async function refreshAnalytics(anyCtx: AppContext): Promise<RefreshResult> {
  const ctx = analyticsContext(anyCtx);
  const asOf = ctx.clock.now();
  const settings = rollupSettings(ctx, asOf);
  return ctx.db.transaction().execute(async (trx) => {
    await lockRollups(trx);
    const state = await trx.selectFrom('analytics_state').select('refreshed_until').where('id', '=', 1).executeTakeFirst();
    const marks = (await sql<{ lot_id: number; kind: 'sessions' | 'status'; from_at: Date; to_at: Date | null }>`
      delete from analytics_dirty returning lot_id, kind, from_at, to_at`.execute(trx)).rows;
    const lots = await trx
      .selectFrom('lots as l')
      .leftJoin('data_sources as ds', 'ds.code', 'l.source_code')
      .select(['l.id', lateThresholdMinutesSql('l', 'ds', ctx.config.lateThresholdMinutes).as('minutes')])
      .execute();
    const thresholdMs = new Map(lots.map((l) => [l.id, Number(l.minutes) * 60_000]));

    const ranges: LotRange[] = [];
    // Group rows hold occupancy only, which only status reports (and time) change.
    const statusRanges: LotRange[] = [];
    for (const m of marks) {
      const from = new Date(m.from_at).getTime();
      const to = Math.max(from, m.to_at ? new Date(m.to_at).getTime() : asOf.getTime());
      // A report also ends the previous one's validity and lasts up to the threshold: widen both ways.
      const widen = m.kind === 'status' ? (thresholdMs.get(m.lot_id) ?? ctx.config.lateThresholdMinutes * 60_000) : 0;
      const range = { lotId: m.lot_id, from: from - widen, to: to + widen + 1 };
      ranges.push(range);
      if (m.kind === 'status') statusRanges.push(range);
    }
    const clockFrom = startOfHour(state?.refreshed_until ? new Date(state.refreshed_until) : asOf).getTime();
    const clockTo = startOfHour(asOf).getTime() + HOUR_MS;
    for (const l of lots) ranges.push({ lotId: l.id, from: clockFrom, to: clockTo });
    statusRanges.push({ lotId: 0, from: clockFrom, to: clockTo });

    const hours = alignLotRanges('hour', ranges);
    const counts = await recomputeLots(trx, hours, settings);
    addCounts(counts, await recomputeGroups(trx, statusRanges, settings));
    await trx.updateTable('analytics_state').set({ refreshed_until: asOf }).where('id', '=', 1).execute();
    return {
      asOf,
      marks: marks.length,
      lots: new Set(hours.map((r) => r.lotId)).size,
      lotHours: hours.reduce((n, r) => n + (r.to - r.from) / HOUR_MS, 0),
      ...counts,
    };
  });
}
