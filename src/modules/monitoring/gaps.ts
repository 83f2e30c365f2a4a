/*
 * Gaps in a lot's data (数据断档), the definition the monthly sync report is checked against:
 *
 *   A gap of a lot is a stretch of its event timeline (by occurredAt) with no event for longer
 *   than the lot's threshold: the interval between two consecutive events of the lot, or from
 *   its last event to now, when that WHOLE interval is strictly longer than the threshold. Time
 *   before the lot's first event ever is not a gap. A period's report lists every gap that
 *   overlaps the period, clipped to it (and to now, when the period has not ended yet);
 *   `minutes` is the clipped length rounded down to whole minutes.
 *
 * So a gap qualifies by its whole length and only then is cut: a 3-hour silence of which 30
 * minutes lie in the month appears in that month with 30 minutes. Pure functions, no I/O: the
 * report feeds them the few long intervals SQL found, the console a lot's recent timeline.
 */

/** A listed gap: the clipped interval as ISO 8601 (UTC) and its whole minutes. */
export interface Gap {
  from: string;
  to: string;
  minutes: number;
}

/** The period looked at, and the lot's threshold. */
export interface GapWindow {
  /** Start of the period, inclusive (a month: Shanghai midnight of its first day). */
  from: Date;
  /** End of the period, exclusive. */
  to: Date;
  /** The report's "now": the trailing silence runs to it, and nothing after it is reported. */
  now: Date;
  /** Longer than this (strictly) without an event is a gap. */
  thresholdMinutes: number;
}

/** A silent stretch of the timeline in epoch milliseconds, before clipping. */
export interface Silence {
  from: number;
  to: number;
}

const MINUTE = 60_000;

const toMs = (t: Date | string | number): number => (typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) : t.getTime());

/** The end of what a window reports: its end, or now when that comes first. */
export const windowEnd = (w: GapWindow): number => Math.min(w.to.getTime(), w.now.getTime());

/** From the lot's last event to now; null when the last event is not before now. */
export function trailingSilence(lastOccurredAt: Date | string | number, now: Date): Silence | null {
  const last = toMs(lastOccurredAt);
  return now.getTime() > last ? { from: last, to: now.getTime() } : null;
}

/**
 * Every silent stretch of a timeline: between consecutive events, and from the last one to now.
 * Order and duplicates of the input do not matter.
 */
export function silences(occurredAt: Iterable<Date | string | number>, now: Date): Silence[] {
  const times = Array.from(occurredAt, toMs).sort((a, b) => a - b);
  const out: Silence[] = [];
  for (let i = 1; i < times.length; i++) out.push({ from: times[i - 1]!, to: times[i]! });
  if (times.length > 0) {
    const tail = trailingSilence(times[times.length - 1]!, now);
    if (tail) out.push(tail);
  }
  return out;
}

/**
 * The silences that are gaps (whole length strictly over the threshold), clipped to the window
 * [from, min(to, now)); those that do not overlap it are left out. Sorted by start.
 */
export function clipGaps(stretches: Iterable<Silence>, w: GapWindow): Gap[] {
  const limit = w.thresholdMinutes * MINUTE;
  const start = w.from.getTime();
  const end = windowEnd(w);
  const out: { from: number; to: number }[] = [];
  for (const s of stretches) {
    if (!(s.to - s.from > limit)) continue;
    const from = Math.max(s.from, start);
    const to = Math.min(s.to, end);
    if (to > from) out.push({ from, to });
  }
  out.sort((a, b) => a.from - b.from || a.to - b.to);
  return out.map((g) => ({ from: new Date(g.from).toISOString(), to: new Date(g.to).toISOString(), minutes: Math.floor((g.to - g.from) / MINUTE) }));
}

/**
 * The gaps of a lot in a window, from its event times (occurredAt). Pass every event that can
 * bound a gap overlapping the window — at least the last one before `from`, all those inside,
 * and the first one at or after `to` — or simply all of them.
 */
export function findGaps(occurredAt: Iterable<Date | string | number>, w: GapWindow): Gap[] {
  return clipGaps(silences(occurredAt, w.now), w);
}

/** Milliseconds a listed gap covers (its clipped interval, not the rounded minutes). */
export const gapMs = (g: Gap): number => Date.parse(g.to) - Date.parse(g.from);

/** The time of the window the lot was observed in: from its first event ever (or the window start) to the window end. */
export function observedMs(firstOccurredAt: Date | string | number | null, w: GapWindow): number {
  if (firstOccurredAt === null) return 0;
  return Math.max(0, windowEnd(w) - Math.max(w.from.getTime(), toMs(firstOccurredAt)));
}

/**
 * Coverage: the share of the observed time not inside gaps, 0–100 with one decimal; null when
 * nothing was observed (no event before the window end, or a window that has not begun).
 */
export function coveragePercent(firstOccurredAt: Date | string | number | null, gaps: readonly Gap[], w: GapWindow): number | null {
  const observed = observedMs(firstOccurredAt, w);
  if (observed <= 0) return null;
  const silent = gaps.reduce((sum, g) => sum + gapMs(g), 0);
  const covered = Math.min(observed, Math.max(0, observed - silent));
  return Math.round((covered * 1000) / observed) / 10;
}
