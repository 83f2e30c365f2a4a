import { describe, expect, it } from 'vitest';
import { formatShanghai, parseBusinessTime } from '../time.js';
import {
  addBusinessMinutes, addCalendarMinutes, addWorkingDays, businessMinutesBetween, isBusinessTime, workingDayDeadline,
} from './business-time.js';
import { ALWAYS, BUSINESS, compileCalendar, defineCalendar, getCalendar } from './calendars.js';
import { countWorkingDays, shiftWorkingDays } from './days.js';

/** Shanghai wall time ↔ instant. */
const t = (text: string) => parseBusinessTime(text)!;
const sh = (d: Date) => formatShanghai(d).slice(0, 16);
const add = (start: string, minutes: number, calendar: string = 'business') => sh(addBusinessMinutes(t(start), minutes, calendar));

/** A small seeded generator: the property tests are the same on every run. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r ^= r + Math.imul(r ^ (r >>> 7), 61 | r);
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

describe('business calendar: 08:30–12:00, 13:30–17:30 on working days', () => {
  it('has 450 minutes a day', () => {
    expect(BUSINESS.minutesPerDay).toBe(450);
    expect(ALWAYS.minutesPerDay).toBe(1440);
  });

  it('crosses the lunch break, and ends a period on its end', () => {
    expect(add('2026-11-23 10:00', 240)).toBe('2026-11-23 15:30'); // the manual's first example
    expect(add('2026-11-23 11:50', 20)).toBe('2026-11-23 13:40');
    expect(add('2026-11-23 11:50', 10)).toBe('2026-11-23 12:00');
    expect(add('2026-11-23 12:30', 1)).toBe('2026-11-23 13:31');
    expect(add('2026-11-23 13:30', 240)).toBe('2026-11-23 17:30');
    expect(add('2026-11-23 13:30', 241)).toBe('2026-11-24 08:31');
  });

  it('17:29 with 2 minutes left runs into the next working day', () => {
    expect(add('2026-11-24 17:29', 2)).toBe('2026-11-25 08:31'); // Tuesday → Wednesday
    expect(add('2026-11-27 17:29', 2)).toBe('2026-11-30 08:31'); // Friday → Monday
    expect(add('2026-02-13 17:29', 2)).toBe('2026-02-14 08:31'); // Friday → 调休 Saturday
    expect(add('2026-02-14 17:29', 2)).toBe('2026-02-24 08:31'); // over the Spring Festival
    expect(add('2026-09-30 17:29', 2)).toBe('2026-10-08 08:31'); // over National Day
    expect(add('2026-09-18 17:29', 2)).toBe('2026-09-20 08:31'); // Friday → 调休 Sunday
  });

  it('starts counting at the next opening at night, on weekends and holidays', () => {
    expect(add('2026-11-24 22:00', 30)).toBe('2026-11-25 09:00');
    expect(add('2026-11-25 03:00', 30)).toBe('2026-11-25 09:00');
    expect(add('2026-11-28 10:00', 60)).toBe('2026-11-30 09:30'); // Saturday
    expect(add('2026-02-18 10:00', 60)).toBe('2026-02-24 09:30'); // 春节
    expect(add('2026-10-03 10:00', 450)).toBe('2026-10-08 17:30'); // 国庆: one full working day
    expect(add('2026-04-04 09:00', 1)).toBe('2026-04-07 08:31'); // 清明 Saturday → Tuesday
    expect(add('2026-05-01 09:00', 60)).toBe('2026-05-06 09:30'); // 劳动节
    expect(add('2026-05-08 17:00', 60)).toBe('2026-05-09 09:00'); // 调休 Saturday after 劳动节
    expect(add('2025-01-27 17:00', 60)).toBe('2025-02-05 09:00'); // 2025 Spring Festival
  });

  it('adds zero as the start itself, even outside business hours', () => {
    for (const s of ['2026-11-24 22:00', '2026-11-28 10:00', '2026-11-23 10:00:30']) {
      expect(addBusinessMinutes(t(s), 0).getTime()).toBe(t(s).getTime());
    }
  });

  it('adds large amounts', () => {
    // 200 working days from a Monday 10:00 end at 10:00 on the 200th working day after it.
    const end = addBusinessMinutes(t('2026-01-05 10:00'), 200 * 450);
    expect(sh(end)).toBe(`${shiftWorkingDays('2026-01-05', 200)} 10:00`);
    expect(countWorkingDays('2026-01-06', shiftWorkingDays('2026-01-05', 200))).toBe(200);
    expect(businessMinutesBetween(t('2026-01-01 00:00'), t('2027-01-01 00:00'))).toBe(countWorkingDays('2026-01-01', '2026-12-31') * 450);
    expect(sh(addBusinessMinutes(t('2026-01-01 00:00'), 10 * 365 * 1440, '24x7'))).toBe('2035-12-30 00:00');
  });

  it('keeps seconds and milliseconds', () => {
    expect(addBusinessMinutes(t('2026-11-23 11:59:30.250'), 1).toISOString()).toBe(t('2026-11-23 13:30:30.250').toISOString());
    expect(businessMinutesBetween(t('2026-11-23 11:59:30'), t('2026-11-23 13:30:30'))).toBe(1);
    expect(addBusinessMinutes(t('2026-11-23 10:00'), 0.5).toISOString()).toBe(t('2026-11-23 10:00:30').toISOString());
  });

  it('measures between two instants, negative backwards', () => {
    expect(businessMinutesBetween(t('2026-02-13 09:00'), t('2026-02-24 09:00'))).toBe(420 + 450 + 30);
    expect(businessMinutesBetween(t('2026-02-24 09:00'), t('2026-02-13 09:00'))).toBe(-900);
    expect(businessMinutesBetween(t('2026-11-23 12:10'), t('2026-11-23 13:20'))).toBe(0);
    expect(businessMinutesBetween(t('2026-11-28 00:00'), t('2026-11-30 00:00'))).toBe(0); // weekend
    expect(businessMinutesBetween(t('2026-11-23 10:00'), t('2026-11-23 10:00'))).toBe(0);
    expect(businessMinutesBetween(t('2026-11-23 10:00'), t('2026-11-24 10:00'), '24x7')).toBe(1440);
  });

  it('refuses bad arguments', () => {
    expect(() => addBusinessMinutes(t('2026-11-23 10:00'), -1)).toThrow(RangeError);
    expect(() => addBusinessMinutes(t('2026-11-23 10:00'), Number.NaN)).toThrow(RangeError);
    expect(() => addBusinessMinutes(new Date('x'), 1)).toThrow(RangeError);
    expect(() => addBusinessMinutes(t('2026-11-23 10:00'), 1, 'nope')).toThrow(/unknown calendar/);
    expect(() => addWorkingDays(t('2026-11-23 10:00'), -1)).toThrow(RangeError);
    expect(() => addWorkingDays(t('2026-11-23 10:00'), 1.5)).toThrow(RangeError);
    expect(() => workingDayDeadline(t('2026-11-23 10:00'), 0)).toThrow(RangeError);
  });

  it('tells whether it is open', () => {
    expect(isBusinessTime(t('2026-11-23 08:30'))).toBe(true);
    expect(isBusinessTime(t('2026-11-23 08:29:59'))).toBe(false);
    expect(isBusinessTime(t('2026-11-23 12:00'))).toBe(false);
    expect(isBusinessTime(t('2026-11-23 17:29:59'))).toBe(true);
    expect(isBusinessTime(t('2026-02-14 10:00'))).toBe(true); // 调休 Saturday
    expect(isBusinessTime(t('2026-02-16 10:00'))).toBe(false);
    expect(isBusinessTime(t('2026-02-16 03:00'), '24x7')).toBe(true);
  });
});

describe('addWorkingDays: n × 7.5 business hours', () => {
  it.each([
    ['Tuesday 10:00 + 3 → Friday 10:00', '2026-11-24 10:00', 3, '2026-11-27 10:00'],
    ['Friday 10:00 + 1 → Monday 10:00', '2026-11-27 10:00', 1, '2026-11-30 10:00'],
    ['in the lunch break: 12:00 n days later', '2026-11-23 12:30', 1, '2026-11-24 12:00'],
    ['before opening: the start day counts', '2026-11-23 07:00', 1, '2026-11-23 17:30'],
    ['at opening, the same', '2026-11-23 08:30', 1, '2026-11-23 17:30'],
    ['after closing: close of the n-th next working day', '2026-11-23 20:00', 1, '2026-11-24 17:30'],
    ['on a Saturday', '2026-11-28 10:00', 1, '2026-11-30 17:30'],
    ['zero', '2026-11-28 10:00', 0, '2026-11-28 10:00'],
    ['before Mid-autumn', '2026-09-24 10:00', 1, '2026-09-28 10:00'],
    ['into National Day', '2026-09-30 16:30', 2, '2026-10-09 16:30'],
    ['onto the make-up Saturday', '2026-09-30 16:30', 3, '2026-10-10 16:30'],
    ['三级 restore: 3 working days from the Friday before the Spring Festival', '2026-02-13 15:00', 3, '2026-02-25 15:00'],
    ['Qingming', '2026-04-03 15:00', 1, '2026-04-07 15:00'],
    ['Labour Day', '2026-04-30 10:00', 1, '2026-05-06 10:00'],
  ])('%s', (_name, start, n, expected) => {
    expect(sh(addWorkingDays(t(start), n))).toBe(expected);
  });
});

describe('workingDayDeadline: the start day not counted, close of business on the last', () => {
  it.each([
    ['2026-11-23 10:00', 3, '2026-11-26 17:30'],
    ['2026-11-23 07:00', 1, '2026-11-24 17:30'],
    ['2026-11-28 10:00', 1, '2026-11-30 17:30'],
    ['2026-02-13 10:00', 1, '2026-02-14 17:30'],
    ['2026-02-13 10:00', 2, '2026-02-24 17:30'],
    ['2026-09-29 10:00', 5, '2026-10-12 17:30'], // 9-30, 10-8, 10-9, 10-10 (调休), 10-12
  ])('%s + %i working days → %s', (start, n, expected) => {
    expect(sh(workingDayDeadline(t(start), n))).toBe(expected);
  });
});

describe('24×7 and other calendars', () => {
  it('adds plain minutes', () => {
    expect(addCalendarMinutes(t('2026-02-16 23:50'), 30).toISOString()).toBe(t('2026-02-17 00:20').toISOString());
    expect(add('2026-02-16 23:50', 30, '24x7')).toBe('2026-02-17 00:20');
    expect(() => addCalendarMinutes(t('2026-02-16 23:50'), -5)).toThrow(RangeError);
  });

  it('takes a calendar as data', () => {
    const desk = compileCalendar({ id: 'desk-7x12', periods: [{ start: '08:00', end: '20:00' }], workingDaysOnly: false });
    expect(desk.minutesPerDay).toBe(720);
    expect(sh(addBusinessMinutes(t('2026-02-16 19:30'), 60, desk))).toBe('2026-02-17 08:30'); // holidays too
    const late = defineCalendar({ id: 'test-late', periods: [{ start: '13:00', end: '24:00' }], workingDaysOnly: true });
    expect(getCalendar('test-late')).toBe(late);
    expect(add('2026-11-27 23:30', 60, 'test-late')).toBe('2026-11-30 13:30');
  });

  it('refuses malformed calendars', () => {
    const bad = (periods: { start: string; end: string }[], id = 'x') => () => compileCalendar({ id, periods, workingDaysOnly: true });
    expect(bad([])).toThrow(/at least one/);
    expect(bad([{ start: '12:00', end: '08:00' }])).toThrow(/end after/);
    expect(bad([{ start: '08:00', end: '12:00' }, { start: '11:00', end: '13:00' }])).toThrow(/overlap/);
    expect(bad([{ start: '8:00', end: '12:00' }])).toThrow(/HH:MM/);
    expect(bad([{ start: '08:00', end: '24:30' }])).toThrow(/HH:MM/);
    expect(bad([{ start: '08:00', end: '12:00' }], 'Bad Id')).toThrow(/calendar id/);
    expect(() => defineCalendar({ id: '24x7', periods: [{ start: '00:00', end: '12:00' }], workingDaysOnly: false })).toThrow(/cannot be redefined/);
  });
});

describe('Shanghai time, whatever the process time zone', () => {
  it('reads instants as UTC+8 without daylight saving', () => {
    // 08:30 Shanghai is 00:30 UTC, winter and summer alike.
    expect(addBusinessMinutes(new Date('2026-01-05T00:30:00Z'), 1).toISOString()).toBe('2026-01-05T00:31:00.000Z');
    expect(addBusinessMinutes(new Date('2026-07-06T00:30:00Z'), 1).toISOString()).toBe('2026-07-06T00:31:00.000Z');
    // 17:29 Shanghai = 09:29 UTC; 2 minutes → 08:31 next day = 00:31 UTC.
    expect(addBusinessMinutes(new Date('2026-11-24T09:29:00Z'), 2).toISOString()).toBe('2026-11-25T00:31:00.000Z');
    // A UTC instant late on Friday is already Saturday in Shanghai.
    expect(businessMinutesBetween(new Date('2026-11-27T16:30:00Z'), new Date('2026-11-29T23:00:00Z'))).toBe(0);
  });

  it('gives the same answers with TZ set to New York or Shanghai', () => {
    const sample = () => [
      addBusinessMinutes(t('2026-02-13 17:29'), 2).toISOString(),
      addWorkingDays(t('2026-09-30 16:30'), 3).toISOString(),
      workingDayDeadline(t('2026-03-08 02:00'), 1).toISOString(), // a New York DST night
      String(businessMinutesBetween(t('2026-03-06 09:00'), t('2026-03-10 09:00'))),
    ];
    const before = process.env.TZ;
    const baseline = sample();
    try {
      for (const tz of ['America/New_York', 'Asia/Shanghai', 'Pacific/Kiritimati']) {
        process.env.TZ = tz;
        expect(sample()).toEqual(baseline);
      }
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
    expect(baseline[2]).toBe(t('2026-03-09 17:30').toISOString());
  });
});

describe('properties over random instants', () => {
  const random = prng(20260213);
  const from = t('2025-01-01 00:00').getTime();
  const span = t('2027-01-01 00:00').getTime() - from;
  const cases = Array.from({ length: 600 }, () => ({
    a: new Date(from + Math.floor(random() * span / 1000) * 1000),
    m: Math.floor(random() * 20_000),
    calendar: random() < 0.8 ? 'business' : '24x7',
  }));

  it('round-trips: businessMinutesBetween(a, addBusinessMinutes(a, m)) = m', () => {
    const bad = cases.filter(({ a, m, calendar }) => businessMinutesBetween(a, addBusinessMinutes(a, m, calendar), calendar) !== m);
    expect(bad).toEqual([]);
  });

  it('lands inside an open period (or on its end), never earlier than needed', () => {
    const bad = cases.filter(({ a, m, calendar }) => {
      if (m === 0) return false;
      const end = addBusinessMinutes(a, m, calendar);
      const justBefore = new Date(end.getTime() - 1);
      return !isBusinessTime(justBefore, calendar) || businessMinutesBetween(a, justBefore, calendar) >= m;
    });
    expect(bad).toEqual([]);
  });

  it('is additive and monotonic', () => {
    for (let i = 0; i + 2 < cases.length; i += 3) {
      const [x, y, z] = [cases[i]!.a, cases[i + 1]!.a, cases[i + 2]!.a].sort((p, q) => p.getTime() - q.getTime()) as [Date, Date, Date];
      expect(businessMinutesBetween(x, y) + businessMinutesBetween(y, z)).toBeCloseTo(businessMinutesBetween(x, z), 9);
      const m = cases[i]!.m;
      expect(addBusinessMinutes(x, m).getTime()).toBeLessThanOrEqual(addBusinessMinutes(x, m + 1).getTime());
      expect(addBusinessMinutes(x, m + 450).getTime()).toBe(addWorkingDays(addBusinessMinutes(x, m), 1).getTime());
    }
  });
});
