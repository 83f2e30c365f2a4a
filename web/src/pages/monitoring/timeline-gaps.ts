// Gaps (数据断档) to mark on a lot's timeline chart, by the monthly report's definition: a
// stretch with no event (by occurredAt) longer than the lot's threshold, between two events or
// from the last event to now; time before the lot's first event is not a gap.
//
// The timeline API gives hourly counts, not event times, so unless it sends `gaps` itself they
// are estimated here: an empty run of whole hours between two hours with data is certainly a
// gap when the run alone reaches the threshold (the silence is strictly longer than the run),
// and the trailing gap is exact, from the lot's newest occurredAt (the board knows it) to now.
// A silence shorter than a run of whole empty hours plus the threshold remainder may be missed,
// and an empty run at the very start of the range is left unmarked (events before the range
// are unknown).
import type { LotTimeline, TimelineGap } from './monitoring-api';

export interface ChartGap extends TimelineGap {
  /** false: estimated from hourly counts. */
  exact: boolean;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const gap = (from: number, to: number, exact: boolean): ChartGap => ({
  from: new Date(from).toISOString(),
  to: new Date(to).toISOString(),
  minutes: Math.floor((to - from) / MINUTE),
  exact,
});

export function timelineGaps(timeline: LotTimeline, lastOccurredAt: string | null, now: string): ChartGap[] {
  if (timeline.gaps) return timeline.gaps.map((g) => ({ ...g, exact: true }));
  const limit = timeline.thresholdMinutes * MINUTE;
  const rangeFrom = Date.parse(timeline.from);
  const nowMs = Math.min(Date.parse(now), Date.parse(timeline.to));
  const withData = timeline.hours.filter((h) => h.events > 0).map((h) => Date.parse(h.at));
  const out: ChartGap[] = [];
  for (let i = 1; i < withData.length; i++) {
    const emptyFrom = withData[i - 1]! + HOUR;
    const emptyTo = withData[i]!;
    if (emptyTo - emptyFrom >= limit && emptyTo > emptyFrom) out.push(gap(emptyFrom, emptyTo, false));
  }
  if (lastOccurredAt) {
    const last = Date.parse(lastOccurredAt);
    if (Date.parse(now) - last > limit) {
      const from = Math.max(last, rangeFrom);
      // The hourly run after the last event is replaced by the exact trailing gap.
      const kept = out.filter((g) => Date.parse(g.to) <= from);
      if (nowMs > from) kept.push(gap(from, nowMs, true));
      return kept;
    }
  }
  return out;
}
