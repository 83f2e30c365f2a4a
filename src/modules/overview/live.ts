import { dataStateOf } from '../monitoring/index.js';
import type { OverviewLot } from './lots.js';

/*
 * Live occupancy (实时占用) from each lot's newest status report, as the KPI definitions say
 * (docs/指标口径.md): occupied = clamp(total − free, 0, total), total being the report's own
 * total when positive, else the lot's; the report counts only while it is no older than the
 * lot's late threshold — monitoring's rule (dataStateOf), so a lot the sync board calls late
 * has no live occupancy here either. A group's ratio is Σ occupied ÷ Σ total over its known lots.
 */

export interface LiveCount {
  occupied: number;
  total: number;
}

export interface LiveSum extends LiveCount {
  /** occupied ÷ total; null when no known lot has spaces. */
  ratio: number | null;
  knownLots: number;
}

/** A lot's live count, or null when unknown (no report, or older than `thresholdMinutes`). */
export function liveCount(lot: OverviewLot, thresholdMinutes: number, now: Date): LiveCount | null {
  const s = lot.status;
  if (!s || dataStateOf(s.at, thresholdMinutes, now) !== 'ok') return null;
  const total = s.total > 0 ? s.total : lot.totalSpaces;
  if (total <= 0) return null;
  return { occupied: Math.min(Math.max(total - s.free, 0), total), total };
}

export const ratioOf = (c: LiveCount | null): number | null => (c && c.total > 0 ? round4(c.occupied / c.total) : null);

export function sumLive(counts: Iterable<LiveCount | null>): LiveSum {
  let occupied = 0;
  let total = 0;
  let knownLots = 0;
  for (const c of counts) {
    if (!c) continue;
    occupied += c.occupied;
    total += c.total;
    knownLots++;
  }
  return { occupied, total, ratio: total > 0 ? round4(occupied / total) : null, knownLots };
}

/** Ratios to four places (0.4213): enough for a percentage with two decimals. */
export const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
