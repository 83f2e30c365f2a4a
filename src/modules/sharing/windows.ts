/*
 * The pure rules of shared parking (docs/共享停车规则.md): when a slot lies inside an offer's
 * windows, how many bookings hold a space at once, what a stay costs. No database, no clock:
 * the caller passes the instants.
 *
 * Windows are weekly, in Shanghai time (UTC+8 all year: no daylight saving). `days` are ISO
 * weekdays (1 = Monday … 7 = Sunday) on which a window *starts*; a window whose end is not after
 * its start crosses midnight and ends the next day (22:00–07:00), and one whose end equals its
 * start lasts 24 hours. "24:00" is accepted as an end.
 */

const SHANGHAI_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

export interface Window {
  days: number[];
  start: string; // HH:mm
  end: string; // HH:mm, may be 24:00
  /**
   * By the official calendar (holidays and 调休 make-up working days): 'workdays' runs only on
   * working days, 'rest_days' only on weekends and holidays; absent, on the weekdays alone.
   */
  on?: 'workdays' | 'rest_days';
}

export interface Calendar {
  /** Shanghai days 'YYYY-MM-DD' (inclusive) the offer runs; null: open-ended. */
  dateFrom: string | null;
  dateTo: string | null;
  /** Shanghai days on which no window occurrence starts (holidays the owner closes). */
  exceptionDates: readonly string[];
  /** The official calendar, for windows with `on` (injected: the platform's working-day calendar). */
  isWorkingDay?: (day: string) => boolean;
}

export interface Occurrence {
  from: Date;
  to: Date;
  window: number; // index into the offer's windows
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;

/** Minutes after midnight of 'HH:mm' (24:00 → 1440); null when not a time. */
export function minutesOf(hhmm: string): number | null {
  if (!HHMM.test(hhmm)) return null;
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** What is wrong with a list of windows, or null. */
export function windowProblem(windows: readonly Window[]): string | null {
  if (windows.length === 0) return '至少一个时段 / at least one window';
  for (const w of windows) {
    if (w.days.length === 0 || w.days.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) return '星期须为 1–7 / days must be 1–7';
    const s = minutesOf(w.start);
    const e = minutesOf(w.end);
    if (s === null || s === 1440 || e === null) return `时间格式须为 HH:mm / times must be HH:mm (${w.start}–${w.end})`;
  }
  return null;
}

/** The Shanghai day 'YYYY-MM-DD' of an instant. */
export function dayOf(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_MS).toISOString().slice(0, 10);
}

/** ISO weekday (1 = Monday) of a Shanghai day 'YYYY-MM-DD'. */
export function isoWeekday(day: string): number {
  const d = new Date(`${day}T00:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
}

/** The instant a Shanghai day starts. */
function dayStart(day: string): number {
  return new Date(`${day}T00:00:00Z`).getTime() - SHANGHAI_MS;
}

function addDays(day: string, n: number): string {
  return new Date(new Date(`${day}T00:00:00Z`).getTime() + n * DAY_MS).toISOString().slice(0, 10);
}

/** The occurrence of window `w` that starts on Shanghai day `day`, or null when the window does not run that day. */
function occurrenceOn(w: Window, index: number, day: string, cal: Calendar): Occurrence | null {
  if (!w.days.includes(isoWeekday(day))) return null;
  if (w.on && cal.isWorkingDay && cal.isWorkingDay(day) !== (w.on === 'workdays')) return null;
  if (cal.dateFrom !== null && day < cal.dateFrom) return null;
  if (cal.dateTo !== null && day > cal.dateTo) return null;
  if (cal.exceptionDates.includes(day)) return null;
  const s = minutesOf(w.start)!;
  const e = minutesOf(w.end)!;
  const from = dayStart(day) + s * MINUTE_MS;
  const to = dayStart(day) + (e > s ? e : e + 1440) * MINUTE_MS;
  return { from: new Date(from), to: new Date(to), window: index };
}

/**
 * The window occurrence that holds the whole slot [start, end), or null. An occurrence starts
 * on the slot's start day or on the day before (a window crossing midnight).
 */
export function occurrenceHolding(windows: readonly Window[], cal: Calendar, start: Date, end: Date): Occurrence | null {
  if (!(end.getTime() > start.getTime())) return null;
  const first = dayOf(start);
  for (const day of [addDays(first, -1), first]) {
    for (let i = 0; i < windows.length; i++) {
      const o = occurrenceOn(windows[i]!, i, day, cal);
      if (o && o.from.getTime() <= start.getTime() && end.getTime() <= o.to.getTime()) return o;
    }
  }
  return null;
}

/** Every window occurrence overlapping [from, to), clipped to it (for offered hours). */
export function occurrencesBetween(windows: readonly Window[], cal: Calendar, from: Date, to: Date): Occurrence[] {
  const out: Occurrence[] = [];
  for (let day = addDays(dayOf(from), -1); day <= dayOf(to); day = addDays(day, 1)) {
    for (let i = 0; i < windows.length; i++) {
      const o = occurrenceOn(windows[i]!, i, day, cal);
      if (!o) continue;
      const a = Math.max(o.from.getTime(), from.getTime());
      const b = Math.min(o.to.getTime(), to.getTime());
      if (b > a) out.push({ from: new Date(a), to: new Date(b), window: i });
    }
  }
  return out;
}

/**
 * The most intervals [from, to) that overlap at one instant within [start, end). An interval
 * ending when another starts does not overlap it. This is the capacity rule: a new booking
 * fits when this, plus one, is at most the offer's spaces — not "how many bookings overlap the
 * new one", which would refuse two back-to-back bookings sharing one space.
 */
export function maxOverlap(intervals: readonly { from: Date; to: Date }[], start: Date, end: Date): number {
  const points: [number, number][] = [];
  for (const iv of intervals) {
    const a = Math.max(iv.from.getTime(), start.getTime());
    const b = Math.min(iv.to.getTime(), end.getTime());
    if (b > a) points.push([a, 1], [b, -1]);
  }
  // Ends before starts at the same instant: [9,10) and [10,11) never hold a space together.
  points.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of points) {
    now += d;
    if (now > max) max = now;
  }
  return max;
}

export interface Pricing {
  priceFenPerHour: number | null;
  priceFenPerBooking: number | null;
  overstayFenPerHour: number | null;
}

/** The fee of a booking [start, end): per started hour, or one price per booking; 0 when free. */
export function bookingFee(p: Pricing, start: Date, end: Date): number {
  if (p.priceFenPerBooking !== null) return p.priceFenPerBooking;
  if (p.priceFenPerHour === null) return 0;
  return Math.ceil((end.getTime() - start.getTime()) / 3600_000) * p.priceFenPerHour;
}

/** Whole minutes a car stayed past the booking's end (started minutes; 0 when it left in time). */
export function overstayMinutes(end: Date, exitedAt: Date): number {
  return Math.max(0, Math.ceil((exitedAt.getTime() - end.getTime()) / MINUTE_MS));
}

/** The overstay fee: per started hour at the overstay rate (else the hourly price; else none). */
export function overstayFee(p: Pricing, minutes: number): number {
  const rate = p.overstayFenPerHour ?? p.priceFenPerHour;
  if (!rate || minutes <= 0) return 0;
  return Math.ceil(minutes / 60) * rate;
}

/** An entry counts for a booking from this long before its start until its end. */
export const EARLY_ENTRY_MS = 15 * MINUTE_MS;

/** Whether an entry at `at` belongs to the booking [start, end). */
export function entryMatches(start: Date, end: Date, at: Date): boolean {
  return at.getTime() >= start.getTime() - EARLY_ENTRY_MS && at.getTime() <= end.getTime();
}

/** A booked slot with no entry by start + grace is a no-show. */
export function isNoShow(start: Date, graceMinutes: number, now: Date): boolean {
  return now.getTime() >= start.getTime() + graceMinutes * MINUTE_MS;
}

export const NO_SHOW_LIMIT = 3;
export const NO_SHOW_PERIOD_DAYS = 30;
export const SUSPENSION_DAYS = 7;

/** The suspension a plate earns by its no-shows (their start instants) as of `now`, or null. */
export function suspensionFor(noShowStarts: readonly Date[], now: Date): { from: Date; until: Date } | null {
  const since = now.getTime() - NO_SHOW_PERIOD_DAYS * DAY_MS;
  const recent = noShowStarts.filter((d) => d.getTime() >= since && d.getTime() <= now.getTime());
  if (recent.length < NO_SHOW_LIMIT) return null;
  return { from: now, until: new Date(now.getTime() + SUSPENSION_DAYS * DAY_MS) };
}

/** Citizens cancel free until `cutoffMinutes` before the start. */
export function citizenMayCancel(start: Date, cutoffMinutes: number, now: Date): boolean {
  return now.getTime() <= start.getTime() - cutoffMinutes * MINUTE_MS;
}
