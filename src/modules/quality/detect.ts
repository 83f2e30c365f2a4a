import { sql, type RawBuilder } from 'kysely';
import type { AnyDb } from '../../platform/db.js';
import { qualityDb } from './repo.js';
import { NO_PLATE_KEY_SQL_RE } from '../../platform/plates.js';
import type { RuleCode } from './rules.js';

/*
 * Detection: one set-based SELECT per rule over the scanned range and lots. Each yields the
 * columns of a finding — target_id, lot_id, source_code, at, action, suggested, detail — and
 * scan.ts upserts them by (rule, target). Rows already set aside (excluded_by) are never found:
 * a fixed row does not come back, and a row set aside by one rule leaves the others' sight.
 *
 * Sessions are in the range by their time: entry, or exit when the entry is unknown (the
 * same time the parking records list and the completeness KPI use).
 */

export interface ScanScope {
  from: Date;
  to: Date;
  /** The moment open sessions are counted up to: min(now, to). */
  asOf: Date;
  lotIds: number[];
  /** Open sessions count as present at most this long (config.staleSessionDays). */
  staleDays: number;
}

export type Params = Record<string, number | boolean | null>;

const num = (p: Params, k: string, fallback: number): number => (typeof p[k] === 'number' ? p[k] : fallback);

/** Sessions of the scope: not set aside, of the lots, with their time in [from, to). */
function sessionsInScope(s: ScanScope): RawBuilder<boolean> {
  return sql<boolean>`s.lot_id = any(${sql.val(s.lotIds)}::int[]) and s.excluded_by is null
    and ((s.entered_at >= ${s.from} and s.entered_at < ${s.to}) or (s.entered_at is null and s.exited_at >= ${s.from} and s.exited_at < ${s.to}))`;
}

const SESSION_COLUMNS = sql`s.id as target_id, s.lot_id, s.source_code, coalesce(s.entered_at, s.exited_at) as at`;
const minutes = sql`(extract(epoch from (s.exited_at - s.entered_at))::float8 / 60)`;
const closedForward = sql`s.entered_at is not null and s.exited_at is not null and s.exited_at >= s.entered_at`;

/*
 * The tariff charge in SQL, over a lot_tariffs row aliased `t` — the same calculation as the
 * simulator's receivableFen() (a test holds the two equal): nothing within the free period,
 * else from entry: the first period, then per started unit, capped per 24 hours from entry.
 */
const stretch = (x: RawBuilder<unknown>) =>
  sql`(case when ${x} <= 0 then 0::float8 else t.first_period_fen + ceil(greatest(0, ${x} - t.first_period_minutes) / t.unit_minutes) * t.unit_fen end)`;
const capped = (fen: RawBuilder<unknown>) => sql`(case when t.daily_cap_fen is null then ${fen} else least(${fen}, t.daily_cap_fen::float8) end)`;

export function tariffChargeSql(m: RawBuilder<unknown>): RawBuilder<number> {
  const days = sql`floor(${m} / 1440)`;
  const rest = sql`(${m} - floor(${m} / 1440) * 1440)`;
  return sql<number>`(case when not (${m} > t.free_minutes) then 0 else ${days} * ${capped(stretch(sql`1440::float8`))} + ${capped(stretch(rest))} end)::bigint`;
}

/*
 * Plate validity in SQL, the same forms as platform/plates.ts isValidPlate (a test holds the two
 * equal): 7-character regular plates and 8-character new-energy plates, no I or O.
 */
const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
export const REGULAR_PLATE_RE = `^[${PROVINCES}][A-HJ-NP-Z][A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳]$`;
export const NEW_ENERGY_PLATE_RE = `^[${PROVINCES}][A-HJ-NP-Z][A-HJ-NP-Z0-9]{6}$`;
/** A valid plate, or a 无牌车 key (`无牌车#<ticketId>`, src/platform/plates.ts): not an invalid plate. */
export const validPlateSql = (plate: RawBuilder<unknown>) => sql<boolean>`(${plate} ~ ${REGULAR_PLATE_RE} or ${plate} ~ ${NEW_ENERGY_PLATE_RE} or ${plate} ~ ${NO_PLATE_KEY_SQL_RE})`;
/** The common misreads of the serial: O for 0, I for 1 (neither letter is ever issued there). */
const misreadFixed = sql`(left(s.plate, 2) || translate(substr(s.plate, 3), 'OI', '01'))`;

/** Lots whose status reports consistently give another total than the registry (see lot_capacity_contradiction). */
function consistentTotalMismatch(s: ScanScope, p: Params): RawBuilder<unknown> {
  const tol = num(p, 'totalTolerance', 0.1);
  return sql`
    select r.lot_id, count(*)::int as reports,
      count(*) filter (where abs(r.total_spaces - l.total_spaces) > ${tol}::float8 * l.total_spaces)::int as mismatched,
      percentile_disc(0.5) within group (order by r.total_spaces)
        filter (where abs(r.total_spaces - l.total_spaces) > ${tol}::float8 * l.total_spaces) as reported_total
    from lot_status_reports r join lots l on l.id = r.lot_id
    where r.lot_id = any(${sql.val(s.lotIds)}::int[]) and r.occurred_at >= ${s.from} and r.occurred_at < ${s.to}
    group by r.lot_id
    having count(*) >= ${num(p, 'minReports', 3)}
      and count(*) filter (where abs(r.total_spaces - l.total_spaces) > ${tol}::float8 * l.total_spaces) >= ${num(p, 'mismatchShare', 0.8)}::float8 * count(*)`;
}

/**
 * The SELECT of a rule. `related` carries other rules' parameters where one rule defers to
 * another (status reports vs. the lot's capacity), null when that rule is off.
 */
export function detectSql(code: RuleCode, s: ScanScope, p: Params, related: { capacity: Params | null }): RawBuilder<unknown> {
  switch (code) {
    case 'duplicate_session': {
      const window = sql`make_interval(secs => ${num(p, 'windowSeconds', 60)}::float8)`;
      return sql`
        select ${SESSION_COLUMNS}, 'exclude' as action, '{}'::jsonb as suggested,
          jsonb_build_object('keepId', k.id, 'secondsApart', round(abs(extract(epoch from s.entered_at - k.entered_at)))::int) as detail
        from parking_sessions s
        join lateral (
          select k.id, k.entered_at from parking_sessions k
          where k.lot_id = s.lot_id and k.plate = s.plate and k.id < s.id and k.excluded_by is null
            and k.entered_at between s.entered_at - ${window} and s.entered_at + ${window}
          order by k.id limit 1
        ) k on true
        where ${sessionsInScope(s)} and s.entered_at is not null`;
    }
    case 'negative_duration':
      return sql`
        select ${SESSION_COLUMNS}, 'exclude' as action, '{}'::jsonb as suggested,
          jsonb_build_object('minutes', floor(${minutes})::int) as detail
        from parking_sessions s
        where ${sessionsInScope(s)} and s.exited_at < s.entered_at`;
    case 'overlong_duration':
      return sql`
        select ${SESSION_COLUMNS}, 'exclude' as action, '{}'::jsonb as suggested,
          jsonb_build_object('days', round((${minutes} / 1440)::numeric, 1)::float8, 'maxDays', ${num(p, 'maxDays', 7)}::float8) as detail
        from parking_sessions s
        where ${sessionsInScope(s)} and ${closedForward} and s.exited_at - s.entered_at > ${num(p, 'maxDays', 7)}::float8 * interval '1 day'`;
    case 'fee_mismatch': {
      const ignoreZero = p.ignoreZero !== false;
      return sql`
        select * from (
          select ${SESSION_COLUMNS}, 'set_receivable' as action,
            jsonb_build_object('receivableFen', c.expected) as suggested,
            jsonb_build_object('receivableFen', s.receivable_fen, 'tariffFen', c.expected, 'minutes', floor(${minutes})::int) as detail,
            s.receivable_fen, c.expected
          from parking_sessions s
          join lot_tariffs t on t.lot_id = s.lot_id
          cross join lateral (select ${tariffChargeSql(minutes)} as expected) c
          where ${sessionsInScope(s)} and ${closedForward} and s.receivable_fen is not null
            ${ignoreZero ? sql`and s.receivable_fen <> 0` : sql``}
        ) x
        where abs(x.receivable_fen - x.expected) > ${num(p, 'toleranceFen', 0)}`;
    }
    case 'fee_over_cap': {
      const fallback = typeof p.defaultDailyCapFen === 'number' ? p.defaultDailyCapFen : null;
      return sql`
        select * from (
          select ${SESSION_COLUMNS}, 'set_receivable' as action,
            jsonb_build_object('receivableFen', c.cap * c.periods) as suggested,
            jsonb_build_object('receivableFen', s.receivable_fen, 'dailyCapFen', c.cap, 'periods', c.periods) as detail,
            s.receivable_fen, c.cap * c.periods as allowed
          from parking_sessions s
          left join lot_tariffs t on t.lot_id = s.lot_id
          cross join lateral (
            select coalesce(t.daily_cap_fen, ${fallback}::int)::bigint as cap,
              greatest(1, ceil(extract(epoch from (s.exited_at - s.entered_at)) / 86400))::int as periods
          ) c
          where ${sessionsInScope(s)} and ${closedForward} and s.receivable_fen is not null and c.cap is not null
        ) x
        where x.receivable_fen > x.allowed`;
    }
    case 'paid_over_receivable':
      return sql`
        select ${SESSION_COLUMNS}, 'set_receivable' as action,
          jsonb_build_object('receivableFen', s.paid_fen) as suggested,
          jsonb_build_object('receivableFen', s.receivable_fen, 'paidFen', s.paid_fen) as detail
        from parking_sessions s
        where ${sessionsInScope(s)} and s.paid_fen > s.receivable_fen`;
    case 'invalid_plate':
      return sql`
        select ${SESSION_COLUMNS},
          case when ${validPlateSql(misreadFixed)} then 'set_plate' else 'exclude' end as action,
          case when ${validPlateSql(misreadFixed)} then jsonb_build_object('plate', ${misreadFixed}) else '{}'::jsonb end as suggested,
          jsonb_build_object('length', char_length(s.plate)) as detail
        from parking_sessions s
        where ${sessionsInScope(s)} and not ${validPlateSql(sql`s.plate`)}`;
    case 'status_out_of_capacity': {
      const tol = num(p, 'totalTolerance', 0.1);
      const offTotal = sql`(l.total_spaces > 0 and abs(r.total_spaces - l.total_spaces) > ${tol}::float8 * l.total_spaces
        ${related.capacity ? sql`and r.lot_id not in (select lot_id from (${consistentTotalMismatch(s, related.capacity)}) m)` : sql``})`;
      return sql`
        select * from (
          select r.id as target_id, r.lot_id, l.source_code, r.occurred_at as at, 'exclude' as action, '{}'::jsonb as suggested,
            jsonb_build_object('totalSpaces', r.total_spaces, 'freeSpaces', r.free_spaces, 'lotTotalSpaces', l.total_spaces,
              'reason', case when r.free_spaces < 0 then 'free_negative' when r.free_spaces > r.total_spaces then 'free_over_total' else 'total_mismatch' end) as detail,
            (r.free_spaces < 0 or r.free_spaces > r.total_spaces or ${offTotal}) as bad
          from lot_status_reports r join lots l on l.id = r.lot_id
          where r.lot_id = any(${sql.val(s.lotIds)}::int[]) and r.excluded_by is null and r.occurred_at >= ${s.from} and r.occurred_at < ${s.to}
        ) x where x.bad`;
    }
    case 'lot_capacity_contradiction':
      return capacitySql(s, p);
  }
}

/*
 * A lot contradicts its capacity when more cars were present at once than it has spaces (with
 * the tolerance), or its own status reports keep giving another total. Cars present: each
 * session counts from entry to exit (an open one until min(asOf, entry + staleDays)), clipped to
 * the range; a running sum over the entries (+1) and exits (−1) in time order, exits first at a
 * tie. Reports are all of the range's, set aside or not: they are what the lot system says.
 */
function capacitySql(s: ScanScope, p: Params): RawBuilder<unknown> {
  const lookbackDays = Math.max(s.staleDays, 7);
  const tol = num(p, 'peakTolerance', 0.1);
  return sql`
    with stays as (
      select s.lot_id, greatest(s.entered_at, ${s.from}::timestamptz) as a,
        least(coalesce(s.exited_at, least(s.entered_at + ${s.staleDays}::float8 * interval '1 day', ${s.asOf}::timestamptz)), ${s.to}::timestamptz) as b
      from parking_sessions s
      where s.lot_id = any(${sql.val(s.lotIds)}::int[]) and s.excluded_by is null and s.entered_at is not null
        and s.entered_at < ${s.to} and s.entered_at >= ${s.from}::timestamptz - ${lookbackDays}::float8 * interval '1 day'
        and (s.exited_at is null or (s.exited_at > ${s.from} and s.exited_at >= s.entered_at))
    ), moves as (
      select lot_id, a as t, 1 as d from stays where b > a
      union all
      select lot_id, b as t, -1 as d from stays where b > a
    ), present as (
      select lot_id, t, sum(d) over (partition by lot_id order by t, d rows unbounded preceding) as n from moves
    ), peaks as (
      select distinct on (lot_id) lot_id, n::int as peak, t as peak_at from present order by lot_id, n desc, t
    ), reported as (${consistentTotalMismatch(s, p)})
    select l.id as target_id, l.id as lot_id, l.source_code, ${s.asOf}::timestamptz as at, 'set_total_spaces' as action,
      jsonb_build_object('totalSpaces', greatest(coalesce(rp.reported_total, 0), case when pk.peak > l.total_spaces * (1 + ${tol}::float8) then pk.peak else 0 end)) as suggested,
      jsonb_build_object('totalSpaces', l.total_spaces, 'peak', coalesce(pk.peak, 0), 'peakAt', pk.peak_at,
        'reports', rp.reports, 'mismatchedReports', rp.mismatched, 'reportedTotal', rp.reported_total,
        'from', ${s.from}::timestamptz, 'to', ${s.to}::timestamptz) as detail
    from lots l
    left join peaks pk on pk.lot_id = l.id
    left join reported rp on rp.lot_id = l.id
    where l.id = any(${sql.val(s.lotIds)}::int[])
      and (pk.peak > l.total_spaces * (1 + ${tol}::float8) or rp.lot_id is not null)`;
}

/**
 * The charge in fen of `minutes` of parking at a lot by its tariff — the engine above, run for
 * one stay (the public fee estimate uses it, so citizens are quoted what the fee rules check);
 * null when the lot has no tariff.
 */
export async function tariffChargeFen(anyDb: AnyDb, lotId: number, minutes: number): Promise<number | null> {
  const db = qualityDb(anyDb);
  const m = sql`${minutes}::float8`;
  const row = await sql<{ fen: number }>`select ${tariffChargeSql(m)} as fen from lot_tariffs t where t.lot_id = ${lotId}`.execute(db);
  const first = row.rows[0];
  return first ? Number(first.fen) : null;
}
