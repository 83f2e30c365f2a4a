import { createRequire } from 'node:module';

/*
 * Shanghai calendar days and the State Council holiday calendar (法定节假日 and 调休).
 *
 * The data is chinese-days' published table (dist/chinese-days.json), read directly rather than
 * through its isWorkday()/getDayDetail(): those parse dates with the process's local time zone,
 * and west of UTC they answer for the wrong day (checked: with TZ=America/New_York,
 * getDayDetail('2026-02-16') reports 2026-02-15). The table's keys are plain 'YYYY-MM-DD' strings.
 *
 * Years the table does not contain fall back to Monday–Friday working, Saturday/Sunday rest;
 * `calendarCoverage()` and `DayInfo.covered` say when that happens (decision 0004).
 */

/** A Shanghai calendar day, 'YYYY-MM-DD'. */
export type LocalDay = string;

const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

interface HolidayTable {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
  inLieuDays: Record<string, string>;
}

const require = createRequire(import.meta.url);
const TABLE = require('chinese-days/dist/chinese-days.json') as HolidayTable;
const LIBRARY_VERSION = (require('chinese-days/package.json') as { version: string }).version;
const YEARS = new Set(Object.keys(TABLE.holidays).map((d) => Number(d.slice(0, 4))));
const FIRST_YEAR = Math.min(...YEARS);
const LAST_YEAR = Math.max(...YEARS);

/** Days since 1970-01-01 of the Shanghai day an instant falls on. */
export function dayIndexOfInstant(ms: number): number {
  return Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS);
}

/** The instant a Shanghai day (by index) begins, in epoch ms. */
export function dayIndexStartMs(index: number): number {
  return index * DAY_MS - SHANGHAI_OFFSET_MS;
}

export function dayIndexOf(day: LocalDay): number {
  const m = DAY_RE.exec(day);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || new Date(ms).toISOString().slice(0, 10) !== day) throw new RangeError(`not a date 'YYYY-MM-DD': ${day}`);
  return ms / DAY_MS;
}

export function dayOfIndex(index: number): LocalDay {
  return new Date(index * DAY_MS).toISOString().slice(0, 10);
}

/** A day given as 'YYYY-MM-DD' or as an instant (its Shanghai day). */
export function toLocalDay(day: LocalDay | Date): LocalDay {
  if (day instanceof Date) {
    if (Number.isNaN(day.getTime())) throw new RangeError('invalid Date');
    return dayOfIndex(dayIndexOfInstant(day.getTime()));
  }
  dayIndexOf(day);
  return day;
}

/** ISO weekday, 1 = Monday … 7 = Sunday. */
function isoWeekday(index: number): number {
  return ((index + 3) % 7 + 7) % 7 + 1; // 1970-01-01 was a Thursday
}

/*
 * A day of a year the table does not hold is used Monday–Friday only; that is said once per year
 * and process, when it first happens (decision 0004) — not ahead of time, and not for a year
 * nobody computes with. Listeners (the runtime's logger) hear of each such year once.
 */
type UncoveredListener = (year: number, coverage: CalendarCoverage) => void;
const uncoveredListeners = new Set<UncoveredListener>();
const uncoveredSeen = new Set<number>();

function noteYear(year: number): void {
  if (YEARS.has(year) || uncoveredSeen.has(year)) return;
  uncoveredSeen.add(year);
  for (const listener of uncoveredListeners) listener(year, calendarCoverage());
}

/** Calls `listener` the first time a day of a year without holiday data is used; returns an unsubscribe. */
export function onUncoveredYear(listener: UncoveredListener): () => void {
  uncoveredListeners.add(listener);
  return () => uncoveredListeners.delete(listener);
}

/** The line said when a year without holiday data is first used (decision 0004). */
export function uncoveredYearNotice(year: number, coverage: CalendarCoverage = calendarCoverage()): string {
  return `${year} 年的日期按周一至周五计算工作日：${coverage.source} 只有 ${coverage.firstYear}–${coverage.lastYear} 年的法定节假日与调休数据（国务院通常在 11 月公布次年安排，升级 chinese-days 后生效；见 docs/decisions/0004-sla-calendar.md） / `
    + `days of ${year} count Monday–Friday as working days: ${coverage.source} holds public holidays and make-up days for ${coverage.firstYear}–${coverage.lastYear} only `
    + `(the State Council publishes next year's usually in November; updating chinese-days brings it in; see docs/decisions/0004-sla-calendar.md)`;
}

const workingCache = new Map<number, boolean>();

/** Working day by day index; the hot path of the business-time functions. */
export function isWorkingDayIndex(index: number): boolean {
  let working = workingCache.get(index);
  if (working === undefined) {
    const day = dayOfIndex(index);
    noteYear(Number(day.slice(0, 4)));
    working = TABLE.workdays[day] !== undefined || (TABLE.holidays[day] === undefined && isoWeekday(index) <= 5);
    workingCache.set(index, working);
  }
  return working;
}

/**
 * Whether a Shanghai day is a working day: a make-up working day (调休上班, even a Saturday or
 * Sunday) is; a public holiday (including its in-lieu weekdays) is not; otherwise Monday–Friday.
 */
export function isWorkingDay(day: LocalDay | Date): boolean {
  return isWorkingDayIndex(dayIndexOf(toLocalDay(day)));
}

/** The first working day strictly after `day`. */
export function nextWorkingDay(day: LocalDay | Date): LocalDay {
  return shiftWorkingDays(day, 1);
}

/** The last working day strictly before `day`. */
export function previousWorkingDay(day: LocalDay | Date): LocalDay {
  return shiftWorkingDays(day, -1);
}

/**
 * The n-th working day after `day` (n > 0) or before it (n < 0), not counting `day` itself;
 * n = 0 returns `day` unchanged even when it is not a working day.
 */
export function shiftWorkingDays(day: LocalDay | Date, n: number): LocalDay {
  if (!Number.isInteger(n)) throw new RangeError(`working days must be an integer, got ${n}`);
  let index = dayIndexOf(toLocalDay(day));
  const step = n > 0 ? 1 : -1;
  for (let left = Math.abs(n); left > 0;) {
    index += step;
    if (isWorkingDayIndex(index)) left--;
  }
  return dayOfIndex(index);
}

/** Working days in [from, to], both Shanghai days, inclusive. */
export function countWorkingDays(from: LocalDay | Date, to: LocalDay | Date): number {
  const a = dayIndexOf(toLocalDay(from));
  const b = dayIndexOf(toLocalDay(to));
  let n = 0;
  for (let i = a; i <= b; i++) if (isWorkingDayIndex(i)) n++;
  return n;
}

export type DayKind = 'workday' | 'weekend' | 'holiday' | 'makeup_workday';

export interface DayInfo {
  date: LocalDay;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  weekday: number;
  working: boolean;
  /** workday: ordinary Mon–Fri; weekend: ordinary Sat/Sun; holiday: 法定节假日 (incl. in-lieu days); makeup_workday: 调休上班. */
  kind: DayKind;
  /** The festival the day belongs to (also for its make-up working days), e.g. { zh: '春节', en: 'Spring Festival' }. */
  festival: { zh: string; en: string } | null;
  /** A weekday off in lieu of a make-up working day (调休补休). */
  inLieu: boolean;
  /** False when the holiday table has no data for the year: the day was classified Mon–Fri only. */
  covered: boolean;
}

function festivalOf(value: string | undefined): DayInfo['festival'] {
  if (!value) return null;
  const [en = '', zh = ''] = value.split(',');
  return { zh, en };
}

export function dayInfo(day: LocalDay | Date): DayInfo {
  const date = toLocalDay(day);
  const index = dayIndexOf(date);
  const weekday = isoWeekday(index);
  const makeup = TABLE.workdays[date];
  const holiday = TABLE.holidays[date];
  const kind: DayKind = makeup !== undefined ? 'makeup_workday' : holiday !== undefined ? 'holiday' : weekday <= 5 ? 'workday' : 'weekend';
  return {
    date,
    weekday,
    working: kind === 'workday' || kind === 'makeup_workday',
    kind,
    festival: festivalOf(makeup ?? holiday),
    inLieu: TABLE.inLieuDays[date] !== undefined,
    covered: YEARS.has(Number(date.slice(0, 4))),
  };
}

/** Every day of [from, to] inclusive; at most `maxDays` days (guards API callers). */
export function listDays(from: LocalDay, to: LocalDay, maxDays = 800): DayInfo[] {
  const a = dayIndexOf(from);
  const b = dayIndexOf(to);
  if (b < a) throw new RangeError(`${to} is before ${from}`);
  if (b - a + 1 > maxDays) throw new RangeError(`more than ${maxDays} days`);
  const out: DayInfo[] = [];
  for (let i = a; i <= b; i++) out.push(dayInfo(dayOfIndex(i)));
  return out;
}

export interface CalendarCoverage {
  source: string;
  /** First and last year the holiday table holds; outside them days are Mon–Fri only. */
  firstYear: number;
  lastYear: number;
}

export function calendarCoverage(): CalendarCoverage {
  return { source: `chinese-days ${LIBRARY_VERSION}`, firstYear: FIRST_YEAR, lastYear: LAST_YEAR };
}

export function isYearCovered(year: number): boolean {
  return YEARS.has(year);
}

/**
 * A bilingual warning when [from, to] reaches a year without holiday data, else null. The State
 * Council publishes next year's arrangement around November; until chinese-days carries it,
 * that year counts Monday–Friday only and its holidays are ordinary working days.
 */
export function coverageWarning(from: LocalDay | Date, to: LocalDay | Date): string | null {
  const a = Number(toLocalDay(from).slice(0, 4));
  const b = Number(toLocalDay(to).slice(0, 4));
  const missing: number[] = [];
  for (let y = a; y <= b; y++) if (!YEARS.has(y)) missing.push(y);
  if (!missing.length) return null;
  const years = missing.length > 3 ? `${missing[0]}–${missing[missing.length - 1]}` : missing.join(', ');
  return `节假日数据未覆盖 ${years} 年，按周一至周五工作日计算（请升级 chinese-days） / `
    + `no holiday data for ${years}: Monday–Friday are counted as working days (update chinese-days)`;
}
