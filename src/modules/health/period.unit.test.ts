import { describe, expect, it } from 'vitest';
import { parseMonthPeriod, parseWeek } from './period.js';

describe('work report periods', () => {
  it('reads ISO weeks as Monday–Sunday Shanghai days', () => {
    const w = parseWeek('2026-W49');
    expect([w.from, w.to]).toEqual(['2026-11-30', '2026-12-06']);
    expect(w.start.toISOString()).toBe('2026-11-29T16:00:00.000Z');
    expect(w.end.toISOString()).toBe('2026-12-06T16:00:00.000Z');
    expect([parseWeek('2026-W01').from, parseWeek('2026-W53').to]).toEqual(['2025-12-29', '2027-01-03']);
    expect(parseWeek('2021-W01').from).toBe('2021-01-04');
  });

  it('refuses weeks that do not exist and other forms', () => {
    for (const bad of ['2025-W53', '2026-W00', '2026-W54', '2026-49', '', null]) expect(() => parseWeek(bad)).toThrow(/INVALID_WEEK|ISO/);
  });

  it('reads months', () => {
    const m = parseMonthPeriod('2026-02');
    expect([m.from, m.to, m.label]).toEqual(['2026-02-01', '2026-02-28', '2026年2月']);
    expect(() => parseMonthPeriod('2026-13')).toThrow();
  });
});
