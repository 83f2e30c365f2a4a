/*
 * The theme measures on raw status reports (docs/指标口径.md, "3 市域专题指标"), without I/O:
 * reports in, numbers out. The I/O around it (kpis.ts) reads each member lot's reports of the
 * window — plus those just before it that can still hold into it — and hands them here.
 *
 * - A report's occupancy = (total − free) ÷ total clamped to [0, 1]; total is the report's, or
 *   the lot's registered spaces when the report says 0; a total of 0 tells nothing (the report
 *   still ends the one before it).
 * - A report holds from its occurredAt until the next report of the lot, its occurredAt + the
 *   lot's late threshold, or the as-of instant, whichever comes first ([start, end)); reports at
 *   the same instant: the last stored wins (the others hold for zero time).
 * - Only known time counts. occupancyAvg = Σ occupied-space-time ÷ Σ total-space-time;
 *   saturatedShare = Σ lot time at occupancy ≥ 0.9 ÷ Σ known lot time; peakOccupancy = the
 *   highest occupancyAvg of one Shanghai clock hour of the window among the hours whose known
 *   lot-time is at least half of the best-covered hour's, peakAt its start (earliest when tied).
 *
 * Times are epoch milliseconds; sums are kept in milliseconds and reported in minutes.
 */

export const SATURATION = 0.9;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

export interface StatusPoint {
  /** occurredAt, epoch ms. Points must come in (occurredAt, stored order) order. */
  at: number;
  total: number;
  free: number;
}

export interface LotSeries {
  lotId: number;
  /** The lot's registered spaces (used when a report's total is 0). */
  registeredTotal: number;
  /** The lot's effective late threshold in minutes (lot → source → platform). */
  thresholdMinutes: number;
  points: readonly StatusPoint[];
}

export interface MeasureWindow {
  /** Inclusive start, epoch ms. */
  from: number;
  /** Exclusive end, epoch ms. */
  to: number;
  /** Nothing is known after this instant (the clock's now). */
  asOf: number;
}

/** A stretch of time in which one lot's occupancy is known and constant. */
export interface Interval {
  lotId: number;
  start: number;
  end: number;
  /** Occupied spaces, within [0, total]. */
  occupied: number;
  /** Total spaces, > 0. */
  total: number;
}

/** Occupied spaces of a report, clamped to [0, total]; null when the total is 0 or unusable. */
export function occupiedOf(total: number, free: number): number | null {
  if (!(total > 0) || !Number.isFinite(free)) return null;
  return Math.min(Math.max(total - free, 0), total);
}

/** Integer-safe test of occupied ÷ total ≥ 0.9 (10·occupied ≥ 9·total for integer counts). */
export const isSaturated = (occupied: number, total: number): boolean => occupied * 10 >= total * 9;

/** The known intervals of one lot, clipped to the window. */
export function lotIntervals(lot: LotSeries, w: MeasureWindow): Interval[] {
  const out: Interval[] = [];
  const thr = lot.thresholdMinutes * MINUTE_MS;
  const limit = Math.min(w.to, w.asOf);
  const pts = lot.points;
  for (let i = 0; i < pts.length; i++) {
    const p = pts[i]!;
    const next = i + 1 < pts.length ? pts[i + 1]!.at : Infinity;
    const end = Math.min(next, p.at + thr, limit);
    const start = Math.max(p.at, w.from);
    if (end <= start) continue;
    const total = p.total > 0 ? p.total : lot.registeredTotal;
    const occupied = occupiedOf(total, p.free);
    if (occupied === null) continue;
    out.push({ lotId: lot.lotId, start, end, occupied, total });
  }
  return out;
}

/** Sums of known time, in milliseconds: lot-ms, lot-ms at occupancy ≥ 0.9, occupied-space-ms, total-space-ms. */
export interface HourSums {
  known: number;
  saturated: number;
  occupied: number;
  total: number;
}

export const noSums = (): HourSums => ({ known: 0, saturated: 0, occupied: 0, total: 0 });

/** Adds an interval's time to sums. */
export function addInterval(into: HourSums, iv: Interval, part = iv.end - iv.start): void {
  into.known += part;
  if (isSaturated(iv.occupied, iv.total)) into.saturated += part;
  into.occupied += iv.occupied * part;
  into.total += iv.total * part;
}

/** Calls fn(hourStart, ms) for each Shanghai clock hour that [start, end) touches (UTC hours are Shanghai hours: UTC+8, no daylight saving). */
export function forEachHourPart(start: number, end: number, fn: (hour: number, part: number) => void): void {
  for (let h = Math.floor(start / HOUR_MS) * HOUR_MS; h < end; h += HOUR_MS) {
    const part = Math.min(end, h + HOUR_MS) - Math.max(start, h);
    if (part > 0) fn(h, part);
  }
}

export interface OccupancyMeasures {
  /** Σ occupied-space-minutes ÷ Σ total-space-minutes over known minutes; null when nothing is known. */
  occupancyAvg: number | null;
  /** Σ lot-minutes at occupancy ≥ 0.9 ÷ Σ known lot-minutes; null when nothing is known. */
  saturatedShare: number | null;
  /** The highest hourly occupancyAvg among the well-covered hours; null when nothing is known. */
  peakOccupancy: number | null;
  /** Start of that Shanghai clock hour (the earliest when tied). */
  peakAt: number | null;
  /** Σ known lot-minutes. */
  knownMinutes: number;
  /** Σ lot-minutes at occupancy ≥ 0.9. */
  saturatedMinutes: number;
  /** Σ occupied-space-minutes and Σ total-space-minutes. */
  occupiedSpaceMinutes: number;
  totalSpaceMinutes: number;
  /** Lots with at least one known minute. */
  lotsKnown: number;
  /** The hourly figures, in time order (hours with known time only). */
  hours: { at: number; occupancy: number; knownMinutes: number }[];
}

/** Accumulates intervals into the theme's sums; hourly sums keyed by the hour's start. */
export class MeasureAccumulator {
  private known = 0;
  private saturated = 0;
  private occ = 0;
  private tot = 0;
  private readonly lots = new Set<number>();
  private readonly hourOcc = new Map<number, number>();
  private readonly hourTot = new Map<number, number>();
  private readonly hourKnown = new Map<number, number>();

  add(iv: Interval): void {
    const d = iv.end - iv.start;
    if (d <= 0) return;
    this.lots.add(iv.lotId);
    this.known += d;
    if (isSaturated(iv.occupied, iv.total)) this.saturated += d;
    this.occ += iv.occupied * d;
    this.tot += iv.total * d;
    forEachHourPart(iv.start, iv.end, (h, part) => {
      this.hourOcc.set(h, (this.hourOcc.get(h) ?? 0) + iv.occupied * part);
      this.hourTot.set(h, (this.hourTot.get(h) ?? 0) + iv.total * part);
      this.hourKnown.set(h, (this.hourKnown.get(h) ?? 0) + part);
    });
  }

  /**
   * Adds one lot-hour's (or several lots' same hour's) sums as the rollup keeps them
   * (rollup.ts): the same integer milliseconds that add() would have summed from the intervals.
   */
  addHour(at: number, s: HourSums): void {
    if (s.known <= 0) return;
    this.known += s.known;
    this.saturated += s.saturated;
    this.occ += s.occupied;
    this.tot += s.total;
    this.hourOcc.set(at, (this.hourOcc.get(at) ?? 0) + s.occupied);
    this.hourTot.set(at, (this.hourTot.get(at) ?? 0) + s.total);
    this.hourKnown.set(at, (this.hourKnown.get(at) ?? 0) + s.known);
  }

  /** Counts a lot as known (one whose known time came through addHour). */
  addLot(lotId: number): void {
    this.lots.add(lotId);
  }

  result(): OccupancyMeasures {
    const hours = [...this.hourTot.keys()].sort((a, b) => a - b).map((at) => ({
      at, occupancy: this.hourOcc.get(at)! / this.hourTot.get(at)!, knownMinutes: this.hourKnown.get(at)! / MINUTE_MS,
    }));
    // The peak hour: among the hours whose known lot-minutes reach half of the best-covered
    // hour's, so that an hour in which one small lot alone is known does not make the peak.
    const most = hours.reduce((m, h) => Math.max(m, this.hourKnown.get(h.at)!), 0);
    let peak: { at: number; occupancy: number } | null = null;
    for (const h of hours) {
      if (this.hourKnown.get(h.at)! * 2 < most) continue;
      if (peak === null || h.occupancy > peak.occupancy) peak = h;
    }
    const any = this.known > 0;
    return {
      occupancyAvg: any ? this.occ / this.tot : null,
      saturatedShare: any ? this.saturated / this.known : null,
      peakOccupancy: peak ? peak.occupancy : null,
      peakAt: peak ? peak.at : null,
      knownMinutes: this.known / MINUTE_MS,
      saturatedMinutes: this.saturated / MINUTE_MS,
      occupiedSpaceMinutes: this.occ / MINUTE_MS,
      totalSpaceMinutes: this.tot / MINUTE_MS,
      lotsKnown: this.lots.size,
      hours,
    };
  }
}

/** The theme's occupancy measures over its lots in the window. */
export function occupancyMeasures(lots: readonly LotSeries[], w: MeasureWindow): OccupancyMeasures {
  const acc = new MeasureAccumulator();
  for (const lot of lots) for (const iv of lotIntervals(lot, w)) acc.add(iv);
  return acc.result();
}

/**
 * The parking pressure index 0–100 (docs/指标口径.md 5.5): 100 × (0.5·occupancyAvg +
 * 0.3·saturatedShare + 0.2·peakOccupancy), rounded to an integer; null when nothing is known.
 */
export function pressureIndex(m: Pick<OccupancyMeasures, 'occupancyAvg' | 'saturatedShare' | 'peakOccupancy'>): number | null {
  if (m.occupancyAvg === null || m.saturatedShare === null || m.peakOccupancy === null) return null;
  const v = 100 * (0.5 * m.occupancyAvg + 0.3 * m.saturatedShare + 0.2 * m.peakOccupancy);
  return Math.max(0, Math.min(100, Math.round(v)));
}

export type PressureLevel = 'smooth' | 'busy' | 'tight' | 'saturated' | 'unknown';

/** The colour band of a pressure index: < 50 畅通, 50–69 较忙, 70–84 紧张, ≥ 85 饱和. */
export function pressureLevel(index: number | null): PressureLevel {
  if (index === null) return 'unknown';
  if (index >= 85) return 'saturated';
  if (index >= 70) return 'tight';
  if (index >= 50) return 'busy';
  return 'smooth';
}

/** One step of the theme's occupancy over time: the lots known in [start, end) and their sums. */
export interface ThemeStep {
  start: number;
  end: number;
  occupied: number;
  total: number;
}

/**
 * The theme's occupancy as a step function: at each instant, Σ occupied ÷ Σ total over the
 * lots known at that instant (docs/指标口径.md 5.8, used by the live view, alerts and the
 * forecast). Steps where no lot is known are left out.
 */
export function themeSteps(intervals: readonly Interval[]): ThemeStep[] {
  const edges = new Map<number, { occ: number; tot: number }>();
  const bump = (t: number, occ: number, tot: number) => {
    const e = edges.get(t) ?? { occ: 0, tot: 0 };
    e.occ += occ;
    e.tot += tot;
    edges.set(t, e);
  };
  for (const iv of intervals) {
    if (iv.end <= iv.start) continue;
    bump(iv.start, iv.occupied, iv.total);
    bump(iv.end, -iv.occupied, -iv.total);
  }
  const times = [...edges.keys()].sort((a, b) => a - b);
  const out: ThemeStep[] = [];
  let occ = 0;
  let tot = 0;
  for (let i = 0; i < times.length; i++) {
    const e = edges.get(times[i]!)!;
    occ += e.occ;
    tot += e.tot;
    const next = times[i + 1];
    if (next !== undefined && tot > 0) {
      const last = out[out.length - 1];
      if (last && last.end === times[i] && last.occupied === occ && last.total === tot) last.end = next;
      else out.push({ start: times[i]!, end: next, occupied: occ, total: tot });
    }
  }
  return out;
}

/** Milliseconds of the steps at occupancy ≥ threshold. */
export function msAtOrAbove(steps: readonly ThemeStep[], threshold: number): number {
  let ms = 0;
  for (const s of steps) if (s.occupied >= threshold * s.total) ms += s.end - s.start;
  return ms;
}

/** Minutes of the steps at occupancy ≥ threshold. */
export function minutesAtOrAbove(steps: readonly ThemeStep[], threshold: number): number {
  return msAtOrAbove(steps, threshold) / MINUTE_MS;
}
