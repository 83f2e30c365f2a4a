/*
 * "Usually full at" (通常满位时段) on the detail page (docs/公众服务接口.md): from the lot's
 * hourly occupancy rollups of the last weeks, the Shanghai hours of the day whose mean
 * occupancy is at least FULL_RATIO over at least MIN_DAYS days with data. Pure; the caller
 * reads the rows (analytics_lot_hour) and chooses the window.
 */

export const FULL_RATIO = 0.9;
export const MIN_DAYS = 3;
export const HISTORY_DAYS = 28;

export interface HourRatio {
  /** Start of the hour. */
  at: Date;
  /** Mean occupancy over the hour's known seconds, 0..1. */
  ratio: number;
}

/** Shanghai hour of the day (0–23) of an instant. */
export const shanghaiHour = (at: Date) => new Date(at.getTime() + 8 * 3600_000).getUTCHours();

export function usuallyFullHours(rows: readonly HourRatio[]): number[] {
  const sum = new Array<number>(24).fill(0);
  const n = new Array<number>(24).fill(0);
  for (const r of rows) {
    const h = shanghaiHour(r.at);
    sum[h] = sum[h]! + r.ratio;
    n[h] = n[h]! + 1;
  }
  const out: number[] = [];
  for (let h = 0; h < 24; h++) if (n[h]! >= MIN_DAYS && sum[h]! / n[h]! >= FULL_RATIO) out.push(h);
  return out;
}

/** [8, 9, 17] → "08:00–10:00、17:00–18:00"; null when none. */
export function hoursText(hours: readonly number[]): string | null {
  if (!hours.length) return null;
  const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
  const ranges: string[] = [];
  let start = hours[0]!;
  let prev = start;
  for (const h of [...hours.slice(1), -1]) {
    if (h === prev + 1) { prev = h; continue; }
    ranges.push(`${hh(start)}–${hh(prev + 1)}`);
    start = h;
    prev = h;
  }
  return ranges.join('、');
}
