import { describe, expect, it } from 'vitest';
import {
  bookingFee, citizenMayCancel, entryMatches, isNoShow, maxOverlap, occurrenceHolding, occurrencesBetween, overstayFee, overstayMinutes,
  suspensionFor, windowProblem, type Calendar, type Window,
} from './windows.js';

const open: Calendar = { dateFrom: null, dateTo: null, exceptionDates: [] };
const at = (s: string) => new Date(s.includes('+') || s.endsWith('Z') ? s : `${s}+08:00`);
// 2026-12-07 is a Monday.
const evenings: Window[] = [{ days: [1, 2, 3, 4, 5], start: '18:00', end: '08:00' }];
const weekendDays: Window[] = [{ days: [6, 7], start: '08:00', end: '20:00' }];

describe('occurrenceHolding', () => {
  it('finds a slot inside a same-day window, in Shanghai time', () => {
    const o = occurrenceHolding(weekendDays, open, at('2026-12-12T09:00'), at('2026-12-12T12:00'));
    expect(o).toEqual({ from: at('2026-12-12T08:00'), to: at('2026-12-12T20:00'), window: 0 });
    // Same instants written in UTC.
    expect(occurrenceHolding(weekendDays, open, new Date('2026-12-12T01:00:00Z'), new Date('2026-12-12T04:00:00Z'))).not.toBeNull();
    // Saturday 07:00 Shanghai is Friday 23:00 UTC: outside.
    expect(occurrenceHolding(weekendDays, open, new Date('2026-12-11T23:00:00Z'), new Date('2026-12-12T01:00:00Z'))).toBeNull();
  });

  it('refuses a slot sticking out of the window, or spanning two occurrences', () => {
    expect(occurrenceHolding(weekendDays, open, at('2026-12-12T19:00'), at('2026-12-12T20:01'))).toBeNull();
    expect(occurrenceHolding(weekendDays, open, at('2026-12-12T19:00'), at('2026-12-13T09:00'))).toBeNull();
    expect(occurrenceHolding(weekendDays, open, at('2026-12-14T09:00'), at('2026-12-14T10:00'))).toBeNull(); // Monday
    expect(occurrenceHolding(weekendDays, open, at('2026-12-12T10:00'), at('2026-12-12T10:00'))).toBeNull(); // empty
  });

  it('handles windows crossing midnight: the occurrence belongs to the day it starts', () => {
    // Monday 18:00 → Tuesday 08:00.
    const o = occurrenceHolding(evenings, open, at('2026-12-07T22:00'), at('2026-12-08T07:30'));
    expect(o).toEqual({ from: at('2026-12-07T18:00'), to: at('2026-12-08T08:00'), window: 0 });
    // Early Tuesday, the part of Monday's occurrence after midnight.
    expect(occurrenceHolding(evenings, open, at('2026-12-08T01:00'), at('2026-12-08T08:00'))).not.toBeNull();
    // Saturday 01:00 belongs to Friday's occurrence (Friday is a window day).
    expect(occurrenceHolding(evenings, open, at('2026-12-12T01:00'), at('2026-12-12T02:00'))).not.toBeNull();
    // Monday 01:00 would belong to Sunday's occurrence: Sunday is not a window day.
    expect(occurrenceHolding(evenings, open, at('2026-12-07T01:00'), at('2026-12-07T02:00'))).toBeNull();
    // Across the 08:00 end.
    expect(occurrenceHolding(evenings, open, at('2026-12-08T07:00'), at('2026-12-08T09:00'))).toBeNull();
  });

  it('a window whose end equals its start lasts 24 hours; 24:00 ends at midnight', () => {
    const allDay: Window[] = [{ days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '00:00' }];
    expect(occurrenceHolding(allDay, open, at('2026-12-07T00:00'), at('2026-12-08T00:00'))).not.toBeNull();
    expect(occurrenceHolding(allDay, open, at('2026-12-07T23:00'), at('2026-12-08T01:00'))).toBeNull();
    const toMidnight: Window[] = [{ days: [1], start: '20:00', end: '24:00' }];
    expect(occurrenceHolding(toMidnight, open, at('2026-12-07T20:00'), at('2026-12-08T00:00'))).not.toBeNull();
  });

  it('respects the date range and exception dates (by the day the occurrence starts)', () => {
    const cal: Calendar = { dateFrom: '2026-12-08', dateTo: '2026-12-10', exceptionDates: ['2026-12-09'] };
    expect(occurrenceHolding(evenings, cal, at('2026-12-07T19:00'), at('2026-12-07T20:00'))).toBeNull();
    expect(occurrenceHolding(evenings, cal, at('2026-12-08T19:00'), at('2026-12-09T07:00'))).not.toBeNull();
    expect(occurrenceHolding(evenings, cal, at('2026-12-09T19:00'), at('2026-12-09T20:00'))).toBeNull();
    expect(occurrenceHolding(evenings, cal, at('2026-12-10T23:00'), at('2026-12-11T07:00'))).not.toBeNull();
    expect(occurrenceHolding(evenings, cal, at('2026-12-11T19:00'), at('2026-12-11T20:00'))).toBeNull();
  });

  it('validates windows', () => {
    expect(windowProblem(evenings)).toBeNull();
    expect(windowProblem([])).not.toBeNull();
    expect(windowProblem([{ days: [0], start: '08:00', end: '09:00' }])).not.toBeNull();
    expect(windowProblem([{ days: [1], start: '8:00', end: '09:00' }])).not.toBeNull();
    expect(windowProblem([{ days: [1], start: '24:00', end: '09:00' }])).not.toBeNull();
    expect(windowProblem([{ days: [1], start: '08:00', end: '24:00' }])).toBeNull();
  });
});

describe('occurrencesBetween', () => {
  it('clips occurrences to the period (offered hours of one week)', () => {
    const occ = occurrencesBetween(evenings, open, at('2026-12-07T00:00'), at('2026-12-14T00:00'));
    const hours = occ.reduce((s, o) => s + (o.to.getTime() - o.from.getTime()) / 3600_000, 0);
    expect(hours).toBe(5 * 14);
    // Sunday-night spill into the next week is not counted, Friday's into Saturday is.
    expect(occ.at(-1)).toEqual({ from: at('2026-12-11T18:00'), to: at('2026-12-12T08:00'), window: 0 });
  });
});

describe('maxOverlap', () => {
  const iv = (a: string, b: string) => ({ from: at(a), to: at(b) });
  it('counts the most simultaneous holders, not every overlapping booking', () => {
    const existing = [iv('2026-12-12T08:00', '2026-12-12T10:00'), iv('2026-12-12T10:00', '2026-12-12T12:00'), iv('2026-12-12T11:00', '2026-12-12T13:00')];
    // Three bookings overlap 08–14 but at most two at once (11–12).
    expect(maxOverlap(existing, at('2026-12-12T08:00'), at('2026-12-12T14:00'))).toBe(2);
    // Back to back is not an overlap.
    expect(maxOverlap(existing, at('2026-12-12T09:00'), at('2026-12-12T11:00'))).toBe(1);
    expect(maxOverlap(existing, at('2026-12-12T13:00'), at('2026-12-12T14:00'))).toBe(0);
    expect(maxOverlap([], at('2026-12-12T13:00'), at('2026-12-12T14:00'))).toBe(0);
  });
});

describe('fees, entry, no-show, suspension, cancel', () => {
  const p = { priceFenPerHour: 300, priceFenPerBooking: null, overstayFenPerHour: 600 };
  it('prices per started hour or per booking', () => {
    expect(bookingFee(p, at('2026-12-12T08:00'), at('2026-12-12T09:30'))).toBe(600);
    expect(bookingFee({ ...p, priceFenPerBooking: 1000 }, at('2026-12-12T08:00'), at('2026-12-12T09:30'))).toBe(1000);
    expect(bookingFee({ priceFenPerHour: null, priceFenPerBooking: null, overstayFenPerHour: null }, at('2026-12-12T08:00'), at('2026-12-12T09:30'))).toBe(0);
  });
  it('charges an overstay per started hour', () => {
    expect(overstayMinutes(at('2026-12-12T10:00'), at('2026-12-12T09:50'))).toBe(0);
    expect(overstayMinutes(at('2026-12-12T10:00'), at('2026-12-12T10:40:30'))).toBe(41);
    expect(overstayFee(p, 41)).toBe(600);
    expect(overstayFee(p, 61)).toBe(1200);
    expect(overstayFee({ ...p, overstayFenPerHour: null }, 61)).toBe(600);
    expect(overstayFee(p, 0)).toBe(0);
  });
  it('an entry counts from 15 minutes before start until end', () => {
    const s = at('2026-12-12T10:00');
    const e = at('2026-12-12T12:00');
    expect(entryMatches(s, e, at('2026-12-12T09:45'))).toBe(true);
    expect(entryMatches(s, e, at('2026-12-12T09:44:59'))).toBe(false);
    expect(entryMatches(s, e, at('2026-12-12T12:00'))).toBe(true);
    expect(entryMatches(s, e, at('2026-12-12T12:00:01'))).toBe(false);
  });
  it('no entry by start + grace is a no-show', () => {
    expect(isNoShow(at('2026-12-12T10:00'), 30, at('2026-12-12T10:29'))).toBe(false);
    expect(isNoShow(at('2026-12-12T10:00'), 30, at('2026-12-12T10:30'))).toBe(true);
  });
  it('three no-shows in 30 days suspend for 7 days', () => {
    const now = at('2026-12-31T12:00');
    expect(suspensionFor([at('2026-12-01T12:00'), at('2026-12-20T12:00')], now)).toBeNull();
    expect(suspensionFor([at('2026-11-30T12:00'), at('2026-12-20T12:00'), at('2026-12-30T12:00')], now)).toBeNull();
    expect(suspensionFor([at('2026-12-01T12:00'), at('2026-12-20T12:00'), at('2026-12-30T12:00')], now)).toEqual({ from: now, until: at('2027-01-07T12:00') });
  });
  it('citizens cancel until the cutoff', () => {
    expect(citizenMayCancel(at('2026-12-12T10:00'), 30, at('2026-12-12T09:30'))).toBe(true);
    expect(citizenMayCancel(at('2026-12-12T10:00'), 30, at('2026-12-12T09:31'))).toBe(false);
  });
});

describe('windows by the official calendar', () => {
  // 2026-10-01..07 National Day holidays; 2026-10-10 (Saturday) a make-up working day, say.
  const working = (day: string) => (day === '2026-10-10' ? true : day >= '2026-10-01' && day <= '2026-10-07' ? false : ![6, 7].includes(new Date(`${day}T00:00:00Z`).getUTCDay() || 7));
  const cal: Calendar = { ...open, isWorkingDay: working };
  const office: Window[] = [
    { days: [1, 2, 3, 4, 5, 6, 7], start: '18:00', end: '08:00', on: 'workdays' },
    { days: [1, 2, 3, 4, 5, 6, 7], start: '08:00', end: '20:00', on: 'rest_days' },
  ];
  it('opens all day on holidays and closes the daytime on make-up working days', () => {
    expect(occurrenceHolding(office, cal, at('2026-10-02T10:00'), at('2026-10-02T12:00'))).not.toBeNull(); // Friday, holiday
    expect(occurrenceHolding(office, cal, at('2026-10-09T10:00'), at('2026-10-09T12:00'))).toBeNull(); // Friday, working
    expect(occurrenceHolding(office, cal, at('2026-10-09T19:00'), at('2026-10-10T07:00'))).not.toBeNull();
    expect(occurrenceHolding(office, cal, at('2026-10-10T10:00'), at('2026-10-10T12:00'))).toBeNull(); // make-up Saturday
    expect(occurrenceHolding(office, cal, at('2026-10-11T10:00'), at('2026-10-11T12:00'))).not.toBeNull(); // Sunday
  });
});
