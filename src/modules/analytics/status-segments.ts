import { sql, type RawBuilder } from 'kysely';
import { lateThresholdMinutesSql } from '../registry/index.js';
import { isoList, type LotRange } from './ranges.js';

/** What a recomputation depends on besides the data: the as-of instant and the configured limits. */
export interface RollupSettings {
  asOf: Date;
  /** An open session counts as occupying for at most this many days (config.staleSessionDays). */
  staleSessionDays: number;
  /** The platform's late threshold, for lots and sources without their own. */
  lateThresholdMinutes: number;
}

/**
 * SQL rows `lr(lot_id, a, b, lot_total, district_code, category, thr)`: the ranges with what the
 * lot's registry entry says (its spaces, its group, its late threshold: lot → source → platform).
 */
export function lotRangesSql(ranges: readonly LotRange[], s: RollupSettings): RawBuilder<unknown> {
  return sql`
    select r.lot_id, r.a, r.b, l.total_spaces as lot_total, l.district_code, l.category::text as category,
           make_interval(mins => ${lateThresholdMinutesSql('l', 'ds', s.lateThresholdMinutes)}) as thr
    from unnest(${sql.val(ranges.map((r) => r.lotId))}::int[], ${sql.val(isoList(ranges.map((r) => r.from)))}::timestamptz[],
                ${sql.val(isoList(ranges.map((r) => r.to)))}::timestamptz[]) as r(lot_id, a, b)
    join lots l on l.id = r.lot_id
    left join data_sources ds on ds.code = l.source_code`;
}

/**
 * SQL rows `seg(lot_id, district_code, category, a, s0, s1, occ, tot)` over the CTE `lr`: when
 * each status report was valid, clipped to its range [a, b). A report is valid from its
 * occurred_at until the next report, its occurred_at + the lot's threshold or as-of, whichever
 * comes first; reports older than a − threshold cannot reach the range. Occupied spaces are
 * clamped to [0, total], total being the report's or else the lot's; a total of 0 tells nothing.
 */
export function segmentsSql(s: RollupSettings): RawBuilder<unknown> {
  return sql`
    select x.lot_id, x.district_code, x.category, x.a, greatest(x.t0, x.a) as s0, least(x.t1, x.b) as s1, x.occ, x.tot
    from (
      select r.lot_id, r.district_code, r.category, r.a, r.b, q.occurred_at as t0,
             least(lead(q.occurred_at) over (partition by r.lot_id, r.a order by q.occurred_at, q.id),
                   q.occurred_at + r.thr, ${s.asOf.toISOString()}::timestamptz) as t1,
             least(greatest(q.tot - q.free_spaces, 0), q.tot) as occ, q.tot
      from lr r
      cross join lateral (
        select rep.id, rep.occurred_at, rep.free_spaces, case when rep.total_spaces > 0 then rep.total_spaces else r.lot_total end as tot
        from lot_status_reports rep
        where rep.lot_id = r.lot_id and rep.excluded_by is null and rep.occurred_at >= r.a - r.thr and rep.occurred_at < r.b
      ) q
    ) x
    where x.tot > 0 and least(x.t1, x.b) > greatest(x.t0, x.a)`;
}

/** The hour starts (UTC hours = Shanghai hours) that the interval [s0, s1) touches, for a `cross join lateral`. */
export const hoursOf = (s0: RawBuilder<unknown>, s1: RawBuilder<unknown>) =>
  sql`generate_series(date_bin('1 hour', ${s0}, timestamptz '2000-01-01 00:00:00+00'), ${s1} - interval '1 microsecond', interval '1 hour')`;

/** Seconds of [s0, s1) inside the hour starting at `at`. */
export const secondsInHour = (s0: RawBuilder<unknown>, s1: RawBuilder<unknown>, at: RawBuilder<unknown>) =>
  sql`extract(epoch from least(${s1}, ${at} + interval '1 hour') - greatest(${s0}, ${at}))::float8`;
