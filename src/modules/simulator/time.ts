/*
 * Asia/Shanghai local time without a time-zone database: China has kept UTC+8 without daylight
 * saving since 1991, so local time is UTC shifted by eight hours.
 */

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
const OFFSET = 8 * HOUR;

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
  /** 'YYYY-MM-DD' */
  date: string;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function localParts(ms: number): LocalParts {
  const d = new Date(ms + OFFSET);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  return {
    year, month, day,
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
    date: `${year}-${pad(month)}-${pad(day)}`,
  };
}

/** Hours since local midnight, fractional. */
export function localHourOfDay(ms: number): number {
  return (((ms + OFFSET) % DAY) + DAY) % DAY / HOUR;
}

/** The instant of local midnight starting the day that contains `ms`. */
export function localMidnight(ms: number): number {
  return Math.floor((ms + OFFSET) / DAY) * DAY - OFFSET;
}

/** The instant of local midnight of 'YYYY-MM-DD'. */
export function midnightOf(date: string): number {
  return Date.parse(`${date}T00:00:00+08:00`);
}

/** `2026-03-07T08:15:22+08:00` */
export function isoShanghai(ms: number): string {
  const p = localParts(ms);
  return `${p.date}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}+08:00`;
}

/** `2026-03-07 08:15:22`, the offset-less Shanghai form Chinese lot systems send. */
export function naiveShanghai(ms: number): string {
  const p = localParts(ms);
  return `${p.date} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/** `20260307` */
export function compactDate(ms: number): string {
  return localParts(ms).date.replaceAll('-', '');
}

/** `202603070815` */
export function compactMinute(ms: number): string {
  const p = localParts(ms);
  return `${p.date.replaceAll('-', '')}${pad(p.hour)}${pad(p.minute)}`;
}

export type TimeStyle = 'iso' | 'naive';

export function formatTime(ms: number, style: TimeStyle): string {
  return style === 'naive' ? naiveShanghai(ms) : isoShanghai(ms);
}

/** Reads either form back (tests and the runner's checks). */
export function parseSimTime(text: string): number {
  return /[Zz]|[+-]\d\d:?\d\d$/.test(text) ? Date.parse(text) : Date.parse(`${text.replace(' ', 'T')}+08:00`);
}
