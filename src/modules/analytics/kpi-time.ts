/*
 * Shanghai calendar arithmetic for the KPI query: period keys (hour, day, ISO week, month), their
 * [start, end) instants, and month shifts for year-on-year. Shanghai has no daylight saving, so a
 * local wall time is the instant + 8 h read with the UTC getters.
 */

export const TIME_KEYS = ['hour', 'day', 'week', 'month'] as const;
export type TimeKey = (typeof TIME_KEYS)[number];

const H = 3_600_000;
const D = 24 * H;
const OFFSET = 8 * H;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** The Shanghai wall clock of an instant, read with getUTC*. */
const wall = (t: Date) => new Date(t.getTime() + OFFSET);
/** The instant of a Shanghai wall time given as UTC fields. */
const fromWall = (y: number, m0: number, d = 1, h = 0, mi = 0, s = 0, ms = 0) => new Date(Date.UTC(y, m0, d, h, mi, s, ms) - OFFSET);

export const hourStart = (t: Date) => new Date(Math.floor(t.getTime() / H) * H);
export const dayStart = (t: Date) => new Date(Math.floor((t.getTime() + OFFSET) / D) * D - OFFSET);
export function monthStart(t: Date): Date {
  const w = wall(t);
  return fromWall(w.getUTCFullYear(), w.getUTCMonth());
}
export function weekStart(t: Date): Date {
  const d = dayStart(t);
  const dow = (wall(d).getUTCDay() + 6) % 7; // Monday 0
  return new Date(d.getTime() - dow * D);
}

export const isDayStart = (t: Date) => dayStart(t).getTime() === t.getTime();
export const isMonthStart = (t: Date) => monthStart(t).getTime() === t.getTime();

/** Start of the next Shanghai day / month after the one containing t. */
export const nextDay = (t: Date) => new Date(dayStart(t).getTime() + D);
export function nextMonth(t: Date): Date {
  const w = wall(t);
  return fromWall(w.getUTCFullYear(), w.getUTCMonth() + 1);
}

/** First instant ≥ t that starts a day / month (t itself when aligned). */
export const ceilDay = (t: Date) => (isDayStart(t) ? t : nextDay(t));
export const ceilMonth = (t: Date) => (isMonthStart(t) ? t : nextMonth(t));

/** Months between two month starts (a ≤ b). */
export function monthsBetween(a: Date, b: Date): number {
  const wa = wall(a);
  const wb = wall(b);
  return (wb.getUTCFullYear() - wa.getUTCFullYear()) * 12 + wb.getUTCMonth() - wa.getUTCMonth();
}

/**
 * The same Shanghai wall time n months later (n < 0: earlier). A day that does not exist there
 * (29 Feb a year back, 31 Mar a month back) is clamped to the month's last day, or null when
 * `strict`.
 */
export function addMonths(t: Date, n: number, strict = false): Date | null {
  const w = wall(t);
  const total = w.getUTCFullYear() * 12 + w.getUTCMonth() + n;
  const y = Math.floor(total / 12);
  const m0 = total - y * 12;
  const last = new Date(Date.UTC(y, m0 + 1, 0)).getUTCDate();
  let d = w.getUTCDate();
  if (d > last) {
    if (strict) return null;
    d = last;
  }
  return fromWall(y, m0, d, w.getUTCHours(), w.getUTCMinutes(), w.getUTCSeconds(), w.getUTCMilliseconds());
}

/** ISO 8601 week of the Shanghai date: 'YYYY-Www' (the year is the week-numbering year). */
export function weekKey(t: Date): string {
  const w = wall(dayStart(t));
  const dow = (w.getUTCDay() + 6) % 7;
  const thursday = new Date(w.getTime() + (3 - dow) * D);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * D));
  return `${year}-W${pad(week)}`;
}

export function keyOf(kind: TimeKey, t: Date): string {
  const w = wall(t);
  const day = `${pad(w.getUTCFullYear(), 4)}-${pad(w.getUTCMonth() + 1)}-${pad(w.getUTCDate())}`;
  switch (kind) {
    case 'hour':
      return `${day}T${pad(w.getUTCHours())}:00:00+08:00`;
    case 'day':
      return day;
    case 'week':
      return weekKey(t);
    case 'month':
      return day.slice(0, 7);
  }
}

/** Monday of ISO week 1 of a week-numbering year (the week with 4 January). */
function isoWeekOne(year: number): Date {
  const jan4 = fromWall(year, 0, 4);
  return weekStart(jan4);
}

/** The [start, end) of a period key as keyOf writes it; null when the text is not one. */
export function periodOfKey(kind: TimeKey, key: string): { start: Date; end: Date } | null {
  const re = { hour: /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):00:00\+08:00$/, day: /^(\d{4})-(\d{2})-(\d{2})$/, week: /^(\d{4})-W(\d{2})$/, month: /^(\d{4})-(\d{2})$/ }[kind];
  const found = re.exec(key);
  if (!found) return null;
  const m = found.map(Number) as number[] & { 1: number; 2: number; 3: number; 4: number };
  if (kind === 'hour') {
    const start = fromWall(m[1], m[2] - 1, m[3], m[4]);
    return { start, end: new Date(start.getTime() + H) };
  }
  if (kind === 'day') {
    const start = fromWall(m[1], m[2] - 1, m[3]);
    return { start, end: new Date(start.getTime() + D) };
  }
  if (kind === 'week') {
    const start = new Date(isoWeekOne(m[1]).getTime() + (m[2] - 1) * 7 * D);
    return { start, end: new Date(start.getTime() + 7 * D) };
  }
  const start = fromWall(m[1], m[2] - 1);
  return { start, end: nextMonth(start) };
}

/** The time keys of every period touching [from, to), in order, stepping by hour or day. */
export function timeKeyTuples(kinds: readonly TimeKey[], from: Date, to: Date): { start: Date; keys: string[] }[] {
  if (kinds.length === 0) return [];
  const out: { start: Date; keys: string[] }[] = [];
  let last = '';
  const step = kinds.includes('hour') ? (t: Date) => new Date(hourStart(t).getTime() + H) : nextDay;
  for (let t = from; t < to; t = step(t)) {
    const keys = kinds.map((k) => keyOf(k, t));
    const id = keys.join('|');
    if (id !== last) out.push({ start: t, keys });
    last = id;
  }
  return out;
}
