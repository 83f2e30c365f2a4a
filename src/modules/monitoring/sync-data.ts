import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { districtScope } from '../../platform/scope.js';
import type { Silence } from './gaps.js';
import type { MonitoringDb } from './repo.js';

/*
 * What the sync report reads from the database. A month of 300 lots is millions of events, so
 * nothing here brings events into Node: counts are aggregated in SQL, and gaps come from a
 * window function (lag over each lot's events by occurredAt) that returns only the intervals
 * longer than the lot's threshold — a handful of rows. Every lookup goes down the
 * (lot_id, occurred_at) index of ingest_events, which carries received_at (migration 0010) so
 * that the counts are index-only scans.
 */

export interface ReportLot {
  id: number;
  code: string;
  name: string;
  districtCode: string;
  districtName: string;
  sourceCode: string;
  sourceName: string;
  operatorName: string | null;
  status: 'active' | 'suspended';
  /** The lot's own threshold, else its source's, else the platform default. */
  thresholdMinutes: number;
}

export interface LotMonthCounts {
  records: number;
  daysWithData: number;
  lateDeliveries: number;
}

export interface LotBounds {
  firstOccurredAt: Date | null;
  lastOccurredAt: Date | null;
  /** The newest event before the period end: what the state at month end is judged on. */
  lastBeforeEnd: Date | null;
}

export interface Period {
  start: Date;
  end: Date;
}

const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;

/**
 * The lots the report covers: every lot bound to a data source, within the actor's district
 * scope, ordered by district then code. A lot without a source cannot report and is left out.
 */
export async function reportLots(db: MonitoringDb, actor: Actor, defaultThreshold: number): Promise<ReportLot[]> {
  const scope = districtScope(actor);
  const rows = await db
    .selectFrom('lots as l')
    .innerJoin('data_sources as s', 's.code', 'l.source_code')
    .innerJoin('districts as d', 'd.code', 'l.district_code')
    .leftJoin('operators as o', 'o.id', 's.operator_id')
    .select([
      'l.id', 'l.code', 'l.name', 'l.district_code', 'd.name as district_name', 'l.source_code', 's.name as source_name', 'o.name as operator_name',
      'l.status', 'l.late_threshold_minutes as lot_threshold', 's.late_threshold_minutes as source_threshold',
    ])
    .$if(scope !== null, (qb) => qb.where('l.district_code', '=', scope!))
    .orderBy('d.sort_order')
    .orderBy('l.district_code')
    .orderBy('l.code')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    code: r.code,
    name: r.name,
    districtCode: r.district_code,
    districtName: r.district_name,
    sourceCode: r.source_code!,
    sourceName: r.source_name,
    operatorName: r.operator_name,
    status: r.status,
    thresholdMinutes: r.lot_threshold ?? r.source_threshold ?? defaultThreshold,
  }));
}


/** The lots with their thresholds as a relation `lt(id, thr)` for the statements below. */
const lotRelation = (lots: readonly ReportLot[]) =>
  sql`unnest(${sql.val(lots.map((l) => l.id))}::int[], ${sql.val(lots.map((l) => l.thresholdMinutes))}::int[]) as lt(id, thr)`;

/**
 * Per lot, over its events with occurredAt in the period (whenever received): how many, on how
 * many Shanghai days, and how many were delivered more than the lot's threshold after they occurred.
 */
export async function monthCounts(db: MonitoringDb, lots: readonly ReportLot[], p: Period): Promise<Map<number, LotMonthCounts>> {
  if (lots.length === 0) return new Map();
  const { rows } = await sql<{ lot_id: number; records: number; days: number; late: number }>`
    select e.lot_id,
           count(*)::int as records,
           -- Shanghai is UTC+8 all year: its calendar day without depending on the session's time zone.
           count(distinct ((e.occurred_at at time zone 'UTC') + interval '8 hours')::date)::int as days,
           (count(*) filter (where e.received_at - e.occurred_at > lt.thr * interval '1 minute'))::int as late
      from ${lotRelation(lots)}
      join ingest_events e on e.lot_id = lt.id and e.occurred_at >= ${ts(p.start)} and e.occurred_at < ${ts(p.end)}
     group by e.lot_id`.execute(db);
  return new Map(rows.map((r) => [r.lot_id, { records: Number(r.records), daysWithData: Number(r.days), lateDeliveries: Number(r.late) }]));
}

/** Per lot: its first and last event ever, and its last event before the period end. */
export async function lotBounds(db: MonitoringDb, lots: readonly ReportLot[], p: Period): Promise<Map<number, LotBounds>> {
  if (lots.length === 0) return new Map();
  const { rows } = await sql<{ id: number; first_at: Date | null; last_at: Date | null; last_before_end: Date | null }>`
    select lt.id,
           -- Months whose raw events are archived count through their snapshots (sync-snapshot.ts).
           least((select min(e.occurred_at) from ingest_events e where e.lot_id = lt.id),
                 (select min(s.first_occurred_at) from monitoring_sync_snapshot_lots s where s.lot_id = lt.id)) as first_at,
           greatest((select max(e.occurred_at) from ingest_events e where e.lot_id = lt.id),
                    (select max(s.last_occurred_at) from monitoring_sync_snapshot_lots s where s.lot_id = lt.id)) as last_at,
           greatest((select max(e.occurred_at) from ingest_events e where e.lot_id = lt.id and e.occurred_at < ${ts(p.end)}),
                    (select max(s.last_before_end) from monitoring_sync_snapshot_lots s where s.lot_id = lt.id and s.last_before_end < ${ts(p.end)})) as last_before_end
      from ${lotRelation(lots)}`.execute(db);
  const date = (v: Date | string | null) => (v === null ? null : new Date(v));
  return new Map(rows.map((r) => [r.id, { firstOccurredAt: date(r.first_at), lastOccurredAt: date(r.last_at), lastBeforeEnd: date(r.last_before_end) }]));
}

/**
 * Per lot, the intervals between consecutive events that are longer than its threshold and can
 * overlap the period: lag() over the lot's events by occurredAt, run over the events inside the
 * period plus the lot's last event before it and first event after it, which bound the gaps
 * crossing its edges. (The silence after the lot's last event ever is added by the caller: it
 * runs to "now".) One lateral window per lot rather than one partitioned by lot over all of
 * them: each lot's rows come out of the index already in order, so nothing is sorted.
 */
export async function longIntervals(db: MonitoringDb, lots: readonly ReportLot[], p: Period): Promise<Map<number, Silence[]>> {
  const out = new Map<number, Silence[]>();
  if (lots.length === 0) return out;
  const { rows } = await sql<{ lot_id: number; prev: Date | string; t: Date | string }>`
    select lt.id as lot_id, g.prev, g.t
      from ${lotRelation(lots)}
     cross join lateral (
       select w.prev, w.t
         from (
           select e.occurred_at as t, lag(e.occurred_at) over (order by e.occurred_at) as prev
             from ingest_events e
            where e.lot_id = lt.id
              and e.occurred_at >= coalesce((select max(b.occurred_at) from ingest_events b where b.lot_id = lt.id and b.occurred_at < ${ts(p.start)}), ${ts(p.start)})
              and e.occurred_at <= coalesce((select min(a.occurred_at) from ingest_events a where a.lot_id = lt.id and a.occurred_at >= ${ts(p.end)}), ${ts(p.end)})
         ) w
        where w.prev is not null and w.t - w.prev > lt.thr * interval '1 minute'
     ) g
     order by lt.id, g.prev`.execute(db);
  for (const r of rows) {
    const list = out.get(r.lot_id) ?? [];
    list.push({ from: new Date(r.prev).getTime(), to: new Date(r.t).getTime() });
    out.set(r.lot_id, list);
  }
  return out;
}
