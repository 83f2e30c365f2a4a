import { sql, type RawBuilder } from 'kysely';

/*
 * Shanghai calendar periods (docs/指标口径.md). Asia/Shanghai is UTC+8 all year (no daylight saving),
 * so a Shanghai hour is a UTC hour, a day starts at 16:00 UTC the day before, and a month at
 * the 1st 00:00 Shanghai. Rollup rows are keyed by the instant their period starts.
 */

export const HOUR_MS = 3600_000;
export const DAY_MS = 24 * HOUR_MS;
const OFFSET_MS = 8 * HOUR_MS;

export type Period = 'hour' | 'day' | 'month';

export const startOfHour = (t: Date): Date => new Date(Math.floor(t.getTime() / HOUR_MS) * HOUR_MS);

export function startOfShanghaiDay(t: Date): Date {
  return new Date(Math.floor((t.getTime() + OFFSET_MS) / DAY_MS) * DAY_MS - OFFSET_MS);
}

export function startOfShanghaiMonth(t: Date): Date {
  const local = new Date(t.getTime() + OFFSET_MS);
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - OFFSET_MS);
}

/** The start of the Shanghai month `n` months after the one of `t` (n may be negative). */
export function addShanghaiMonths(t: Date, n: number): Date {
  const local = new Date(startOfShanghaiMonth(t).getTime() + OFFSET_MS);
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + n, 1) - OFFSET_MS);
}

export const addShanghaiDays = (t: Date, n: number): Date => new Date(startOfShanghaiDay(t).getTime() + n * DAY_MS);

export function startOfPeriod(period: Period, t: Date): Date {
  return period === 'hour' ? startOfHour(t) : period === 'day' ? startOfShanghaiDay(t) : startOfShanghaiMonth(t);
}

/** The start of the period after the one containing `t`. */
export function nextPeriod(period: Period, t: Date): Date {
  if (period === 'hour') return new Date(startOfHour(t).getTime() + HOUR_MS);
  if (period === 'day') return addShanghaiDays(t, 1);
  return addShanghaiMonths(t, 1);
}

/** [from, to) widened to whole periods: from down to its period's start, to up to a period boundary. */
export function alignOut(period: Period, from: Date, to: Date): { from: Date; to: Date } {
  const start = startOfPeriod(period, from);
  const last = startOfPeriod(period, new Date(to.getTime() - 1));
  return { from: start, to: to.getTime() <= start.getTime() ? start : nextPeriod(period, last) };
}

/*
 * The same buckets in SQL, independent of the session's TimeZone setting (date_trunc on a
 * timestamptz would use it): hours and days by date_bin from a fixed origin, months by shifting
 * to Shanghai wall time and back.
 */
export function sqlStartOf(period: Period, ts: RawBuilder<unknown>): RawBuilder<Date> {
  if (period === 'hour') return sql<Date>`date_bin('1 hour', ${ts}, timestamptz '2000-01-01 00:00:00+00')`;
  if (period === 'day') return sql<Date>`date_bin('1 day', ${ts}, timestamptz '2000-01-01 00:00:00+08')`;
  return sql<Date>`((date_trunc('month', ((${ts}) at time zone 'UTC') + interval '8 hours') - interval '8 hours') at time zone 'UTC')`;
}
