import { describe, expect, it } from 'vitest';
import { isSaturated, lotIntervals, occupancyMeasures, occupiedOf, pressureIndex, pressureLevel, type LotSeries, type MeasureWindow } from './measures.js';

/*
 * The worked examples of docs/指标口径.md section 5 ("市域专题指标"), figure by figure.
 * Times are Shanghai times of 2026-11-01 unless a date is given.
 */
const sh = (hhmm: string, day = '2026-11-01') => Date.parse(`${day}T${hhmm}:00+08:00`);
const DAY: MeasureWindow = { from: sh('00:00'), to: sh('00:00', '2026-11-02'), asOf: sh('12:00', '2026-11-03') };

const A: LotSeries = {
  lotId: 1, registeredTotal: 10, thresholdMinutes: 120,
  points: [{ at: sh('09:30'), total: 10, free: 4 }, { at: sh('10:20'), total: 0, free: 2 }, { at: sh('10:50'), total: 10, free: -1 }],
};
const B: LotSeries = {
  lotId: 2, registeredTotal: 20, thresholdMinutes: 60,
  points: [{ at: sh('09:00'), total: 20, free: 10 }, { at: sh('10:30'), total: 20, free: 1 }],
};
const C: LotSeries = { lotId: 3, registeredTotal: 50, thresholdMinutes: 120, points: [] };

describe('theme measures (docs/指标口径.md 5.7 worked example)', () => {
  it('clamps occupancy and tests saturation on integers', () => {
    expect(occupiedOf(10, -1)).toBe(10);
    expect(occupiedOf(10, 12)).toBe(0);
    expect(occupiedOf(0, 3)).toBeNull();
    expect(isSaturated(9, 10)).toBe(true);
    expect(isSaturated(17, 19)).toBe(false); // 0.8947
    expect(isSaturated(18, 20)).toBe(true); // exactly 0.9
  });

  it('holds each report until the next, its threshold or as-of', () => {
    const min = (ms: number) => ms / 60_000;
    expect(lotIntervals(A, DAY).map((i) => [min(i.end - i.start), i.occupied, i.total])).toEqual([[50, 6, 10], [30, 8, 10], [120, 10, 10]]);
    // B: 09:00 holds only 60 minutes (its threshold), 10:00–10:30 is unknown.
    expect(lotIntervals(B, DAY).map((i) => [min(i.end - i.start), i.occupied])).toEqual([[60, 10], [60, 19]]);
    // As-of 10:40: the 10:20 report holds only until 10:40, and nothing after.
    const early = lotIntervals(A, { ...DAY, asOf: sh('10:40') });
    expect(early.map((i) => min(i.end - i.start))).toEqual([50, 20]);
  });

  it('A, B and the silent C: the day of the theme', () => {
    const m = occupancyMeasures([A, B, C], DAY);
    expect(m.knownMinutes).toBe(320);
    expect(m.occupiedSpaceMinutes).toBe(3480);
    expect(m.totalSpaceMinutes).toBe(4400);
    expect(m.occupancyAvg).toBeCloseTo(3480 / 4400, 12); // 0.790909
    expect(m.saturatedMinutes).toBe(180);
    expect(m.saturatedShare).toBe(0.5625);
    expect(m.hours.map((h) => [new Date(h.at).toISOString(), h.occupancy, h.knownMinutes])).toEqual([
      ['2026-11-01T01:00:00.000Z', 780 / 1500, 90],
      ['2026-11-01T02:00:00.000Z', 1030 / 1200, 90],
      ['2026-11-01T03:00:00.000Z', 1170 / 1200, 90],
      ['2026-11-01T04:00:00.000Z', 1, 50],
    ]);
    expect(m.peakOccupancy).toBe(1);
    expect(m.peakAt).toBe(sh('12:00'));
    expect(m.lotsKnown).toBe(2);
    expect(pressureIndex(m)).toBe(76);
    expect(pressureLevel(76)).toBe('tight');
  });

  it('a report before the window holds into it; the window clips the end too', () => {
    const lot: LotSeries = {
      lotId: 9, registeredTotal: 100, thresholdMinutes: 120,
      points: [{ at: sh('23:30', '2026-10-31'), total: 100, free: 50 }, { at: sh('23:00'), total: 100, free: 5 }],
    };
    const m = occupancyMeasures([lot], DAY);
    // 00:00–01:30 at 0.5 (90 min) and 23:00–24:00 at 0.95 (60 min).
    expect(m.knownMinutes).toBe(150);
    expect(m.occupancyAvg).toBeCloseTo((50 * 90 + 95 * 60) / (100 * 150), 12); // 0.68
    expect(m.saturatedShare).toBeCloseTo(60 / 150, 12);
    expect(m.peakOccupancy).toBe(0.95);
    expect(m.peakAt).toBe(sh('23:00'));
  });

  it('the peak hour is one whose known lot-minutes reach half of the best-covered hour', () => {
    const big: LotSeries = { lotId: 1, registeredTotal: 100, thresholdMinutes: 60, points: [{ at: sh('08:00'), total: 100, free: 40 }, { at: sh('09:00'), total: 100, free: 30 }] };
    // 10:00–10:10 the small lot alone is known at 1.0: 10 lot-minutes < half of 120.
    const small: LotSeries = { lotId: 2, registeredTotal: 5, thresholdMinutes: 10, points: [{ at: sh('08:00'), total: 5, free: 0 }, { at: sh('10:00'), total: 5, free: 0 }] };
    const m = occupancyMeasures([big, small], { ...DAY, asOf: sh('10:10') });
    expect(m.hours.map((h) => h.knownMinutes)).toEqual([70, 60, 10]);
    // 08h: (60·60 + 5·10) / (100·60 + 5·10) = 3650 / 6050; 09h: 70·60 / 100·60 = 0.7.
    expect(m.peakOccupancy).toBe(0.7);
    expect(m.peakAt).toBe(sh('09:00'));
  });

  it('same instant: the last stored report wins; a total of 0 ends the one before without a value', () => {
    const lot: LotSeries = {
      lotId: 5, registeredTotal: 0, thresholdMinutes: 120,
      points: [{ at: sh('08:00'), total: 10, free: 10 }, { at: sh('08:00'), total: 10, free: 0 }, { at: sh('08:30'), total: 0, free: 0 }],
    };
    const m = occupancyMeasures([lot], DAY);
    expect(m.knownMinutes).toBe(30);
    expect(m.occupancyAvg).toBe(1);
  });

  it('nothing known: nulls, not zeros', () => {
    const m = occupancyMeasures([C], DAY);
    expect(m).toMatchObject({ occupancyAvg: null, saturatedShare: null, peakOccupancy: null, peakAt: null, knownMinutes: 0 });
    expect(pressureIndex(m)).toBeNull();
    expect(pressureLevel(null)).toBe('unknown');
  });
});
