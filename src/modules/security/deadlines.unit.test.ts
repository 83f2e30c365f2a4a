import { describe, expect, it } from 'vitest';
import { fixPlanDeadline, planWorkingDays } from './deadlines.js';

const at = (s: string) => new Date(s);
const due = (found: string, days = 5) => fixPlanDeadline(at(found), days).dueAt.toISOString();

describe('fix-plan deadline on the official working-day calendar', () => {
  it('ordinary week: the fifth working day after the day found, at closing time', () => {
    // Monday 2026-11-16 10:00 → Monday 11-23 17:30 (Shanghai).
    expect(due('2026-11-16T10:00:00+08:00')).toBe('2026-11-23T09:30:00.000Z');
    // The hour of discovery does not move the day: early morning, lunch, evening alike.
    expect(due('2026-11-16T00:00:00+08:00')).toBe('2026-11-23T09:30:00.000Z');
    expect(due('2026-11-16T12:30:00+08:00')).toBe('2026-11-23T09:30:00.000Z');
    expect(due('2026-11-16T23:59:00+08:00')).toBe('2026-11-23T09:30:00.000Z');
  });

  it('found on a weekend: counting starts with the next working day', () => {
    // Saturday 2026-11-21 → Mon 23, Tue 24, Wed 25, Thu 26, Fri 27.
    expect(due('2026-11-21T15:00:00+08:00')).toBe('2026-11-27T09:30:00.000Z');
  });

  it('National Day 2026: holiday 10-01..10-07 skipped, make-up Saturday 10-10 counted', () => {
    // Wed 09-30 → Thu 10-08 (1), Fri 10-09 (2), Sat 10-10 调休上班 (3), Mon 10-12 (4), Tue 10-13 (5).
    expect(due('2026-09-30T16:00:00+08:00')).toBe('2026-10-13T09:30:00.000Z');
    // Found during the holiday: Thu 10-08 is day 1 → 08, 09, 10 (Sat), 12, 13.
    expect(due('2026-10-03T09:00:00+08:00')).toBe('2026-10-13T09:30:00.000Z');
    // Make-up Sunday 09-20 counts as a working day: found Fri 09-18 → Sun 20, Mon 21, Tue 22, Wed 23, Thu 24.
    expect(due('2026-09-18T11:00:00+08:00')).toBe('2026-09-24T09:30:00.000Z');
  });

  it('Spring Festival 2026: make-up Saturdays 02-14 and 02-28 counted, 02-15..02-23 skipped', () => {
    // Thu 02-12 → Fri 13 (1), Sat 14 调休 (2), Tue 24 (3), Wed 25 (4), Thu 26 (5).
    expect(due('2026-02-12T10:00:00+08:00')).toBe('2026-02-26T09:30:00.000Z');
    // Tue 02-24 → Wed 25, Thu 26, Fri 27, Sat 28 调休 (4), Mon 03-02 (5).
    expect(due('2026-02-24T10:00:00+08:00')).toBe('2026-03-02T09:30:00.000Z');
  });

  it('accepts an instant given in UTC as its Shanghai day', () => {
    // 2026-09-30T17:00Z is 10-01 01:00 in Shanghai, a holiday → 10-13.
    expect(due('2026-09-30T17:00:00Z')).toBe('2026-10-13T09:30:00.000Z');
  });

  it('warns at 80 % of the business time to the deadline', () => {
    // Found Mon 2026-11-16 after closing: 5 × 450 business minutes, 80 % = 1800 = 4 days → Fri 11-20 17:30.
    const d = fixPlanDeadline(at('2026-11-16T18:00:00+08:00'), 5);
    expect(d.warnAt.toISOString()).toBe('2026-11-20T09:30:00.000Z');
    expect(d.warnAt.getTime()).toBeLessThan(d.dueAt.getTime());
  });

  it('working days by severity: 5 for critical and high, configured for medium and low', () => {
    expect(planWorkingDays('critical')).toBe(5);
    expect(planWorkingDays('high', { medium: 3 })).toBe(5);
    expect(planWorkingDays('medium')).toBe(10);
    expect(planWorkingDays('low', { low: 30 })).toBe(30);
  });
});
