import { sql } from 'kysely';
import { systemActor } from '../../platform/auth/permissions.js';
import type { AppContext } from '../../platform/context.js';
import type { Silence } from './gaps.js';
import { monitoringContext, type MonitoringDb } from './repo.js';
import { lotBounds, reportLots, type LotMonthCounts, type Period, type ReportLot } from './sync-data.js';

/*
 * The monthly sync report from day summaries (issue 15 §4; docs/performance.md, "Monthly sync
 * report"). Everything the report reads of a month's events is a sum over the lot's Shanghai
 * days, or follows from consecutive days:
 *
 * - records and late deliveries add up; daysWithData counts the days with a record;
 * - the silences longer than the threshold are those inside each day (kept per day), those
 *   between the last event of a day with data and the first of the next one, and the two at the
 *   month's edges (from the lot's last event before the month, to its first event after it).
 *
 * Job monitoring.sync-days (`refreshSyncDays`) summarises every closed day of every reporting
 * lot once (migration 0045, `monitoring_sync_days`), with the lot's threshold. Triggers on
 * ingest_events mark a (lot, day) whose events changed — late deliveries, imports, restores,
 * the archive's deletes — in `monitoring_sync_dirty`, and the job recomputes it. The report
 * (`monthData`) uses a summary only when its day has ended, it was made with the lot's current
 * threshold and no mark waits for it; every other day (today, changed days, days the job has not
 * reached) it reads from the events as before, grouped by day. So the numbers are those of
 * sync-data.ts's direct computation at every moment, whatever the job has done
 * (sync-days.test.ts compares the two), and a month of closed days costs ≤ 31 rows per lot.
 *
 * Why a mark cannot be lost: the job reads marks first, computes later and deletes only the
 * marks it read; an event committed after the computation's snapshot leaves its own mark (written
 * in the event's transaction), so its summary is not used until it is recomputed.
 */

export const SYNC_DAYS_JOB = 'monitoring.sync-days';
const DAY = 86_400_000;
const SHANGHAI = 8 * 3600_000;
/** Marks read and (lot, day)s summarised per run: a run stays within seconds; the backlog follows in the next runs. */
const MARKS_PER_RUN = 50_000;
const DAYS_PER_RUN = 5_000;
const BATCH = 1_000;

/** A lot's day as the report reads it; times in epoch milliseconds. */
export interface DaySummary {
  day: string;
  records: number;
  late: number;
  first: number | null;
  last: number | null;
  /** Silences between consecutive events of the day longer than the threshold. */
  intervals: Silence[];
}

interface DayRange {
  lotId: number;
  thr: number;
  from: Date;
  to: Date;
}

/** 'YYYY-MM-DD' of a Shanghai day, and its start as an instant. */
export const dayOf = (ms: number): string => new Date(ms + SHANGHAI).toISOString().slice(0, 10);
const dayStart = (day: string): number => Date.parse(`${day}T00:00:00+08:00`);
const ms = (v: number | string | null): number | null => (v === null ? null : Number(v));

/**
 * Per lot and Shanghai day, the summary of the events with occurredAt in the ranges (any number
 * of days each, not overlapping per lot); days without an event are left out. One lateral scan
 * of the (lot_id, occurred_at) index per range.
 */
export async function summariseDays(db: MonitoringDb, ranges: readonly DayRange[]): Promise<Map<number, DaySummary[]>> {
  const out = new Map<number, DaySummary[]>();
  for (let i = 0; i < ranges.length; i += BATCH) {
    const part = ranges.slice(i, i + BATCH);
    // lag() over each range in index order (no sort); a silence counts for a day only when both of
    // its events are on that day — those between days follow from the days' first and last events.
    const { rows } = await sql<{ lot_id: number; day: string; records: number; late: number; first_ms: number | string; last_ms: number | string; intervals: [number, number][] }>`
      select r.lot_id, to_char(w.day, 'YYYY-MM-DD') as day, count(*)::int as records,
             (count(*) filter (where w.received_at - w.t > r.thr * interval '1 minute'))::int as late,
             floor(extract(epoch from min(w.t)) * 1000)::float8 as first_ms,
             floor(extract(epoch from max(w.t)) * 1000)::float8 as last_ms,
             coalesce(jsonb_agg(jsonb_build_array(floor(extract(epoch from w.prev) * 1000)::float8, floor(extract(epoch from w.t) * 1000)::float8) order by w.t)
                        filter (where w.prev_day = w.day and w.t - w.prev > r.thr * interval '1 minute'), '[]'::jsonb) as intervals
        from unnest(${sql.val(part.map((p) => p.lotId))}::int[], ${sql.val(part.map((p) => p.thr))}::int[],
                    ${sql.val(part.map((p) => p.from.toISOString()))}::timestamptz[], ${sql.val(part.map((p) => p.to.toISOString()))}::timestamptz[]) as r(lot_id, thr, f, t)
       cross join lateral (
         select d.t, d.received_at, d.day, lag(d.t) over (order by d.t) as prev, lag(d.day) over (order by d.t) as prev_day
           from (select e.occurred_at as t, e.received_at,
                        -- Shanghai is UTC+8 all year: its calendar day without depending on the session's time zone.
                        ((e.occurred_at at time zone 'UTC') + interval '8 hours')::date as day
                   from ingest_events e
                  where e.lot_id = r.lot_id and e.occurred_at >= r.f and e.occurred_at < r.t) d
       ) w
       group by r.lot_id, r.thr, w.day`.execute(db);
    for (const r of rows) {
      const list = out.get(r.lot_id) ?? [];
      list.push({
        day: r.day, records: Number(r.records), late: Number(r.late), first: ms(r.first_ms), last: ms(r.last_ms),
        intervals: r.intervals.map(([from, to]) => ({ from: Number(from), to: Number(to) })),
      });
      out.set(r.lot_id, list);
    }
  }
  return out;
}

/** The closed days' summaries the report may use: made with the lot's threshold, no mark waiting. */
async function usableSummaries(db: MonitoringDb, lots: readonly ReportLot[], p: Period, now: Date): Promise<Map<number, Map<string, DaySummary>>> {
  const out = new Map<number, Map<string, DaySummary>>();
  const last = Math.min(p.end.getTime(), now.getTime());
  if (lots.length === 0 || last < p.start.getTime() + DAY) return out;
  const { rows } = await sql<{ lot_id: number; day: string; threshold_minutes: number; records: number; late_deliveries: number; first_ms: number | string | null; last_ms: number | string | null; intervals: [number, number][] }>`
    select s.lot_id, to_char(s.day, 'YYYY-MM-DD') as day, s.threshold_minutes, s.records, s.late_deliveries,
           floor(extract(epoch from s.first_occurred_at) * 1000)::float8 as first_ms,
           floor(extract(epoch from s.last_occurred_at) * 1000)::float8 as last_ms, s.intervals
      from monitoring_sync_days s
     where s.lot_id = any(${sql.val(lots.map((l) => l.id))}::int[])
       and s.day >= ${dayOf(p.start.getTime())}::date and s.day < ${dayOf(p.end.getTime())}::date
       and not exists (select 1 from monitoring_sync_dirty m where m.lot_id = s.lot_id and m.day = s.day)`.execute(db);
  const thr = new Map(lots.map((l) => [l.id, l.thresholdMinutes]));
  for (const r of rows) {
    // Only a day that has ended, summarised with the lot's threshold as it is now.
    if (dayStart(r.day) + DAY > now.getTime() || thr.get(r.lot_id) !== r.threshold_minutes) continue;
    const days = out.get(r.lot_id) ?? new Map<string, DaySummary>();
    days.set(r.day, {
      day: r.day, records: r.records, late: r.late_deliveries, first: ms(r.first_ms), last: ms(r.last_ms),
      intervals: r.intervals.map(([from, to]) => ({ from: Number(from), to: Number(to) })),
    });
    out.set(r.lot_id, days);
  }
  return out;
}

/** Per lot: its last event before the period and its first event at or after its end (epoch ms). */
async function edges(db: MonitoringDb, lots: readonly ReportLot[], p: Period): Promise<Map<number, { before: number | null; after: number | null }>> {
  if (lots.length === 0) return new Map();
  const { rows } = await sql<{ id: number; before_ms: number | string | null; after_ms: number | string | null }>`
    select lt.id,
           floor(extract(epoch from (select max(e.occurred_at) from ingest_events e where e.lot_id = lt.id and e.occurred_at < ${p.start.toISOString()}::timestamptz)) * 1000)::float8 as before_ms,
           floor(extract(epoch from (select min(e.occurred_at) from ingest_events e where e.lot_id = lt.id and e.occurred_at >= ${p.end.toISOString()}::timestamptz)) * 1000)::float8 as after_ms
      from unnest(${sql.val(lots.map((l) => l.id))}::int[]) as lt(id)`.execute(db);
  return new Map(rows.map((r) => [r.id, { before: ms(r.before_ms), after: ms(r.after_ms) }]));
}

/**
 * What the report reads of a month (counts, bounds, silences) — the same as monthCounts,
 * lotBounds and longIntervals of sync-data.ts — from the usable day summaries plus the events
 * of the other days.
 */
export async function monthData(db: MonitoringDb, lots: readonly ReportLot[], p: Period, now: Date): Promise<{
  counts: Map<number, LotMonthCounts>;
  bounds: Awaited<ReturnType<typeof lotBounds>>;
  intervals: Map<number, Silence[]>;
}> {
  const kept = await usableSummaries(db, lots, p, now);
  const monthDays: string[] = [];
  for (let t = p.start.getTime(); t < p.end.getTime(); t += DAY) monthDays.push(dayOf(t));
  // The days without a usable summary, as ranges of consecutive days (the last one runs to the month end).
  const ranges: DayRange[] = [];
  for (const lot of lots) {
    const have = kept.get(lot.id);
    let open: DayRange | null = null;
    for (const day of monthDays) {
      if (have?.has(day)) {
        open = null;
        continue;
      }
      const from = dayStart(day);
      if (open) open.to = new Date(from + DAY);
      else {
        open = { lotId: lot.id, thr: lot.thresholdMinutes, from: new Date(from), to: new Date(from + DAY) };
        ranges.push(open);
      }
    }
  }
  const [live, bounds, edge] = await Promise.all([summariseDays(db, ranges), lotBounds(db, lots, p), edges(db, lots, p)]);

  const counts = new Map<number, LotMonthCounts>();
  const intervals = new Map<number, Silence[]>();
  for (const lot of lots) {
    const days = [...(kept.get(lot.id)?.values() ?? []), ...(live.get(lot.id) ?? [])]
      .filter((d) => d.records > 0)
      .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
    if (days.length > 0) {
      counts.set(lot.id, {
        records: days.reduce((n, d) => n + d.records, 0),
        daysWithData: days.length,
        lateDeliveries: days.reduce((n, d) => n + d.late, 0),
      });
    }
    const limit = lot.thresholdMinutes * 60_000;
    const list: Silence[] = [];
    const { before = null, after = null } = edge.get(lot.id) ?? {};
    let prev = before;
    for (const d of days) {
      if (prev !== null && d.first! - prev > limit) list.push({ from: prev, to: d.first! });
      list.push(...d.intervals);
      prev = d.last;
    }
    if (prev !== null && after !== null && after - prev > limit) list.push({ from: prev, to: after });
    if (list.length > 0) intervals.set(lot.id, list.sort((a, b) => a.from - b.from || a.to - b.to));
  }
  return { counts, bounds, intervals };
}

export interface SyncDaysResult {
  /** Change marks handled. */
  marks: number;
  /** (lot, day)s summarised: changed ones and ones not summarised yet. */
  days: number;
}

/**
 * Job monitoring.sync-days: summarises the closed days that changed (marked by the triggers)
 * and those without a summary for the lot's current threshold — from the lot's first event to
 * yesterday, newest first, a bounded number per run. Days that have not ended are never kept.
 */
export async function refreshSyncDays(anyCtx: AppContext): Promise<SyncDaysResult> {
  const ctx = monitoringContext(anyCtx);
  const db = ctx.db;
  const now = ctx.clock.now();
  const today = dayOf(now.getTime());
  // Marks of days that have not ended protect nothing: no summary of such a day is kept.
  await sql`delete from monitoring_sync_dirty where day >= ${today}::date`.execute(db);
  await sql`delete from monitoring_sync_days where day >= ${today}::date`.execute(db);

  const lots = await reportLots(db, systemActor(SYNC_DAYS_JOB), ctx.config.lateThresholdMinutes);
  const thr = new Map(lots.map((l) => [l.id, l.thresholdMinutes]));
  const { rows: marks } = await sql<{ id: string; lot_id: number; day: string }>`
    select id::text as id, lot_id, to_char(day, 'YYYY-MM-DD') as day from monitoring_sync_dirty order by id limit ${MARKS_PER_RUN}`.execute(db);
  const todo = new Map<string, { lotId: number; day: string }>();
  const unbound = marks.filter((m) => !thr.has(m.lot_id));
  for (const m of marks) if (thr.has(m.lot_id)) todo.set(`${m.lot_id}/${m.day}`, { lotId: m.lot_id, day: m.day });
  // A lot without a source is not reported: its changed days are forgotten, to be summarised anew if it is bound again.
  if (unbound.length > 0) {
    await sql`delete from monitoring_sync_days s using unnest(${sql.val(unbound.map((m) => m.lot_id))}::int[], ${sql.val(unbound.map((m) => m.day))}::date[]) as w(lot_id, day)
               where s.lot_id = w.lot_id and s.day = w.day`.execute(db);
  }
  if (lots.length > 0) {
    const { rows: missing } = await sql<{ lot_id: number; day: string }>`
      select lt.id as lot_id, to_char(g.d, 'YYYY-MM-DD') as day
        from unnest(${sql.val(lots.map((l) => l.id))}::int[], ${sql.val(lots.map((l) => l.thresholdMinutes))}::int[]) as lt(id, thr)
       cross join lateral (select ((min(e.occurred_at) at time zone 'UTC') + interval '8 hours')::date as first_day from ingest_events e where e.lot_id = lt.id) f
       cross join lateral generate_series(f.first_day, ${today}::date - 1, interval '1 day') as g(d)
       where not exists (select 1 from monitoring_sync_days s where s.lot_id = lt.id and s.day = g.d::date and s.threshold_minutes = lt.thr)
       order by g.d desc, lt.id
       limit ${DAYS_PER_RUN}`.execute(db);
    for (const m of missing) todo.set(`${m.lot_id}/${m.day}`, { lotId: m.lot_id, day: m.day });
  }

  const wanted = [...todo.values()];
  for (let i = 0; i < wanted.length; i += BATCH) {
    const part = wanted.slice(i, i + BATCH);
    const found = await summariseDays(db, part.map((w) => ({ lotId: w.lotId, thr: thr.get(w.lotId)!, from: new Date(dayStart(w.day)), to: new Date(dayStart(w.day) + DAY) })));
    const byKey = new Map<string, DaySummary>();
    for (const [lotId, days] of found) for (const d of days) byKey.set(`${lotId}/${d.day}`, d);
    await db.insertInto('monitoring_sync_days').values(part.map((w) => {
      const d = byKey.get(`${w.lotId}/${w.day}`);
      return {
        lot_id: w.lotId, day: w.day, threshold_minutes: thr.get(w.lotId)!, records: d?.records ?? 0, late_deliveries: d?.late ?? 0,
        first_occurred_at: d?.first != null ? new Date(d.first) : null, last_occurred_at: d?.last != null ? new Date(d.last) : null,
        intervals: JSON.stringify((d?.intervals ?? []).map((s) => [s.from, s.to])), computed_at: now,
      };
    })).onConflict((oc) => oc.columns(['lot_id', 'day']).doUpdateSet((eb) => ({
      threshold_minutes: eb.ref('excluded.threshold_minutes'), records: eb.ref('excluded.records'), late_deliveries: eb.ref('excluded.late_deliveries'),
      first_occurred_at: eb.ref('excluded.first_occurred_at'), last_occurred_at: eb.ref('excluded.last_occurred_at'),
      intervals: eb.ref('excluded.intervals'), computed_at: eb.ref('excluded.computed_at'),
    }))).execute();
  }
  // Only the marks read above: one written since then may stand for an event the summaries did not see.
  if (marks.length > 0) await sql`delete from monitoring_sync_dirty where id = any(${sql.val(marks.map((m) => m.id))}::bigint[])`.execute(db);
  return { marks: marks.length, days: wanted.length };
}
