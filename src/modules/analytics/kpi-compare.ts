import type { CompareKind, GroupKey, Range } from './kpi-query.js';
import { rowId, type BuiltRow, type KpiValues } from './kpi-rows.js';
import { addMonths, isMonthStart, keyOf, monthsBetween, periodOfKey, TIME_KEYS, type TimeKey } from './kpi-time.js';

/*
 * Comparisons. yoy: the same range a calendar year earlier (Shanghai wall time; 29 Feb becomes
 * 28 Feb). pop: the period of equal length just before — for a range of whole months the
 * previous month(s), else the same duration earlier. A row's comparison is the row of the
 * shifted query with the same lot / district / category / channel and its time keys shifted:
 * hour and day keys by the same shift (a day that does not exist a year back: no match), months
 * by the month shift, ISO weeks to the same week number a year back for yoy, else to the week of
 * the shifted start. No matching row: null. The shifted range is taken whole even while the
 * current one is still running (today against all of yesterday): rates are per time and compare
 * as they are; like-for-like counts (today so far against yesterday to the same hour) take two
 * queries with ISO times.
 */

export type Shift = { months: number } | { ms: number };

export function shiftFor(kind: CompareKind, range: Range): Shift {
  if (kind === 'yoy') return { months: 12 };
  if (isMonthStart(range.from) && isMonthStart(range.to)) return { months: monthsBetween(range.from, range.to) };
  return { ms: range.to.getTime() - range.from.getTime() };
}

export function shiftRange(range: Range, shift: Shift): Range {
  if ('ms' in shift) return { from: new Date(range.from.getTime() - shift.ms), to: new Date(range.to.getTime() - shift.ms) };
  return { from: addMonths(range.from, -shift.months)!, to: addMonths(range.to, -shift.months)! };
}

/** The key a time key of a row (whose clipped period starts at `start`) has in the shifted query. */
export function shiftKey(kind: TimeKey, key: string, start: Date, shift: Shift): string | null {
  if ('ms' in shift) return keyOf(kind, new Date(start.getTime() - shift.ms));
  if (kind === 'month') {
    const p = periodOfKey('month', key);
    return p ? keyOf('month', addMonths(p.start, -shift.months)!) : null;
  }
  if (kind === 'week' && shift.months % 12 === 0) {
    const m = /^(\d{4})-W(\d{2})$/.exec(key);
    return m ? `${Number(m[1]) - shift.months / 12}-W${m[2]}` : null;
  }
  const t = addMonths(start, -shift.months, kind !== 'week');
  return t ? keyOf(kind, t) : null;
}

/** Attaches to each row the values of its match among the shifted query's rows. */
export function matchRows(rows: readonly BuiltRow[], shifted: readonly BuiltRow[], groupBy: readonly GroupKey[], shift: Shift): (KpiValues | null)[] {
  const index = new Map(shifted.map((r) => [rowId(r.keys, groupBy), r.values]));
  return rows.map((r) => {
    const keys = { ...r.keys };
    for (const k of TIME_KEYS) {
      const key = r.keys[k];
      if (key === undefined) continue;
      const moved = shiftKey(k, key, r.start, shift);
      if (moved === null) return null;
      keys[k] = moved;
    }
    return index.get(rowId(keys, groupBy)) ?? null;
  });
}
