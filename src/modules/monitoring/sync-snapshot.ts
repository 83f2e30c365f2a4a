import { systemActor } from '../../platform/auth/permissions.js';
import type { AppContext } from '../../platform/context.js';
import type { Silence } from './gaps.js';
import { parseMonth } from './month.js';
import { monitoringContext, type MonitoringDb } from './repo.js';
import { lotBounds, longIntervals, monthCounts, reportLots, type LotBounds, type LotMonthCounts, type ReportLot } from './sync-data.js';

/*
 * The monthly sync report of a month whose raw events are archived (issue 22 §3,
 * docs/decisions/0032-archive-by-batched-delete.md). Before the archive deletes a month of
 * ingest_events, `snapshotSyncMonth` keeps what the report reads of them, per lot: the counts,
 * the bounds and the long silences overlapping the month. The report of a month with a snapshot
 * reads it instead of the events (`snapshotData`), so it says the same after the archive as
 * before. A snapshot is taken once: a later part of the same month (late rows archived in a
 * second file) must not overwrite the fuller numbers with what is left.
 */

export interface MonthData {
  counts: Map<number, LotMonthCounts>;
  bounds: Map<number, LotBounds>;
  intervals: Map<number, Silence[]>;
}

/** Keeps the month's numbers of every lot (all districts); false when the month already has a snapshot. */
export async function snapshotSyncMonth(anyCtx: AppContext, monthText: string): Promise<boolean> {
  const ctx = monitoringContext(anyCtx);
  const month = parseMonth(monthText);
  const taken = await ctx.db.selectFrom('monitoring_sync_snapshots').select('month').where('month', '=', month.month).executeTakeFirst();
  if (taken) return false;
  const lots = await reportLots(ctx.db, systemActor('archive'), ctx.config.lateThresholdMinutes);
  const period = { start: month.start, end: month.end };
  const [counts, bounds, intervals] = await Promise.all([monthCounts(ctx.db, lots, period), lotBounds(ctx.db, lots, period), longIntervals(ctx.db, lots, period)]);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('monitoring_sync_snapshots').values({ month: month.month, taken_at: ctx.clock.now() }).execute();
    for (let i = 0; i < lots.length; i += 1000) {
      await trx.insertInto('monitoring_sync_snapshot_lots').values(lots.slice(i, i + 1000).map((lot) => {
        const c = counts.get(lot.id);
        const b = bounds.get(lot.id);
        return {
          month: month.month, lot_id: lot.id, records: c?.records ?? 0, days_with_data: c?.daysWithData ?? 0, late_deliveries: c?.lateDeliveries ?? 0,
          first_occurred_at: b?.firstOccurredAt ?? null, last_occurred_at: b?.lastOccurredAt ?? null, last_before_end: b?.lastBeforeEnd ?? null,
          intervals: JSON.stringify(intervals.get(lot.id) ?? []),
        };
      })).execute();
    }
  });
  return true;
}

/** The kept numbers of the month for these lots; null when the month has no snapshot (its events are all in the table). */
export async function snapshotData(db: MonitoringDb, month: string, lots: readonly ReportLot[]): Promise<MonthData | null> {
  const taken = await db.selectFrom('monitoring_sync_snapshots').select('month').where('month', '=', month).executeTakeFirst();
  if (!taken) return null;
  const rows = lots.length ? await db.selectFrom('monitoring_sync_snapshot_lots').selectAll().where('month', '=', month).where('lot_id', 'in', lots.map((l) => l.id)).execute() : [];
  const date = (v: Date | string | null) => (v === null ? null : new Date(v));
  const data: MonthData = { counts: new Map(), bounds: new Map(), intervals: new Map() };
  for (const r of rows) {
    data.counts.set(r.lot_id, { records: r.records, daysWithData: r.days_with_data, lateDeliveries: r.late_deliveries });
    data.bounds.set(r.lot_id, { firstOccurredAt: date(r.first_occurred_at), lastOccurredAt: date(r.last_occurred_at), lastBeforeEnd: date(r.last_before_end) });
    data.intervals.set(r.lot_id, r.intervals);
  }
  return data;
}
