import { describe, expect, it } from 'vitest';
import { addMonths, dueMonths, lastDueEventMonth, lastDueQuarantineMonth, monthSpan, shanghaiMonth } from './archive-plan.js';

describe('archive plan (which months are due)', () => {
  it('reads months on the Shanghai calendar', () => {
    // 2026-11-30 16:30 UTC is 2026-12-01 00:30 in Shanghai.
    expect(shanghaiMonth(new Date('2026-11-30T16:30:00Z'))).toBe('2026-12');
    expect(shanghaiMonth(new Date('2026-11-30T15:59:59Z'))).toBe('2026-11');
    expect(monthSpan('2025-10')).toEqual({ month: '2025-10', start: new Date('2025-09-30T16:00:00Z'), end: new Date('2025-10-31T16:00:00Z') });
    expect(() => monthSpan('2025-13')).toThrow(RangeError);
    expect([addMonths('2026-01', -1), addMonths('2025-12', 1), addMonths('2026-12', -14)]).toEqual(['2025-12', '2026-01', '2025-10']);
  });

  it('makes a month of events due once all of it is older than the retention', () => {
    // 2026-12-07: with 13 months, 2025-11 still holds events less than 13 months old.
    expect(lastDueEventMonth(new Date('2026-12-07T02:00:00Z'), 13)).toBe('2025-10');
    // The first Shanghai instant of 2027-01 makes 2025-11 due; the last one of 2026-12 does not.
    expect(lastDueEventMonth(new Date('2026-12-31T15:59:59Z'), 13)).toBe('2025-10');
    expect(lastDueEventMonth(new Date('2026-12-31T16:00:00Z'), 13)).toBe('2025-11');
    expect(lastDueEventMonth(new Date('2026-03-15T00:00:00Z'), 1)).toBe('2026-01');
  });

  it('makes a month of resolved quarantine due once its end is the retention in days ago', () => {
    // 2025-09 ends 2025-09-30T16:00Z; 90 days later is 2025-12-29T16:00Z.
    expect(lastDueQuarantineMonth(new Date('2025-12-29T15:59:59Z'), 90)).toBe('2025-08');
    expect(lastDueQuarantineMonth(new Date('2025-12-29T16:00:00Z'), 90)).toBe('2025-09');
  });

  it('lists the due months from the oldest row on, oldest first, bounded per run', () => {
    const now = new Date('2026-12-07T02:00:00Z');
    expect(dueMonths(null, lastDueEventMonth(now, 13))).toEqual([]);
    expect(dueMonths(new Date('2025-11-02T00:00:00Z'), lastDueEventMonth(now, 13))).toEqual([]);
    expect(dueMonths(new Date('2025-07-31T17:00:00Z'), lastDueEventMonth(now, 13))).toEqual(['2025-08', '2025-09', '2025-10']);
    expect(dueMonths(new Date('2024-11-20T00:00:00Z'), '2025-10', 3)).toEqual(['2024-11', '2024-12', '2025-01']);
  });
});
