import { BUSINESS, resolveCalendar, type Calendar } from './calendars.js';
import { dayIndexOfInstant, dayIndexStartMs, isWorkingDayIndex, shiftWorkingDays, toLocalDay, dayIndexOf } from './days.js';

/*
 * Time measured on a service calendar. All inputs and outputs are instants (Date); days and
 * hours are Shanghai wall clock (UTC+8 all year, no daylight saving), whatever the process's
 * TZ. Arithmetic is in whole milliseconds, so minutes may carry seconds.
 *
 * Counting rule: business time between a and b is the part of [a, b) inside the calendar's open
 * periods. Adding m > 0 minutes returns the EARLIEST instant by which m minutes have been
 * counted, so a deadline that uses up a period exactly falls on the period's end (12:00, 17:30),
 * never on the next opening.
 */

const MINUTE_MS = 60_000;
/** No SLA runs this long; a bound that turns a bad argument into an error rather than a hang. */
const MAX_DAYS = 366 * 30;

function instantMs(instant: Date, what: string): number {
  const ms = instant instanceof Date ? instant.getTime() : NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${what}: invalid Date`);
  return ms;
}

function minutesToMs(minutes: number): number {
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError(`minutes must be a finite number ≥ 0, got ${minutes}`);
  return Math.round(minutes * MINUTE_MS);
}

function openOn(calendar: Calendar, dayIndex: number): boolean {
  return !calendar.workingDaysOnly || isWorkingDayIndex(dayIndex);
}

/** The instant `ms` of open time after `startMs` (ms > 0). */
export function addOpenMs(startMs: number, ms: number, calendar: Calendar): number {
  if (ms <= 0) return startMs;
  let left = ms;
  const first = dayIndexOfInstant(startMs);
  for (let index = first; index < first + MAX_DAYS; index++) {
    if (!openOn(calendar, index)) continue;
    const base = dayIndexStartMs(index);
    for (const [s, e] of calendar.spans) {
      const from = Math.max(base + s, startMs);
      const to = base + e;
      if (from >= to) continue;
      if (left <= to - from) return from + left;
      left -= to - from;
    }
  }
  throw new RangeError(`more than ${MAX_DAYS} days of calendar ${calendar.id}`);
}

/** Open time in [aMs, bMs), in ms; negative when b is before a. */
export function openMsBetween(aMs: number, bMs: number, calendar: Calendar): number {
  if (bMs < aMs) return -openMsBetween(bMs, aMs, calendar);
  const first = dayIndexOfInstant(aMs);
  const last = dayIndexOfInstant(bMs);
  if (last - first > MAX_DAYS) throw new RangeError(`more than ${MAX_DAYS} days of calendar ${calendar.id}`);
  let total = 0;
  for (let index = first; index <= last; index++) {
    if (!openOn(calendar, index)) continue;
    const base = dayIndexStartMs(index);
    for (const [s, e] of calendar.spans) {
      const from = Math.max(base + s, aMs);
      const to = Math.min(base + e, bMs);
      if (to > from) total += to - from;
    }
  }
  return total;
}

/**
 * The instant by which `minutes` of calendar time have passed since `start`.
 * 0 minutes returns `start` itself (even outside business hours). Started outside business
 * hours, the count begins at the next opening: 17:29 + 2 min on a working day before a normal
 * working day is 08:31 the next day; Friday 20:00 + 60 min is Monday 09:30 (or the first
 * working day after a holiday, a 调休 Saturday included).
 */
export function addBusinessMinutes(start: Date, minutes: number, calendar: Calendar | string = BUSINESS): Date {
  return new Date(addOpenMs(instantMs(start, 'start'), minutesToMs(minutes), resolveCalendar(calendar)));
}

/**
 * Business minutes in [a, b) on the calendar; negative (−between(b, a)) when b is before a,
 * so it also serves as "minutes left until a due time". May be fractional when the instants
 * carry seconds.
 */
export function businessMinutesBetween(a: Date, b: Date, calendar: Calendar | string = BUSINESS): number {
  return openMsBetween(instantMs(a, 'a'), instantMs(b, 'b'), resolveCalendar(calendar)) / MINUTE_MS;
}

/** Plain elapsed minutes (the 24×7 calendar). */
export function addCalendarMinutes(start: Date, minutes: number): Date {
  return new Date(instantMs(start, 'start') + minutesToMs(minutes));
}

/** Whether the calendar is open at the instant (period starts count as open, ends do not). */
export function isBusinessTime(instant: Date, calendar: Calendar | string = BUSINESS): boolean {
  const cal = resolveCalendar(calendar);
  const ms = instantMs(instant, 'instant');
  const index = dayIndexOfInstant(ms);
  if (!openOn(cal, index)) return false;
  const offset = ms - dayIndexStartMs(index);
  return cal.spans.some(([s, e]) => offset >= s && offset < e);
}

/**
 * n working days as working TIME: n × the calendar's open minutes per day (n × 7.5 h on the
 * business calendar), i.e. `addBusinessMinutes(start, n * minutesPerDay)`. Hence:
 * - started in business hours: the same wall-clock time n working days later
 *   (Tuesday 10:00 + 3 → Friday 10:00; Thursday 2026-09-24 10:00 + 1 → Monday 09-28 10:00);
 * - started in the lunch break: 12:00 of the n-th working day after;
 * - started before opening on a working day: closing time (17:30) of the (n−1)-th working day
 *   after (the start day itself counts as day 1);
 * - started after closing or on a non-working day: closing time of the n-th working day after.
 * n = 0 returns `start`. This is the rule SLA clocks use, so pauses apply to it; for the
 * calendar-day rule of administrative deadlines see `workingDayDeadline`.
 */
export function addWorkingDays(start: Date, n: number, calendar: Calendar | string = BUSINESS): Date {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`working days must be an integer ≥ 0, got ${n}`);
  const cal = resolveCalendar(calendar);
  return addBusinessMinutes(start, n * cal.minutesPerDay, cal);
}

/**
 * The deadline "within n working days" as administrative rules count it (民法典 §201/§203:
 * the start day is not counted; the period ends when business closes on its last day): the
 * closing time of the n-th working day after the Shanghai day of `start`. Monday any time + 3
 * → Thursday 17:30; Saturday + 1 → Monday 17:30. n ≥ 1. Working days here are always 法定工作日;
 * the calendar only supplies the closing time (its last period's end).
 */
export function workingDayDeadline(start: Date, n: number, calendar: Calendar | string = BUSINESS): Date {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`working days must be an integer ≥ 1, got ${n}`);
  const cal = resolveCalendar(calendar);
  const day = shiftWorkingDays(toLocalDay(new Date(instantMs(start, 'start'))), n);
  const close = cal.spans[cal.spans.length - 1]![1];
  return new Date(dayIndexStartMs(dayIndexOf(day)) + close);
}
