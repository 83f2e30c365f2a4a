import { describe, expect, it } from 'vitest';
import { decideAlerts, DEFAULT_WATCH_RULES, errorRateCondition, patternIntervalMs, type OpenAlert, type WatchedJob } from './watch-rules.js';

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

describe('the 5xx-rate rule', () => {
  const R = { ...DEFAULT_WATCH_RULES, errorRateWindowMs: 10 * MIN, errorRateMinRequests: 50, errorRatePercent: 5 };
  const s = (m: number, requests: number, serverErrors: number) => ({ at: m * MIN, requests, serverErrors });
  it('holds above the percentage with enough requests in the window, counted from the oldest reading inside it', () => {
    expect(errorRateCondition([s(0, 0, 0)], R).detail).toBeNull();
    expect(errorRateCondition([s(0, 0, 0), s(1, 100, 5)], R).detail).toBeNull(); // 5 %: not above
    expect(errorRateCondition([s(0, 0, 0), s(1, 100, 6)], R).detail).toContain('5xx 6 次');
    expect(errorRateCondition([s(0, 0, 0), s(1, 40, 40)], R).detail).toBeNull(); // too few requests
    // The errors at minute 1 fall out of the window at minute 12.
    const old = [s(0, 0, 0), s(1, 100, 50), s(2, 110, 50), s(12, 200, 50)];
    expect(errorRateCondition(old, R)).toMatchObject({ detail: null, requests: 90, serverErrors: 0 });
    // A restart (counters back down) counts from zero.
    expect(errorRateCondition([s(0, 1000, 0), s(1, 60, 10)], R)).toMatchObject({ requests: 60, serverErrors: 10 });
  });

  it('feeds decideAlerts as another condition: opened, kept, resolved', () => {
    const now = at('2026-12-01T00:10:00Z');
    const other = [{ kind: 'error_rate' as const, subject: 'http', detail: 'x' }];
    expect(decideAlerts([], [], now, since, R, other).open).toEqual([{ kind: 'error_rate', subject: 'http', detail: 'x' }]);
    const open: OpenAlert[] = [{ id: 9, kind: 'error_rate', subject: 'http', openedAt: now, incidentId: null }];
    expect(decideAlerts([], open, now, since, R, other).keep).toEqual([9]);
    expect(decideAlerts([], open, now, since, R, []).resolve).toEqual([9]);
  });
});
