import chineseDays from 'chinese-days';
import { describe, expect, it } from 'vitest';
import {
  calendarCoverage, countWorkingDays, coverageWarning, dayInfo, isWorkingDay, isYearCovered, listDays, onUncoveredYear, uncoveredYearNotice,
  nextWorkingDay, previousWorkingDay, shiftWorkingDays,
} from './days.js';

/*
 * Working days against the State Council's published arrangements (国务院办公厅关于节假日安排的通知)
 * for 2025 and 2026, as carried by chinese-days.
 */

describe('working days: 2026 Spring Festival (2-15 … 2-23 off; Saturdays 2-14 and 2-28 worked)', () => {
  it.each([
    ['2026-02-13', true], // Friday before
    ['2026-02-14', true], // Saturday, 调休上班
    ['2026-02-15', false],
    ['2026-02-16', false], // Monday, holiday
    ['2026-02-20', false], // Friday, in lieu
    ['2026-02-23', false], // Monday, in lieu
    ['2026-02-24', true],
    ['2026-02-28', true], // Saturday, 调休上班
    ['2026-03-01', false], // ordinary Sunday
  ])('%s working: %s', (day, working) => {
    expect(isWorkingDay(day)).toBe(working);
  });

  it('classifies the days', () => {
    expect(dayInfo('2026-02-14')).toEqual({ date: '2026-02-14', weekday: 6, working: true, kind: 'makeup_workday', festival: { zh: '春节', en: 'Spring Festival' }, inLieu: false, covered: true });
    expect(dayInfo('2026-02-23')).toMatchObject({ weekday: 1, working: false, kind: 'holiday', inLieu: true });
    expect(dayInfo('2026-02-16')).toMatchObject({ kind: 'holiday', inLieu: false, festival: { zh: '春节' } });
    expect(dayInfo('2026-03-01')).toMatchObject({ weekday: 7, kind: 'weekend', festival: null });
    expect(dayInfo('2026-03-02')).toMatchObject({ weekday: 1, kind: 'workday', working: true });
  });

  it('steps over the holiday', () => {
    expect(nextWorkingDay('2026-02-13')).toBe('2026-02-14');
    expect(nextWorkingDay('2026-02-14')).toBe('2026-02-24');
    expect(previousWorkingDay('2026-02-24')).toBe('2026-02-14');
    expect(shiftWorkingDays('2026-02-12', 3)).toBe('2026-02-24');
    expect(shiftWorkingDays('2026-02-24', -2)).toBe('2026-02-13');
    expect(shiftWorkingDays('2026-02-15', 0)).toBe('2026-02-15');
    // February 2026: 20 weekdays − 6 holiday weekdays + 2 make-up Saturdays.
    expect(countWorkingDays('2026-02-01', '2026-02-28')).toBe(16);
  });
});

describe('working days: 2026 National Day and Mid-autumn', () => {
  it.each([
    ['2026-09-20', true], // Sunday, 调休上班
    ['2026-09-25', false], // Friday, 中秋
    ['2026-09-28', true],
    ['2026-10-01', false],
    ['2026-10-06', false], // Tuesday, in lieu
    ['2026-10-07', false],
    ['2026-10-08', true],
    ['2026-10-10', true], // Saturday, 调休上班
    ['2026-10-11', false],
  ])('%s working: %s', (day, working) => {
    expect(isWorkingDay(day)).toBe(working);
  });

  it('counts October 2026: 22 weekdays − 5 holiday weekdays + 1 make-up Saturday', () => {
    expect(countWorkingDays('2026-10-01', '2026-10-31')).toBe(18);
    expect(nextWorkingDay('2026-09-30')).toBe('2026-10-08');
    expect(nextWorkingDay('2026-09-24')).toBe('2026-09-28');
    expect(nextWorkingDay('2026-09-18')).toBe('2026-09-20');
  });
});

describe('working days: Qingming, Labour Day, 2025', () => {
  it.each([
    ['2026-04-03', true],
    ['2026-04-06', false], // Monday, 清明
    ['2026-04-07', true],
    ['2026-05-01', false],
    ['2026-05-05', false], // Tuesday, in lieu
    ['2026-05-06', true],
    ['2026-05-09', true], // Saturday, 调休上班
    ['2025-01-26', true], // Sunday, 调休上班 before the 2025 Spring Festival
    ['2025-01-28', false],
    ['2025-02-04', false],
    ['2025-02-05', true],
    ['2025-02-08', true], // Saturday, 调休上班
    ['2025-09-28', true], // Sunday, 调休上班 before National Day
    ['2025-10-08', false],
    ['2025-10-09', true],
    ['2025-10-11', true],
  ])('%s working: %s', (day, working) => {
    expect(isWorkingDay(day)).toBe(working);
  });
});

describe('days as instants are Shanghai days', () => {
  it('takes the Shanghai date of an instant', () => {
    expect(isWorkingDay(new Date('2026-02-13T16:00:00Z'))).toBe(true); // 2026-02-14 00:00 Shanghai
    expect(isWorkingDay(new Date('2026-02-14T15:59:59Z'))).toBe(true); // 2026-02-14 23:59:59
    expect(isWorkingDay(new Date('2026-02-14T16:00:00Z'))).toBe(false); // 2026-02-15 00:00
    expect(dayInfo(new Date('2026-09-30T16:00:00Z')).date).toBe('2026-10-01');
  });

  it('refuses what is not a day', () => {
    for (const bad of ['2026-02-30', '2026-2-3', '20260203', '', 'today']) expect(() => isWorkingDay(bad)).toThrow(RangeError);
    expect(() => isWorkingDay(new Date('nope'))).toThrow(RangeError);
    expect(() => shiftWorkingDays('2026-02-03', 1.5)).toThrow(RangeError);
  });

  it('lists a range, bounded', () => {
    const days = listDays('2026-09-28', '2026-10-11');
    expect(days).toHaveLength(14);
    expect(days.filter((d) => d.working).map((d) => d.date)).toEqual(['2026-09-28', '2026-09-29', '2026-09-30', '2026-10-08', '2026-10-09', '2026-10-10']);
    expect(() => listDays('2026-10-02', '2026-10-01')).toThrow(RangeError);
    expect(() => listDays('2020-01-01', '2026-01-01', 400)).toThrow(RangeError);
  });
});

describe('beyond the holiday data', () => {
  it('says which years it knows', () => {
    const c = calendarCoverage();
    expect(c.source).toMatch(/^chinese-days \d/);
    expect(c.firstYear).toBeLessThanOrEqual(2025);
    expect(c.lastYear).toBeGreaterThanOrEqual(2026);
    expect(isYearCovered(2026)).toBe(true);
    expect(isYearCovered(2100)).toBe(false);
  });

  it('falls back to Monday–Friday and says so', () => {
    // 2100-02-08 is a Monday, 2100-02-13 a Saturday.
    expect(dayInfo('2100-02-08')).toMatchObject({ weekday: 1, working: true, kind: 'workday', covered: false });
    expect(dayInfo('2100-02-13')).toMatchObject({ working: false, kind: 'weekend', covered: false });
    expect(nextWorkingDay('2100-02-12')).toBe('2100-02-15');
    expect(coverageWarning('2100-01-01', '2100-12-31')).toMatch(/2100.*Monday–Friday/);
    expect(coverageWarning('2026-01-01', '2026-12-31')).toBeNull();
  });

  it('says once per year, when a day of a year without data is first used, and never for covered years', () => {
    const heard: number[] = [];
    const stop = onUncoveredYear((year) => heard.push(year));
    // Covered days, however many, say nothing; looking ahead without using a day says nothing.
    expect(countWorkingDays('2026-01-01', '2026-12-31')).toBeGreaterThan(240);
    expect(heard).toEqual([]);
    // A deadline from the last Saturday of 2300 into 2301: each year heard once, however often used afterwards.
    expect(shiftWorkingDays('2300-12-29', 3)).toBe('2301-01-02');
    expect(countWorkingDays('2301-01-01', '2301-03-31')).toBeGreaterThan(60);
    expect(heard).toEqual([2300, 2301]);
    expect(uncoveredYearNotice(2301)).toMatch(/2301.*Monday–Friday.*chinese-days \d.*docs\/decisions\/0004-sla-calendar\.md/);
    stop();
    isWorkingDay('2302-06-01');
    expect(heard).toEqual([2300, 2301]);
  });

  it('2027 Spring Festival: real data when the library has it, else plain weekdays', () => {
    // 2027-02-08 (Monday) is in the Spring Festival week (正月初三).
    if (isYearCovered(2027)) expect(isWorkingDay('2027-02-08')).toBe(false);
    else {
      expect(dayInfo('2027-02-08')).toMatchObject({ working: true, covered: false });
      expect(coverageWarning('2026-12-01', '2027-02-28')).toMatch(/2027/);
    }
  });
});

describe('agreement with the chinese-days API', () => {
  it('classifies every day 2004–2026 as isWorkday does (with local-noon Dates, east of UTC)', () => {
    // The library keys its table with local-time getters; it answers right only at or east of UTC.
    if (new Date(2026, 0, 1, 12).getTimezoneOffset() > 0) return;
    const mismatches: string[] = [];
    for (let y = 2004; y <= 2026; y++) {
      for (let d = new Date(y, 0, 1, 12); d.getFullYear() === y; d.setDate(d.getDate() + 1)) {
        const day = `${y}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
        if (isWorkingDay(day) !== chineseDays.isWorkday(new Date(d))) mismatches.push(day);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
