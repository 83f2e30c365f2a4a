import { alignOut, type Period } from './periods.js';

/*
 * Ranges of rollup rows to recompute: [from, to) in epoch ms, aligned to period starts. A lot's
 * ranges are merged before recomputing so that no row is computed twice in one statement.
 */

export interface TimeRange {
  from: number;
  to: number;
}

export interface LotRange extends TimeRange {
  lotId: number;
}

/** Sorted, with overlapping and touching ranges merged. */
export function mergeRanges(ranges: readonly TimeRange[]): TimeRange[] {
  const sorted = ranges.filter((r) => r.to > r.from).sort((a, b) => a.from - b.from);
  const out: TimeRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.from <= last.to) last.to = Math.max(last.to, r.to);
    else out.push({ from: r.from, to: r.to });
  }
  return out;
}

/** Every range widened to whole periods, then merged per lot. */
export function alignLotRanges(period: Period, ranges: readonly LotRange[]): LotRange[] {
  const byLot = new Map<number, TimeRange[]>();
  for (const r of ranges) {
    const a = alignOut(period, new Date(r.from), new Date(r.to));
    const list = byLot.get(r.lotId) ?? [];
    list.push({ from: a.from.getTime(), to: a.to.getTime() });
    byLot.set(r.lotId, list);
  }
  return [...byLot].sort((a, b) => a[0] - b[0]).flatMap(([lotId, list]) => mergeRanges(list).map((r) => ({ lotId, ...r })));
}

/** Ranges widened to whole periods and merged, whatever their lot. */
export function alignTimeRanges(period: Period, ranges: readonly TimeRange[]): TimeRange[] {
  return mergeRanges(
    ranges.map((r) => {
      const a = alignOut(period, new Date(r.from), new Date(r.to));
      return { from: a.from.getTime(), to: a.to.getTime() };
    }),
  );
}

/** Arrays for `unnest(...)` in SQL: timestamps as ISO text, which both drivers pass alike. */
export const isoList = (ms: readonly number[]): string[] => ms.map((t) => new Date(t).toISOString());
