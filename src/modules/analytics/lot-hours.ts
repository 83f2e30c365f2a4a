import { sql } from 'kysely';
import { hoursOf, lotRangesSql, secondsInHour, segmentsSql, type RollupSettings } from './status-segments.js';
import { isoList, type LotRange } from './ranges.js';
import type { AnalyticsDb } from './repo.js';

/*
 * Recomputes analytics_lot_hour for many (lot, hour range) pairs in two statements, whatever
 * their number: delete the range, insert what the sessions and status reports give. Ranges
 * are hour-aligned and disjoint per lot (ranges.ts). Definitions: docs/指标口径.md.
 *
 * A range's sessions are found through the 0014 indexes in four disjoint branches (so UNION
 * ALL counts none twice), each a bounded index range (an OR would let the planner scan all of
 * a lot's history): exiting in [a, b); exiting at/after b but entered before b (occupying the
 * range; near now, few exits lie after b); entering in [a, b) and open or exiting before a;
 * open (partial index) since before a but within the stale cap. A session contributes:
 * - on its start side (entered_at, else exited_at): entries, sessions, complete, flagged;
 * - on its exit side, to '*' and to its pay channel: exits, dwell, revenue;
 * - occupied seconds over [entered_at, end) clipped per hour, end = exited_at, or for an open
 *   session min(as-of, entered_at + staleSessionDays); none without entry or when negative.
 */

/** The columns of analytics_lot_{hour,day,month}, in the order the inserts give them. */
export const LOT_COLUMNS = sql.raw(
  'lot_id, at, pay_channel, entries, exits, occupied_seconds, dwell_seconds, dwell_count, receivable_fen, paid_fen, arrears_fen, ' +
    'sessions, complete_sessions, flagged_sessions, occ_known_seconds, occ_ratio_seconds, occ_peak',
);

export async function deleteLotRows(db: AnalyticsDb, table: 'analytics_lot_hour' | 'analytics_lot_day' | 'analytics_lot_month', ranges: readonly LotRange[]): Promise<void> {
  if (ranges.length === 0) return;
  await sql`
    delete from ${sql.table(table)} t
    using unnest(${sql.val(ranges.map((r) => r.lotId))}::int[], ${sql.val(isoList(ranges.map((r) => r.from)))}::timestamptz[],
                 ${sql.val(isoList(ranges.map((r) => r.to)))}::timestamptz[]) as r(lot_id, a, b)
    where t.lot_id = r.lot_id and t.at >= r.a and t.at < r.b`.execute(db);
}

/** Returns the number of rows written. */
export async function recomputeLotHours(db: AnalyticsDb, ranges: readonly LotRange[], s: RollupSettings): Promise<number> {
  if (ranges.length === 0) return 0;
  await deleteLotRows(db, 'analytics_lot_hour', ranges);
  const asOf = sql`${s.asOf.toISOString()}::timestamptz`;
  const stale = sql`(${s.staleSessionDays}::int * interval '24 hours')`;
  const hour = (t: string) => sql`date_bin('1 hour', ${sql.raw(t)}, timestamptz '2000-01-01 00:00:00+00')`;
  const cols = 'p.id, p.entered_at, p.exited_at, p.flags, p.receivable_fen, p.paid_fen, p.pay_channel';
  const result = await sql`
    with lr as (${lotRangesSql(ranges, s)}),
    s as (
      select r.lot_id, r.a, r.b, p.entered_at, p.exited_at, p.flags, p.pay_channel,
             coalesce(p.receivable_fen, 0) as recv, coalesce(p.paid_fen, 0) as paid,
             case when p.entered_at is null then null
                  when p.exited_at is null then least(${asOf}, p.entered_at + ${stale})
                  when p.exited_at >= p.entered_at then p.exited_at end as occ_end
      from lr r
      cross join lateral (
        select ${sql.raw(cols)} from parking_sessions p
        where p.lot_id = r.lot_id and p.excluded_by is null and p.exited_at >= r.a and p.exited_at < r.b
        union all
        select ${sql.raw(cols)} from parking_sessions p
        -- coalesce keeps the planner off the entered_at index here (entered before b is most of history)
        where p.lot_id = r.lot_id and p.excluded_by is null and p.exited_at >= r.b and coalesce(p.entered_at, r.b) < r.b
        union all
        select ${sql.raw(cols)} from parking_sessions p
        where p.lot_id = r.lot_id and p.excluded_by is null and p.entered_at >= r.a and p.entered_at < r.b and (p.exited_at is null or p.exited_at < r.a)
        union all
        select ${sql.raw(cols)} from parking_sessions p
        where p.lot_id = r.lot_id and p.excluded_by is null and p.state = 'open' and p.entered_at < r.a and p.entered_at >= r.a - ${stale}
          and p.exited_at is null
      ) p
    ),
    seg as (${segmentsSql(s)}),
    parts (lot_id, at, ch, entries, exits, occ, dwell, dwell_n, recv, paid, arrears, sessions, complete, flagged, known, ratio_s, peak) as (
      select lot_id, ${hour('coalesce(entered_at, exited_at)')}, '*', (entered_at is not null)::int, 0, 0::float8, 0::float8, 0, 0, 0, 0,
             1, (entered_at is not null and exited_at is not null)::int, (cardinality(flags) > 0)::int, 0::float8, 0::float8, null::float8
      from s where coalesce(entered_at, exited_at) >= a and coalesce(entered_at, exited_at) < b
      union all
      select lot_id, ${hour('exited_at')}, c.ch, 0, 1, 0::float8,
             case when entered_at is not null and exited_at >= entered_at then extract(epoch from exited_at - entered_at)::float8 else 0 end,
             (entered_at is not null and exited_at >= entered_at)::int, recv, paid, greatest(recv - paid, 0),
             0, 0, 0, 0::float8, 0::float8, null::float8
      from s cross join lateral (values ('*'), (coalesce(s.pay_channel, ''))) as c(ch)
      where exited_at >= a and exited_at < b
      union all
      select lot_id, h.at, '*', 0, 0, ${secondsInHour(sql`greatest(entered_at, a)`, sql`least(occ_end, b)`, sql`h.at`)}, 0::float8, 0, 0, 0, 0,
             0, 0, 0, 0::float8, 0::float8, null::float8
      from s cross join lateral ${hoursOf(sql`greatest(entered_at, a)`, sql`least(occ_end, b)`)} as h(at)
      -- least/greatest skip nulls: a session without occupied time must be left out here
      where occ_end is not null and least(occ_end, b) > greatest(entered_at, a)
      union all
      select lot_id, h.at, '*', 0, 0, 0::float8, 0::float8, 0, 0, 0, 0, 0, 0, 0,
             ${secondsInHour(sql`s0`, sql`s1`, sql`h.at`)}, ${secondsInHour(sql`s0`, sql`s1`, sql`h.at`)} * occ / tot, occ::float8 / tot
      from seg cross join lateral ${hoursOf(sql`s0`, sql`s1`)} as h(at)
    )
    insert into analytics_lot_hour (${LOT_COLUMNS})
    select lot_id, at, ch, sum(entries)::int, sum(exits)::int, round(sum(occ))::bigint, round(sum(dwell))::bigint, sum(dwell_n)::int,
           sum(recv)::bigint, sum(paid)::bigint, sum(arrears)::bigint, sum(sessions)::int, sum(complete)::int, sum(flagged)::int,
           round(sum(known))::int,
           -- a sliver under half a second rounds to no known time: it keeps no ratio or peak either
           case when round(sum(known)) > 0 then sum(ratio_s) else 0 end,
           case when round(sum(known)) > 0 then max(peak) end
    from parts
    group by lot_id, at, ch
    having sum(entries) + sum(exits) + sum(sessions) > 0 or round(sum(occ)) > 0 or round(sum(known)) > 0`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
