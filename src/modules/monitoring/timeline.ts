import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { badRequest } from '../../platform/errors.js';
import { formatShanghai } from '../../platform/time.js';
import { getLot } from '../registry/index.js';
import { findGaps, type Gap } from './gaps.js';
import { hourStart, receiptCounts } from './receipts.js';
import type { MonitoringContext } from './repo.js';

/*
 * A lot's recent timeline in hourly buckets (Shanghai clock hours), for the console's chart:
 * `events` counts the lot's events by when they happened (occurredAt), `received` by when they
 * reached the platform, `late` the late deliveries among those receipts. An hour with data in
 * `received` but none in `events` is an offline upload of older data; an hour empty in both is
 * silence. Every hour of the range is listed, oldest first.
 */

export const MAX_TIMELINE_DAYS = 31;
const HOUR_MS = 3600_000;

export interface TimelineHour {
  at: string;
  /** 'YYYY-MM-DD HH:00', Shanghai. */
  label: string;
  events: number;
  received: number;
  late: number;
}

export interface LotTimeline {
  lotCode: string;
  lotName: string;
  sourceCode: string | null;
  thresholdMinutes: number;
  from: string;
  to: string;
  hours: TimelineHour[];
  /** Exact gaps in the range by the monthly report's definition (gaps.ts), clipped to it. */
  gaps: Gap[];
}

export async function lotTimeline(ctx: MonitoringContext, actor: Actor, code: string, daysText?: string | number): Promise<LotTimeline> {
  const days = daysText === undefined || daysText === '' ? 7 : Number(daysText);
  if (!Number.isInteger(days) || days < 1 || days > MAX_TIMELINE_DAYS) {
    throw badRequest('INVALID_DAYS', `days 须为 1–${MAX_TIMELINE_DAYS} 的整数 / days: an integer 1–${MAX_TIMELINE_DAYS}`);
  }
  const lot = await getLot(ctx, actor, code); // 404 outside the actor's districts
  const row = await ctx.db
    .selectFrom('lots')
    .leftJoin('data_sources', 'data_sources.code', 'lots.source_code')
    .select(['lots.id', 'lots.late_threshold_minutes as lot_threshold', 'data_sources.late_threshold_minutes as source_threshold'])
    .where('lots.code', '=', lot.code)
    .executeTakeFirstOrThrow();
  const now = ctx.clock.now();
  const to = new Date(hourStart(now).getTime() + HOUR_MS);
  const from = new Date(to.getTime() - days * 24 * HOUR_MS);

  const happened = await sql<{ hour: Date; n: number }>`
    select date_bin('1 hour', occurred_at, timestamptz '2000-01-01 00:00:00+00') as hour, count(*)::int as n
      from ingest_events
     where lot_id = ${row.id} and occurred_at >= ${from} and occurred_at < ${to}
     group by 1`.execute(ctx.db);
  const receipts = await receiptCounts(ctx.db, ctx.config.lateThresholdMinutes, { from, to, lotIds: [row.id] });

  // The events that can bound a gap overlapping the range: the last before it, all inside, none after matter (to ≥ now's hour).
  const times = await sql<{ at: Date }>`
    (select occurred_at as at from ingest_events where lot_id = ${row.id} and occurred_at < ${from} order by occurred_at desc limit 1)
    union all
    (select occurred_at from ingest_events where lot_id = ${row.id} and occurred_at >= ${from} and occurred_at < ${to})`.execute(ctx.db);
  const thresholdMinutes = row.lot_threshold ?? row.source_threshold ?? ctx.config.lateThresholdMinutes;
  const gaps = findGaps(times.rows.map((r) => r.at), { from, to, now, thresholdMinutes });

  const hours = new Map<number, TimelineHour>();
  for (let t = from.getTime(); t < to.getTime(); t += HOUR_MS) {
    const at = new Date(t);
    hours.set(t, { at: at.toISOString(), label: `${formatShanghai(at).slice(0, 13)}:00`, events: 0, received: 0, late: 0 });
  }
  for (const r of happened.rows) {
    const h = hours.get(new Date(r.hour).getTime());
    if (h) h.events += Number(r.n);
  }
  for (const r of receipts) {
    const h = hours.get(r.hour.getTime());
    if (h) {
      h.received += r.received;
      h.late += r.late;
    }
  }
  return {
    lotCode: lot.code,
    lotName: lot.name,
    sourceCode: lot.sourceCode,
    thresholdMinutes,
    from: from.toISOString(),
    to: to.toISOString(),
    hours: [...hours.values()],
    gaps,
  };
}
