import chineseDays from 'chinese-days';
import { describe, expect, it } from 'vitest';
import { arrivalIntensity, arrivalRate, dayTypeOf, sampleDwellMinutes } from './demand.js';
import { Rng } from './random.js';

const at = (local: string) => Date.parse(`${local}+08:00`);

describe('calendar', () => {
  it('knows working days, weekends and public holidays', () => {
    expect(dayTypeOf('2026-03-10')).toBe('workday'); // Tuesday
    expect(dayTypeOf('2026-03-07')).toBe('weekend'); // Saturday
    expect(dayTypeOf('2026-10-01')).toBe('holiday'); // National Day, a Thursday
    expect(dayTypeOf('2026-10-05')).toBe('holiday');
  });

  it('counts a 调休 make-up Saturday as a working day', () => {
    // 2026-10-10 is a Saturday worked in lieu of the National Day holiday.
    expect(new Date('2026-10-10T12:00:00+08:00').getUTCDay()).toBe(6);
    expect(chineseDays.isWorkday('2026-10-10')).toBe(true);
    expect(dayTypeOf('2026-10-10')).toBe('workday');
    expect(arrivalIntensity('office', 'off_street', at('2026-10-10T08:30:00'))).toBe(arrivalIntensity('office', 'off_street', at('2026-10-13T08:30:00')));
  });
});

describe('demand shapes', () => {
  it('hospital mornings are busy, nights quiet', () => {
    expect(arrivalIntensity('hospital', 'off_street', at('2026-03-10T09:00:00'))).toBeGreaterThan(10 * arrivalIntensity('hospital', 'off_street', at('2026-03-10T03:00:00')));
  });

  it('shopping: a Saturday evening beats a Tuesday morning', () => {
    expect(arrivalIntensity('commercial', 'off_street', at('2026-03-07T19:00:00'))).toBeGreaterThan(3 * arrivalIntensity('commercial', 'off_street', at('2026-03-10T09:00:00')));
  });

  it('offices are nearly empty on a public holiday', () => {
    const holiday = arrivalIntensity('office', 'off_street', at('2026-10-01T08:30:00'));
    const workday = arrivalIntensity('office', 'off_street', at('2026-09-29T08:30:00'));
    expect(holiday * 10).toBeLessThan(workday);
  });

  it('residential arrivals are in the evening, school peaks at drop-off and pick-up, scenic at weekends', () => {
    expect(arrivalRate('residential', 'off_street', 19, 'workday')).toBeGreaterThan(4 * arrivalRate('residential', 'off_street', 10, 'workday'));
    expect(arrivalRate('school', 'off_street', 7, 'workday')).toBeGreaterThan(5 * arrivalRate('school', 'off_street', 10, 'workday'));
    expect(arrivalRate('school', 'off_street', 16, 'workday')).toBeGreaterThan(5 * arrivalRate('school', 'off_street', 20, 'workday'));
    expect(arrivalRate('scenic', 'off_street', 10, 'holiday')).toBeGreaterThan(3 * arrivalRate('scenic', 'off_street', 10, 'workday'));
  });

  it('uses Shanghai local time, whatever the machine time zone', () => {
    // 01:00 UTC is 09:00 in Nantong.
    expect(arrivalIntensity('hospital', 'off_street', Date.parse('2026-03-10T01:00:00Z'))).toBe(arrivalRate('hospital', 'off_street', 9, 'workday'));
  });
});

describe('dwell times', () => {
  const rng = new Rng(1);
  const sample = (category: Parameters<typeof sampleDwellMinutes>[1], local: string, n = 2000) =>
    Array.from({ length: n }, () => sampleDwellMinutes(rng, category, 'off_street', at(local))).sort((a, b) => a - b);
  const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;

  it('hospital visits last 1–3 hours, shopping 1–4', () => {
    expect(median(sample('hospital', '2026-03-10T09:00:00'))).toBeGreaterThan(60);
    expect(median(sample('hospital', '2026-03-10T09:00:00'))).toBeLessThan(180);
    expect(median(sample('commercial', '2026-03-07T19:00:00'))).toBeGreaterThan(60);
    expect(median(sample('commercial', '2026-03-07T19:00:00'))).toBeLessThan(240);
  });

  it('office commuters stay 8–10 hours', () => {
    const m = median(sample('office', '2026-03-10T08:30:00'));
    expect(m).toBeGreaterThan(8 * 60);
    expect(m).toBeLessThan(10.5 * 60);
  });

  it('residents arriving in the evening leave the next morning', () => {
    const arrival = at('2026-03-10T19:00:00');
    for (const d of sample('residential', '2026-03-10T19:00:00', 300).slice(0, 250)) {
      const leave = new Date(arrival + d * 60_000 + 8 * 3600_000);
      expect(leave.getUTCDate()).toBeGreaterThanOrEqual(11);
      expect(leave.getUTCHours()).toBeGreaterThanOrEqual(6);
    }
  });

  it('transport hubs have short pick-ups and long stays', () => {
    const xs = sample('transport', '2026-03-10T08:00:00');
    expect(xs.filter((x) => x < 60).length / xs.length).toBeGreaterThan(0.6);
    expect(xs.filter((x) => x > 6 * 60).length / xs.length).toBeGreaterThan(0.05);
  });
});
