/*
 * Business time (docs/接入规范.md §6.1): ISO 8601, or the 'YYYY-MM-DD HH:mm:ss' form Chinese lot systems
 * send; a time without an offset is Shanghai local time (UTC+8, no daylight saving).
 */

const SHANGHAI_OFFSET_MS = 8 * 3600_000;
const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Parses a business timestamp; null when it is not one (or names an impossible date). */
export function parseBusinessTime(text: unknown): Date | null {
  if (typeof text !== 'string' || text.length > 40) return null;
  const m = TIME_RE.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '0', frac = '0', zone] = m;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(local);
  // Date.UTC rolls 2026-02-30 over to March: refuse instead.
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  let offsetMs = SHANGHAI_OFFSET_MS;
  if (zone && zone.toUpperCase() === 'Z') offsetMs = 0;
  else if (zone) {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || '0');
    if (oh > 14 || om > 59) return null;
    offsetMs = sign * (oh * 60 + om) * 60_000;
  }
  return new Date(local - offsetMs);
}

/** 'YYYY-MM-DD HH:mm:ss' in Shanghai time, for people and spreadsheets. */
export function formatShanghai(date: Date): string {
  return new Date(date.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** The Shanghai calendar day of an instant, 'YYYY-MM-DD'. */
export function shanghaiDay(date: Date): string {
  return new Date(date.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** Start of a Shanghai calendar day 'YYYY-MM-DD' as an instant; null when not a date. */
export function shanghaiDayStart(day: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  return parseBusinessTime(`${day} 00:00:00`);
}
