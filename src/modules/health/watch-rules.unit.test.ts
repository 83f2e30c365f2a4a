import { describe, expect, it } from 'vitest';
import { decideAlerts, DEFAULT_WATCH_RULES, patternIntervalMs, type OpenAlert, type WatchedJob } from './watch-rules.js';

const MIN = 60_000;
const at = (iso: string) => new Date(iso);
const since = at('2026-12-01T00:00:00Z');
const job = (over: Partial<WatchedJob> = {}): WatchedJob => ({
  job: 'sla.check', intervalMs: MIN, firstSeenAt: since, lastSuccessAt: since, consecutiveFailures: 0, lastError: null, ...over,
});

describe('platform alerts: the decision rule on a manual clock', () => {
  it('opens job_failing at the third failure in a row, not before', () => {
    const now = at('2026-12-01T00:01:00Z');
    expect(decideAlerts([job({ consecutiveFailures: 2, lastSuccessAt: now })], [], now, since).open).toEqual([]);
    const d = decideAlerts([job({ consecutiveFailures: 3, lastSuccessAt: null, firstSeenAt: now, lastError: 'boom' })], [], now, since);
    expect(d.open).toEqual([{ kind: 'job_failing', subject: 'sla.check', detail: expect.stringContaining('连续失败 3 次') }]);
  });

  it('opens job_stalled when no success for longer than max(2 × interval, interval + 5 min)', () => {
    // every minute: the limit is 6 minutes.
    expect(decideAlerts([job()], [], new Date(since.getTime() + 6 * MIN), since).open).toEqual([]);
    expect(decideAlerts([job()], [], new Date(since.getTime() + 6 * MIN + 1), since).open.map((o) => o.kind)).toEqual(['job_stalled']);
    // hourly: 2 hours.
    const hourly = job({ intervalMs: 60 * MIN });
    expect(decideAlerts([hourly], [], new Date(since.getTime() + 119 * MIN), since).open).toEqual([]);
    expect(decideAlerts([hourly], [], new Date(since.getTime() + 121 * MIN), since).open).toHaveLength(1);
    // A job never seen counts from when watching began; an unscheduled one is never stalled.
    expect(decideAlerts([job({ firstSeenAt: null, lastSuccessAt: null })], [], new Date(since.getTime() + 7 * MIN), since).open).toHaveLength(1);
    expect(decideAlerts([job({ intervalMs: null })], [], new Date(since.getTime() + 700 * MIN), since).open).toEqual([]);
  });

  it('keeps an open alert while its condition holds, escalates it once after 30 minutes, resolves it when it clears', () => {
    const failing = job({ consecutiveFailures: 5, lastSuccessAt: null, firstSeenAt: null });
    const opened = at('2026-12-01T00:10:00Z');
    const alert: OpenAlert = { id: 7, kind: 'job_failing', subject: 'sla.check', openedAt: opened, incidentId: null };
    const rules = { ...DEFAULT_WATCH_RULES, stallFactor: 1e9 }; // failures only
    let d = decideAlerts([failing], [alert], new Date(opened.getTime() + 29 * MIN), since, rules);
    expect(d).toEqual({ open: [], keep: [7], resolve: [], escalate: [] });
    d = decideAlerts([failing], [alert], new Date(opened.getTime() + 30 * MIN), since, rules);
    expect(d.escalate).toEqual([{ id: 7, kind: 'job_failing', subject: 'sla.check', openedAt: opened, detail: expect.any(String) }]);
    d = decideAlerts([failing], [{ ...alert, incidentId: 3 }], new Date(opened.getTime() + 90 * MIN), since, rules);
    expect(d.escalate).toEqual([]);
    d = decideAlerts([job({ lastSuccessAt: new Date(opened.getTime() + 90 * MIN) })], [alert], new Date(opened.getTime() + 91 * MIN), since, rules);
    expect(d).toEqual({ open: [], keep: [], resolve: [7], escalate: [] });
  });

  it('reads a pattern\'s interval as the longest gap between its next runs', () => {
    expect(patternIntervalMs('* * * * *', since)).toBe(MIN);
    expect(patternIntervalMs('*/15 * * * * *', since)).toBe(15_000);
    expect(patternIntervalMs('41 3 * * *', since)).toBe(24 * 60 * MIN);
  });
});
