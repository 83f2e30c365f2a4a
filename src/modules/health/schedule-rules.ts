import { isWorkingDay } from '../../platform/calendar/index.js';
import { shanghaiDay, shanghaiDayStart } from '../../platform/time.js';

/*
 * When a scheduled report is due (docs/巡检与报告.md §6, "定时生成与发送"). Pure: the caller
 * passes `now`. A schedule says "on the Nth working day of the month" (or of the ISO week); the
 * working days are the official calendar's (src/platform/calendar, the SLA engine's: public
 * holidays and their in-lieu days do not count, a make-up working day does, even on a weekend).
 * On that day from 08:00 Shanghai the report of the period just ended — the previous month or
 * ISO week — is due, and stays due until it is archived (a node that was down catches up later
 * in the period; the archive is unique per kind and period, so it is made once).
 */

export type Cadence = 'month' | 'week';
/** Shanghai hour from which a due day's report is made. */
export const DUE_HOUR = 8;

export interface DueReport {
  /** The period the report covers: YYYY-MM (month) or YYYY-Www (week), the one just ended. */
  period: string;
  /** The working day it became due (YYYY-MM-DD, Shanghai). */
  dueDay: string;
  dueAt: Date;
}

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** ISO week of a day: { year, week, monday }. */
export function isoWeekOf(day: string): { year: number; week: number; monday: string } {
  const d = new Date(`${day}T00:00:00Z`);
  const weekday = (d.getUTCDay() + 6) % 7; // Monday 0
  const monday = addDays(day, -weekday);
  const thursday = new Date(Date.parse(`${monday}T00:00:00Z`) + 3 * 86_400_000);
  const year = thursday.getUTCFullYear();
  const jan1 = Date.UTC(year, 0, 1);
  const week = Math.floor((thursday.getTime() - jan1) / (7 * 86_400_000)) + 1;
  return { year, week, monday };
}

const weekLabel = (w: { year: number; week: number }) => `${w.year}-W${String(w.week).padStart(2, '0')}`;

/** The days of the current month or ISO week of `today`, in order. */
function periodDays(today: string, cadence: Cadence): string[] {
  if (cadence === 'week') {
    const { monday } = isoWeekOf(today);
    return [...Array(7).keys()].map((i) => addDays(monday, i));
  }
  const first = `${today.slice(0, 8)}01`;
  const out: string[] = [];
  for (let d = first; d.slice(0, 7) === today.slice(0, 7); d = addDays(d, 1)) out.push(d);
  return out;
}

/**
 * The Nth working day of the month / ISO week containing `today`; when the period has fewer
 * than N working days, its last one; null when it has none (a week wholly inside a holiday).
 */
export function nthWorkingDay(today: string, cadence: Cadence, n: number): string | null {
  const working = periodDays(today, cadence).filter((d) => isWorkingDay(d));
  if (!working.length) return null;
  return working[Math.min(n, working.length) - 1]!;
}

/** The period that ended just before the current month / ISO week of `today`. */
export function previousPeriod(today: string, cadence: Cadence): string {
  if (cadence === 'week') return weekLabel(isoWeekOf(addDays(isoWeekOf(today).monday, -7)));
  const y = Number(today.slice(0, 4));
  const m = Number(today.slice(5, 7));
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** The report due at `now` under a schedule "Nth working day of the month/week", or null when its day has not come. */
export function dueReport(now: Date, cadence: Cadence, n: number): DueReport | null {
  const today = shanghaiDay(now);
  const dueDay = nthWorkingDay(today, cadence, n);
  if (!dueDay) return null;
  const dueAt = new Date(shanghaiDayStart(dueDay)!.getTime() + DUE_HOUR * 3600_000);
  if (now < dueAt) return null;
  return { period: previousPeriod(today, cadence), dueDay, dueAt };
}
