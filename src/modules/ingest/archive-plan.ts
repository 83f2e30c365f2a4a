import { shanghaiDayStart } from '../../platform/time.js';

/*
 * Which months of raw data are due for the archive (docs/decisions/0032-archive-by-batched-delete.md).
 * Pure: the clock and the settings come in. Months are Shanghai calendar months; a month is due
 * only whole, once every instant of it is older than the retention:
 *
 * - events (by occurred_at), retention N months: a month is due once it ended at least N calendar
 *   months ago, i.e. it is at or before (this month − N − 1). On 2026-12-07 with 13 months, that
 *   is 2025-10 and earlier: 2025-11 is due on 2027-01-01.
 * - resolved quarantine (by resolved_at), retention D days: a month is due once its end is at
 *   least D days before now.
 */

const SHANGHAI_OFFSET_MS = 8 * 3600_000;

/** 'YYYY-MM' of an instant in Shanghai. */
export function shanghaiMonth(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 7);
}

/** The month `n` months after `month` (negative: before). */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) + n;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** A Shanghai month as instants [start, end). */
export function monthSpan(month: string): { month: string; start: Date; end: Date } {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new RangeError(`not a month: ${month}`);
  return { month, start: shanghaiDayStart(`${month}-01`)!, end: shanghaiDayStart(`${addMonths(month, 1)}-01`)! };
}

/** The newest month of events due at `now` with a retention of `retentionMonths`. */
export function lastDueEventMonth(now: Date, retentionMonths: number): string {
  return addMonths(shanghaiMonth(now), -retentionMonths - 1);
}

/** The newest month of resolved quarantine due at `now` with a retention of `retentionDays`. */
export function lastDueQuarantineMonth(now: Date, retentionDays: number): string {
  // A month is due when its end ≤ now − D, i.e. when it lies before the month of (now − D).
  return addMonths(shanghaiMonth(new Date(now.getTime() - retentionDays * 86_400_000)), -1);
}

/**
 * The months to archive, oldest first: from the month of the oldest row still in the table
 * through the last due month, at most `limit` of them (a long backlog is worked off over several
 * nights). None when the table holds nothing that old.
 */
export function dueMonths(oldest: Date | null, lastDue: string, limit = Infinity): string[] {
  if (oldest === null) return [];
  const out: string[] = [];
  for (let m = shanghaiMonth(oldest); m <= lastDue && out.length < limit; m = addMonths(m, 1)) out.push(m);
  return out;
}
