import { describe, expect, it } from 'vitest';
import { dueReport, isoWeekOf, nthWorkingDay, previousPeriod } from './schedule-rules.js';

/** A Shanghai wall time as an instant. */
const sh = (t: string) => new Date(`${t.replace(' ', 'T')}:00+08:00`);

describe('report schedules: the Nth working day (official calendar)', () => {
  it('counts a make-up working day, even a Sunday, and skips the holidays', () => {
    // New Year 2026: 01-01..03 off, Sunday 01-04 is a make-up working day.
    expect(nthWorkingDay('2026-01-20', 'month', 1)).toBe('2026-01-04');
    expect(nthWorkingDay('2026-01-20', 'month', 2)).toBe('2026-01-05');
    // National Day 2026: 10-01..07 off; 10-08 (Thu), 10-09 (Fri), Saturday 10-10 调休.
    expect(nthWorkingDay('2026-10-01', 'month', 1)).toBe('2026-10-08');
    expect(nthWorkingDay('2026-10-01', 'month', 3)).toBe('2026-10-10');
    expect(nthWorkingDay('2026-10-01', 'month', 4)).toBe('2026-10-12');
  });

  it('takes the week\'s own working days; the last one when the week has fewer; none in a week wholly off', () => {
    expect(nthWorkingDay('2026-10-06', 'week', 1)).toBe('2026-10-08'); // 2026-W41
    expect(nthWorkingDay('2026-10-06', 'week', 3)).toBe('2026-10-10'); // its 调休 Saturday
    expect(nthWorkingDay('2026-10-06', 'week', 5)).toBe('2026-10-10'); // only three working days
    expect(nthWorkingDay('2026-02-11', 'week', 6)).toBe('2026-02-14'); // Spring Festival make-up Saturday
    expect(nthWorkingDay('2026-02-18', 'week', 1)).toBeNull(); // 2026-W08: 02-16..22 all holiday
  });

  it('is due from 08:00 Shanghai of that day for the period just ended, and stays due after it', () => {
    expect(dueReport(sh('2026-01-03 23:00'), 'month', 1)).toBeNull();
    expect(dueReport(sh('2026-01-04 07:59'), 'month', 1)).toBeNull();
    expect(dueReport(sh('2026-01-04 08:00'), 'month', 1)).toEqual({ period: '2025-12', dueDay: '2026-01-04', dueAt: sh('2026-01-04 08:00') });
    expect(dueReport(sh('2026-01-19 10:00'), 'month', 1)?.period).toBe('2025-12');
    // Third working day of October 2026 is the make-up Saturday; the Friday before it is too early.
    expect(dueReport(sh('2026-10-09 12:00'), 'month', 3)).toBeNull();
    expect(dueReport(sh('2026-10-10 09:00'), 'month', 3)?.period).toBe('2026-09');
    // Weekly: the first working day of 2026-W41 is Thursday 10-08; the report is of W40.
    expect(dueReport(sh('2026-10-07 10:00'), 'week', 1)).toBeNull();
    expect(dueReport(sh('2026-10-08 08:30'), 'week', 1)).toMatchObject({ period: '2026-W40', dueDay: '2026-10-08' });
    expect(dueReport(sh('2026-02-18 10:00'), 'week', 1)).toBeNull();
  });

  it('names ISO weeks and previous periods across the year boundary', () => {
    expect(isoWeekOf('2026-01-01')).toEqual({ year: 2026, week: 1, monday: '2025-12-29' });
    expect(isoWeekOf('2027-01-01')).toEqual({ year: 2026, week: 53, monday: '2026-12-28' });
    expect(previousPeriod('2027-01-05', 'week')).toBe('2026-W53');
    expect(previousPeriod('2026-01-05', 'week')).toBe('2026-W01');
    expect(previousPeriod('2026-01-05', 'month')).toBe('2025-12');
  });
});
