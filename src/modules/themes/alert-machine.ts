import type { ThemeStep } from './measures.js';

/*
 * The saturation alert of a theme (docs/市域专题接口.md, "告警"), decided without I/O: an episode is
 * the theme's occupancy at or above the threshold for at least `minutes` without a break. One
 * notice when the episode is confirmed, one recovery notice when the occupancy falls below the
 * threshold — like monitoring's alerts, a maintenance window over any member lot silences both
 * (the episode is still recorded). Unknown occupancy (no member known) changes nothing; a
 * disabled rule closes an open episode without a notice.
 */

export interface AlertRule {
  threshold: number;
  minutes: number;
  enabled: boolean;
}

export interface OpenEpisode {
  startedAt: number;
  notified: boolean;
  peak: number;
}

export interface AlertObservation {
  now: number;
  /** The theme's occupancy now; null when no member is known. */
  occupancy: number | null;
  /** Start of the unbroken run at ≥ threshold that reaches now; null when below or unknown. */
  aboveSince: number | null;
  /** A maintenance window covers a member lot now. */
  silenced: boolean;
}

export type AlertAction =
  | { kind: 'open'; startedAt: number; occupancy: number; notify: boolean }
  | { kind: 'peak'; peak: number }
  | { kind: 'close'; endedAt: number; notify: boolean };

export function alertStep(open: OpenEpisode | null, rule: AlertRule, o: AlertObservation): { open: OpenEpisode | null; actions: AlertAction[] } {
  if (!rule.enabled) return open ? { open: null, actions: [{ kind: 'close', endedAt: o.now, notify: false }] } : { open: null, actions: [] };
  if (o.occupancy === null) return { open, actions: [] };
  if (o.aboveSince !== null && o.occupancy >= rule.threshold) {
    if (open) {
      return o.occupancy > open.peak ? { open: { ...open, peak: o.occupancy }, actions: [{ kind: 'peak', peak: o.occupancy }] } : { open, actions: [] };
    }
    if (o.now - o.aboveSince >= rule.minutes * 60_000) {
      const notify = !o.silenced;
      return { open: { startedAt: o.aboveSince, notified: notify, peak: o.occupancy }, actions: [{ kind: 'open', startedAt: o.aboveSince, occupancy: o.occupancy, notify }] };
    }
    return { open: null, actions: [] };
  }
  if (open) return { open: null, actions: [{ kind: 'close', endedAt: o.now, notify: open.notified && !o.silenced }] };
  return { open: null, actions: [] };
}

/**
 * Reads the theme's step function (measures.ts themeSteps) at `now`: the occupancy of the step
 * holding now, and the start of the unbroken run of steps at ≥ threshold that reaches now.
 */
export function observe(steps: readonly ThemeStep[], threshold: number, now: number): { occupancy: number | null; aboveSince: number | null } {
  let i = steps.length - 1;
  while (i >= 0 && steps[i]!.start > now) i--;
  const cur = i >= 0 ? steps[i]! : null;
  // The step must hold at now (ends after it, or at it when now is the as-of edge).
  if (!cur || cur.end < now) return { occupancy: null, aboveSince: null };
  const occupancy = cur.occupied / cur.total;
  if (cur.occupied < threshold * cur.total) return { occupancy, aboveSince: null };
  let since = cur.start;
  for (let k = i - 1; k >= 0; k--) {
    const s = steps[k]!;
    if (s.end !== since || s.occupied < threshold * s.total) break;
    since = s.start;
  }
  return { occupancy, aboveSince: since };
}
