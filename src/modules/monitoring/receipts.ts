import { sql } from 'kysely';
import { lateThresholdMinutesSql } from '../registry/index.js';
import type { MonitoringContext, MonitoringDb } from './repo.js';

/*
 * Receipts and late deliveries per lot and hour of receipt, without rescanning ingest_events.
 *
 * A late delivery is an accepted event whose receipt came more than the lot's threshold after
 * its occurredAt (lot ?? source ?? platform default), whichever way it came in (push, import of
 * an offline file, replay). The evaluator adds new events to hourly sums by event id: each run
 * reads the ids up to the newest id the PREVIOUS run saw, so an ingest transaction that was
 * still open then has committed by now and none of its events is skipped. Reads add the few
 * events past the cursor (the "tail") straight from ingest_events, so they are exact at any time.
 * Sums older than RETENTION_DAYS are dropped.
 */

const CURSOR = 'receipts';
const CHUNK_IDS = 100_000;
export const RETENTION_DAYS = 40;
const HOUR_MS = 3600_000;

/** The first instant of the clock hour (UTC and Shanghai hours coincide: UTC+8). */
export const hourStart = (t: Date | number) => new Date(Math.floor(new Date(t).getTime() / HOUR_MS) * HOUR_MS);

/** A bucket expression: the start of the hour of `column`, independent of the session time zone. */
const hourOf = (column: string) => sql<Date>`date_bin('1 hour', ${sql.ref(column)}, timestamptz '2000-01-01 00:00:00+00')`;

/** The lot's threshold as an interval, from lots `l` and data_sources `s`. */
const thresholdOf = (defaultMinutes: number) =>
  sql`make_interval(mins => ${lateThresholdMinutesSql('l', 's', defaultMinutes)})`;

async function cursor(db: MonitoringDb, lock: boolean): Promise<{ lastId: number; seenId: number }> {
  await db.insertInto('monitoring_cursor').values({ name: CURSOR, last_id: 0, seen_id: 0 }).onConflict((oc) => oc.column('name').doNothing()).execute();
  let q = db.selectFrom('monitoring_cursor').select(['last_id', 'seen_id']).where('name', '=', CURSOR);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirstOrThrow();
  return { lastId: Number(row.last_id), seenId: Number(row.seen_id) };
}

/** Ids of ingest_events at or below this are in the hourly sums. */
export async function summedThrough(db: MonitoringDb): Promise<number> {
  const row = await db.selectFrom('monitoring_cursor').select('last_id').where('name', '=', CURSOR).executeTakeFirst();
  return Number(row?.last_id ?? 0);
}

/**
 * The ids of the tail, (summed, newest]: both bounds constant so that the primary key is walked
 * even without planner statistics (PGlite never analyzes by itself); null when there is no tail.
 */
async function tailRange(db: MonitoringDb): Promise<{ after: number; upTo: number } | null> {
  const after = await summedThrough(db);
  const newest = await db.selectFrom('ingest_events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  const upTo = Number(newest?.id ?? 0);
  return upTo > after ? { after, upTo } : null;
}

/** Adds the events seen by the previous run to the hourly sums, in chunks, each its own transaction. */
export async function sumReceipts(ctx: MonitoringContext): Promise<{ events: number }> {
  const now = ctx.clock.now();
  const keepFrom = new Date(now.getTime() - RETENTION_DAYS * 24 * HOUR_MS);
  const newest = await ctx.db.selectFrom('ingest_events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  const newestId = Number(newest?.id ?? 0);
  let events = 0;
  for (;;) {
    const done = await ctx.db.transaction().execute(async (trx) => {
      const { lastId, seenId } = await cursor(trx, true);
      if (lastId >= seenId) {
        await trx.updateTable('monitoring_cursor').set({ seen_id: Math.max(seenId, newestId) }).where('name', '=', CURSOR).execute();
        return true;
      }
      const upTo = Math.min(seenId, lastId + CHUNK_IDS);
      const counted = await sql<{ n: number }>`
        with chunk as materialized (
          select lot_id, received_at, occurred_at from ingest_events where id > ${lastId} and id <= ${upTo}
        ), summed as (
          select e.lot_id, ${hourOf('e.received_at')} as hour, count(*)::int as received,
                 (count(*) filter (where e.received_at - e.occurred_at > ${thresholdOf(ctx.config.lateThresholdMinutes)}))::int as late
            from chunk e
            join lots l on l.id = e.lot_id
            left join data_sources s on s.code = l.source_code
           where e.received_at >= ${keepFrom}
           group by 1, 2
        ), stored as (
          insert into monitoring_receipts_hourly (lot_id, hour, received, late)
          select lot_id, hour, received, late from summed
          on conflict (lot_id, hour) do update
            set received = monitoring_receipts_hourly.received + excluded.received,
                late = monitoring_receipts_hourly.late + excluded.late
        )
        select coalesce(sum(received), 0)::int as n from summed`.execute(trx);
      await sql`
        insert into monitoring_source_heartbeats (source_code, last_heartbeat_at)
        select e.source_code, max(e.occurred_at)
          from ingest_events e
         where e.id > ${lastId} and e.id <= ${upTo} and e.type = 'heartbeat'
         group by 1
        on conflict (source_code) do update
          set last_heartbeat_at = greatest(monitoring_source_heartbeats.last_heartbeat_at, excluded.last_heartbeat_at)`.execute(trx);
      await trx.updateTable('monitoring_cursor').set({ last_id: upTo }).where('name', '=', CURSOR).execute();
      events += Number(counted.rows[0]?.n ?? 0);
      return false;
    });
    if (done) break;
  }
  await ctx.db.deleteFrom('monitoring_receipts_hourly').where('hour', '<', hourStart(keepFrom)).execute();
  return { events };
}

export interface HourCounts {
  lotId: number;
  hour: Date;
  received: number;
  late: number;
}

/** Receipts and late deliveries per lot and hour in [from, to), sums plus tail. */
export async function receiptCounts(db: MonitoringDb, defaultMinutes: number, range: { from: Date; to: Date; lotIds?: readonly number[] }): Promise<HourCounts[]> {
  if (range.lotIds && range.lotIds.length === 0) return [];
  const tailIds = await tailRange(db);
  const lotFilter = (column: string) => (range.lotIds ? sql`and ${sql.ref(column)} = any(${[...range.lotIds]}::int[])` : sql``);
  const summed = await sql<{ lot_id: number; hour: Date; received: number; late: number }>`
    select lot_id, hour, received, late from monitoring_receipts_hourly
     where hour >= ${hourStart(range.from)} and hour < ${range.to} ${lotFilter('lot_id')}`.execute(db);
  const tail = tailIds
    ? await sql<{ lot_id: number; hour: Date; received: number; late: number }>`
        with tail as materialized (
          select lot_id, received_at, occurred_at from ingest_events where id > ${tailIds.after} and id <= ${tailIds.upTo}
        )
        select e.lot_id, ${hourOf('e.received_at')} as hour, count(*)::int as received,
               (count(*) filter (where e.received_at - e.occurred_at > ${thresholdOf(defaultMinutes)}))::int as late
          from tail e
          join lots l on l.id = e.lot_id
          left join data_sources s on s.code = l.source_code
         where e.received_at >= ${hourStart(range.from)} and e.received_at < ${range.to} ${lotFilter('e.lot_id')}
         group by 1, 2`.execute(db)
    : { rows: [] };
  const out = new Map<string, HourCounts>();
  for (const r of [...summed.rows, ...tail.rows]) {
    const hour = new Date(r.hour);
    const key = `${r.lot_id}:${hour.getTime()}`;
    const c = out.get(key) ?? { lotId: Number(r.lot_id), hour, received: 0, late: 0 };
    c.received += Number(r.received);
    c.late += Number(r.late);
    out.set(key, c);
  }
  return [...out.values()];
}

/** Start of the late-delivery window: the current clock hour and the 23 before it. */
export const lateWindowStart = (now: Date) => new Date(hourStart(now).getTime() - 23 * HOUR_MS);

/** Late deliveries per lot received since the start of the clock hour 23 hours ago: summed per lot in SQL. */
export async function lateDeliveries24h(db: MonitoringDb, defaultMinutes: number, now: Date, lotIds?: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (lotIds && lotIds.length === 0) return out;
  const from = lateWindowStart(now);
  const lotFilter = (column: string) => (lotIds ? sql`and ${sql.ref(column)} = any(${[...lotIds]}::int[])` : sql``);
  const tailIds = await tailRange(db);
  const tail = tailIds
    ? sql`union all
          select e.lot_id, (count(*) filter (where e.received_at - e.occurred_at > ${thresholdOf(defaultMinutes)}))::int
            from (select lot_id, received_at, occurred_at from ingest_events where id > ${tailIds.after} and id <= ${tailIds.upTo} offset 0) e
            join lots l on l.id = e.lot_id
            left join data_sources s on s.code = l.source_code
           where e.received_at >= ${from} ${lotFilter('e.lot_id')}
           group by 1`
    : sql``;
  const rows = await sql<{ lot_id: number; late: number }>`
    select lot_id, sum(late)::int as late from (
      select lot_id, sum(late)::int as late from monitoring_receipts_hourly where hour >= ${from} and late > 0 ${lotFilter('lot_id')} group by 1
      ${tail}
    ) x group by 1`.execute(db);
  for (const r of rows.rows) if (Number(r.late) > 0) out.set(Number(r.lot_id), Number(r.late));
  return out;
}

/** Newest heartbeat occurredAt per source: sums plus tail. */
export async function lastHeartbeats(db: MonitoringDb): Promise<Map<string, Date>> {
  const tailIds = await tailRange(db);
  const tail = tailIds
    ? sql`union all
          select source_code, max(occurred_at) from (
            select source_code, occurred_at, type from ingest_events where id > ${tailIds.after} and id <= ${tailIds.upTo} offset 0
          ) t where type = 'heartbeat' group by 1`
    : sql``;
  const rows = await sql<{ source_code: string; at: Date }>`
    select source_code, last_heartbeat_at as at from monitoring_source_heartbeats ${tail}`.execute(db);
  const out = new Map<string, Date>();
  for (const r of rows.rows) {
    const at = new Date(r.at);
    const seen = out.get(r.source_code);
    if (!seen || at > seen) out.set(r.source_code, at);
  }
  return out;
}
