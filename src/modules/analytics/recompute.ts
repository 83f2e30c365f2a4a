import { sql } from 'kysely';
import { recomputeGroupHours } from './group-hours.js';
import { recomputeLotHours } from './lot-hours.js';
import { recomputeGroupPeriods, recomputeLotPeriods } from './period-rows.js';
import { alignLotRanges, alignTimeRanges, type LotRange, type TimeRange } from './ranges.js';
import type { RollupSettings } from './status-segments.js';
import type { AnalyticsContext, AnalyticsDb } from './repo.js';

/** Refresh and rebuild take turns (both delete and re-insert rows): a transaction lock. */
const ROLLUP_LOCK = 7_140_014;

/**
 * Starts a recompute transaction: takes the lock; turns JIT off (generate_series makes the
 * planner guess millions of rows, and compiling for them took seconds of a 50 ms statement);
 * gives the aggregations and sorts of a rebuild chunk room in memory instead of spilling to disk.
 */
export async function lockRollups(db: AnalyticsDb): Promise<void> {
  await sql`select pg_advisory_xact_lock(${ROLLUP_LOCK})`.execute(db);
  await sql`set local jit = off`.execute(db);
  await sql`set local work_mem = '64MB'`.execute(db);
}

export const rollupSettings = (ctx: AnalyticsContext, asOf: Date): RollupSettings => ({
  asOf,
  staleSessionDays: ctx.config.staleSessionDays,
  lateThresholdMinutes: ctx.config.lateThresholdMinutes,
});

export interface RecomputeCounts {
  lotHourRows: number;
  groupHourRows: number;
  lotDayRows: number;
  lotMonthRows: number;
  groupDayRows: number;
  groupMonthRows: number;
}

export const noCounts = (): RecomputeCounts => ({ lotHourRows: 0, groupHourRows: 0, lotDayRows: 0, lotMonthRows: 0, groupDayRows: 0, groupMonthRows: 0 });

export function addCounts(into: RecomputeCounts, c: RecomputeCounts): void {
  for (const k of Object.keys(into) as (keyof RecomputeCounts)[]) into[k] += c[k];
}

/** Lot hours of the ranges, then the lots' days and months that contain them. */
export async function recomputeLots(db: AnalyticsDb, ranges: readonly LotRange[], s: RollupSettings): Promise<RecomputeCounts> {
  const c = noCounts();
  const hours = alignLotRanges('hour', ranges);
  c.lotHourRows = await recomputeLotHours(db, hours, s);
  c.lotDayRows = await recomputeLotPeriods(db, 'day', alignLotRanges('day', hours));
  c.lotMonthRows = await recomputeLotPeriods(db, 'month', alignLotRanges('month', hours));
  return c;
}

/** Group hours of the time ranges, then the groups' days and months that contain them. */
export async function recomputeGroups(db: AnalyticsDb, ranges: readonly TimeRange[], s: RollupSettings): Promise<RecomputeCounts> {
  const c = noCounts();
  const hours = alignTimeRanges('hour', ranges);
  c.groupHourRows = await recomputeGroupHours(db, hours, s);
  c.groupDayRows = await recomputeGroupPeriods(db, 'day', alignTimeRanges('day', hours));
  c.groupMonthRows = await recomputeGroupPeriods(db, 'month', alignTimeRanges('month', hours));
  return c;
}
