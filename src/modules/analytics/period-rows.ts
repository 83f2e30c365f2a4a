import { sql } from 'kysely';
import { deleteGroupRows } from './group-hours.js';
import { deleteLotRows, LOT_COLUMNS } from './lot-hours.js';
import { sqlStartOf } from './periods.js';
import { isoList, type LotRange, type TimeRange } from './ranges.js';
import type { AnalyticsDb } from './repo.js';

/*
 * Day rows are sums of hour rows, month rows sums of day rows (peaks: the max), so a longer
 * period never goes back to the sessions. Ranges must be aligned to the period (ranges.ts).
 */

const SOURCE = { day: 'hour', month: 'day' } as const;

/** Recomputes analytics_lot_{day,month} over the ranges from the rows one period shorter. */
export async function recomputeLotPeriods(db: AnalyticsDb, period: 'day' | 'month', ranges: readonly LotRange[]): Promise<number> {
  if (ranges.length === 0) return 0;
  const table = `analytics_lot_${period}` as const;
  await deleteLotRows(db, table, ranges);
  const result = await sql`
    insert into ${sql.table(table)} (${LOT_COLUMNS})
    select t.lot_id, ${sqlStartOf(period, sql`t.at`)}, t.pay_channel, sum(t.entries)::int, sum(t.exits)::int, sum(t.occupied_seconds)::bigint,
           sum(t.dwell_seconds)::bigint, sum(t.dwell_count)::int, sum(t.receivable_fen)::bigint, sum(t.paid_fen)::bigint, sum(t.arrears_fen)::bigint,
           sum(t.sessions)::int, sum(t.complete_sessions)::int, sum(t.flagged_sessions)::int,
           sum(t.occ_known_seconds)::int, sum(t.occ_ratio_seconds), max(t.occ_peak)
    from ${sql.table(`analytics_lot_${SOURCE[period]}`)} t
    join unnest(${sql.val(ranges.map((r) => r.lotId))}::int[], ${sql.val(isoList(ranges.map((r) => r.from)))}::timestamptz[],
                ${sql.val(isoList(ranges.map((r) => r.to)))}::timestamptz[]) as r(lot_id, a, b)
      on t.lot_id = r.lot_id and t.at >= r.a and t.at < r.b
    group by 1, 2, 3`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** Recomputes analytics_group_{day,month} over the ranges from the rows one period shorter. */
export async function recomputeGroupPeriods(db: AnalyticsDb, period: 'day' | 'month', ranges: readonly TimeRange[]): Promise<number> {
  if (ranges.length === 0) return 0;
  const table = `analytics_group_${period}` as const;
  await deleteGroupRows(db, table, ranges);
  const result = await sql`
    insert into ${sql.table(table)} (district_code, category, at, occ_known_seconds, occ_ratio_seconds, occ_peak)
    select t.district_code, t.category, ${sqlStartOf(period, sql`t.at`)}, sum(t.occ_known_seconds)::int, sum(t.occ_ratio_seconds), max(t.occ_peak)
    from ${sql.table(`analytics_group_${SOURCE[period]}`)} t
    join unnest(${sql.val(isoList(ranges.map((r) => r.from)))}::timestamptz[], ${sql.val(isoList(ranges.map((r) => r.to)))}::timestamptz[]) as r(a, b)
      on t.at >= r.a and t.at < r.b
    group by 1, 2, 3`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
