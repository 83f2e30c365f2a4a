import { describe, expect, it } from 'vitest';
import { alertStep, observe, type AlertAction, type AlertRule, type OpenEpisode } from './alert-machine.js';
import { themeSteps } from './measures.js';

/* The theme alert episode by a manual clock: once per episode, a recovery notice, silence. */

const RULE: AlertRule = { threshold: 0.9, minutes: 30, enabled: true };
const T0 = Date.parse('2026-11-25T08:00:00+08:00');
const min = (m: number) => T0 + m * 60_000;

/** Runs the machine over (minute, occupancy, silenced) readings, as the job would every minute. */
function run(readings: [number, number | null, boolean?][], rule = RULE) {
  let open: OpenEpisode | null = null;
  let since: number | null = null;
  const log: [number, AlertAction][] = [];
  for (const [m, occ, silenced] of readings) {
    // What the step function would say: the run at ≥ threshold started at the first such reading.
    since = occ !== null && occ >= rule.threshold ? (since ?? min(m)) : occ === null ? since : null;
    const r = alertStep(open, rule, { now: min(m), occupancy: occ, aboveSince: occ === null ? null : since, silenced: silenced ?? false });
    open = r.open;
    for (const a of r.actions) log.push([m, a]);
  }
  return { open, log };
}

describe('theme alert episodes', () => {
  it('opens once after 30 minutes at ≥ 0.9, tracks the peak, recovers once', () => {
    const readings: [number, number | null][] = [];
    for (let m = 0; m <= 60; m += 5) readings.push([m, m < 10 ? 0.8 : m === 50 ? 0.97 : 0.92]);
    readings.push([65, 0.85], [70, 0.86]);
    const { log, open } = run(readings);
    expect(log).toEqual([
      [40, { kind: 'open', startedAt: min(10), occupancy: 0.92, notify: true }],
      [50, { kind: 'peak', peak: 0.97 }],
      [65, { kind: 'close', endedAt: min(65), notify: true }],
    ]);
    expect(open).toBeNull();
  });

  it('a dip below the threshold restarts the 30 minutes; unknown minutes change nothing', () => {
    const { log } = run([[0, 0.95], [20, 0.95], [25, 0.8], [30, 0.95], [45, null], [59, 0.95], [60, 0.95]]);
    expect(log).toEqual([[60, { kind: 'open', startedAt: min(30), occupancy: 0.95, notify: true }]]);
  });

  it('a maintenance window silences the opening and the recovery, but the episode is kept', () => {
    const { log } = run([[0, 0.95, true], [30, 0.95, true], [40, 0.95], [50, 0.5]]);
    expect(log).toEqual([
      [30, { kind: 'open', startedAt: min(0), occupancy: 0.95, notify: false }],
      [50, { kind: 'close', endedAt: min(50), notify: false }],
    ]);
    // Notified when it opened, recovering inside a window: no recovery notice either.
    const inside = run([[0, 0.95], [30, 0.95], [40, 0.5, true]]);
    expect(inside.log.map(([, a]) => [a.kind, 'notify' in a ? a.notify : null])).toEqual([['open', true], ['close', false]]);
  });

  it('a disabled rule closes an open episode without a notice', () => {
    const r1 = alertStep(null, RULE, { now: min(30), occupancy: 0.95, aboveSince: min(0), silenced: false });
    const r2 = alertStep(r1.open, { ...RULE, enabled: false }, { now: min(31), occupancy: 0.95, aboveSince: min(0), silenced: false });
    expect(r2).toEqual({ open: null, actions: [{ kind: 'close', endedAt: min(31), notify: false }] });
  });

  it('reads the run at ≥ threshold from the theme steps', () => {
    const steps = themeSteps([
      { lotId: 1, start: min(0), end: min(60), occupied: 95, total: 100 },
      { lotId: 2, start: min(20), end: min(60), occupied: 5, total: 50 }, // 20–60: 100/150
      { lotId: 2, start: min(60), end: min(90), occupied: 50, total: 50 },
      { lotId: 1, start: min(60), end: min(90), occupied: 90, total: 100 }, // 60–90: 140/150
    ]);
    expect(observe(steps, 0.9, min(90))).toEqual({ occupancy: 140 / 150, aboveSince: min(60) });
    expect(observe(steps, 0.9, min(10))).toEqual({ occupancy: 0.95, aboveSince: min(0) });
    expect(observe(steps, 0.9, min(95))).toEqual({ occupancy: null, aboveSince: null });
    expect(observe(steps, 0.6, min(90))).toEqual({ occupancy: 140 / 150, aboveSince: min(0) });
  });
});
