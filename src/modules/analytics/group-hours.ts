import { sql } from 'kysely';
import { isoList, type LotRange, type TimeRange } from './ranges.js';
import { hoursOf, lotRangesSql, secondsInHour, segmentsSql, type RollupSettings } from './status-segments.js';
import type { AnalyticsDb } from './repo.js';

/*
 * Occupancy of groups of lots per hour (analytics_group_hour): at each moment O(t) = Σ occupied
 * and T(t) = Σ total over the lots with a valid report, ratio O/T. Not a sum of lot figures, so
 * computed from the reports: every lot's validity segments become change events (+occ, +tot at
 * the start, − at the end) in each of its four groups — the city ('*','*'), its district, its
 * category, its district × category — and running sums ordered by time give the steps of O and
 * T. Steps where T > 0 are known time, clipped to hours: known seconds, ∫ O/T dt, max O/T.
 *
 * A group's moment needs every lot of the group, so ranges here are times over all lots.
 */

export async function deleteGroupRows(
  db: AnalyticsDb,
  table: 'analytics_group_hour' | 'analytics_group_day' | 'analytics_group_month',
  ranges: readonly TimeRange[],
): Promise<void> {
  if (ranges.length === 0) return;
  await sql`
    delete from ${sql.table(table)} t
    using unnest(${sql.val(isoList(ranges.map((r) => r.from)))}::timestamptz[], ${sql.val(isoList(ranges.map((r) => r.to)))}::timestamptz[]) as r(a, b)
    where t.at >= r.a and t.at < r.b`.execute(db);
}

/** Ranges must be hour-aligned and disjoint. Returns the number of rows written. */
export async function recomputeGroupHours(db: AnalyticsDb, ranges: readonly TimeRange[], s: RollupSettings): Promise<number> {
  if (ranges.length === 0) return 0;
  await deleteGroupRows(db, 'analytics_group_hour', ranges);
  const lots = await db.selectFrom('lots').select('id').orderBy('id').execute();
  const lotRanges: LotRange[] = lots.flatMap((l) => ranges.map((r) => ({ lotId: l.id, ...r })));
  if (lotRanges.length === 0) return 0;
  const result = await sql`
    with lr as (${lotRangesSql(lotRanges, s)}),
    seg as (${segmentsSql(s)}),
    -- one change per group and instant (lots reporting at the same moment add up); the sorts
    -- below compare bytes, not zh_CN collation keys, which made them several times slower
    steps as (
      select g.d collate "C" as d, g.c collate "C" as c, seg.a, e.t, sum(e.d_occ) as d_occ, sum(e.d_tot) as d_tot
      from seg
      cross join lateral (values (seg.district_code, seg.category), (seg.district_code, '*'), ('*', seg.category), ('*', '*')) as g(d, c)
      cross join lateral (values (seg.s0, seg.occ, seg.tot), (seg.s1, -seg.occ, -seg.tot)) as e(t, d_occ, d_tot)
      group by 1, 2, 3, 4
    ),
    -- O and T from each change to the next: running sums and lead over one ordering
    iv as (
      select d, c, t as s0, lead(t) over w as s1, sum(d_occ) over w as o, sum(d_tot) over w as tt
      from steps window w as (partition by d, c, a order by t rows between unbounded preceding and current row)
    )
    insert into analytics_group_hour (district_code, category, at, occ_known_seconds, occ_ratio_seconds, occ_peak)
    select d, c, h.at, round(sum(x.secs))::int, sum(x.secs * o / tt), max(o::float8 / tt)
    from iv
    cross join lateral ${hoursOf(sql`s0`, sql`s1`)} as h(at)
    cross join lateral (select ${secondsInHour(sql`s0`, sql`s1`, sql`h.at`)} as secs) as x
    where tt > 0 and s1 > s0
    group by d, c, h.at
    having round(sum(x.secs)) > 0`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
