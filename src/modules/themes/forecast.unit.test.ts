import { describe, expect, it } from 'vitest';
import { backtest, comparableDays, dayClass, FADE_MINUTES, forecastSteps, SLOT_MS, SLOTS_PER_DAY, slotSeries, type Profiles } from './forecast.js';

/* The forecast of docs/指标口径.md 5.9 on hand-made days. */

const sh = (t: string) => Date.parse(`${t}+08:00`);
const flat = (v: number | null) => Array.from({ length: SLOTS_PER_DAY }, () => v);

describe('theme forecast', () => {
  it('classifies days by the official calendar (make-up working days are working days)', () => {
    expect(dayClass('2026-11-25')).toBe('working');
    expect(dayClass('2026-11-28')).toBe('weekend');
    expect(dayClass('2026-10-01')).toBe('holiday');
    expect(dayClass('2026-10-10')).toBe('working'); // 调休上班 (Saturday)
    expect(comparableDays('2026-11-25', 'working', 3)).toEqual(['2026-11-24', '2026-11-23', '2026-11-20']);
    expect(comparableDays('2026-11-29', 'weekend', 3)).toEqual(['2026-11-28', '2026-11-22', '2026-11-21']);
  });

  it('cuts intervals into space-weighted 15-minute slots', () => {
    const t0 = sh('2026-11-25T08:00:00');
    const s = slotSeries([
      { lotId: 1, start: t0, end: t0 + 20 * 60_000, occupied: 50, total: 100 },
      { lotId: 2, start: t0 + 10 * 60_000, end: t0 + 40 * 60_000, occupied: 10, total: 10 },
    ], t0, 4);
    // 08:00–08:15: 50·15 + 10·5 over 100·15 + 10·5; 08:15–08:30: 50·5 + 10·15 over 100·5 + 10·15; 08:30–08:45: 10/10; 08:45: unknown.
    expect(s).toEqual([(750 + 50) / (1500 + 50), (250 + 150) / (500 + 150), 1, null]);
  });

  it('the usual curve of the day type, with today\'s deviation fading', () => {
    const days: Profiles = new Map([
      ['2026-11-24', flat(0.6)], ['2026-11-23', flat(0.8)], // working
      ['2026-11-22', flat(0.2)], // Sunday: not comparable
    ]);
    const now = sh('2026-11-25T10:00:00');
    const f = forecastSteps({ now, recent: 0.9, days, steps: 4 });
    expect(f.map((s) => [s.usual, s.low, s.high])).toEqual(Array(4).fill([0.7, 0.6, 0.8]));
    // Deviation 0.2 fades: e^(−15/90), e^(−30/90) …
    expect(f[0]!.occupancy).toBeCloseTo(0.7 + 0.2 * Math.exp(-15 / FADE_MINUTES), 12);
    expect(f[3]!.occupancy).toBeCloseTo(0.7 + 0.2 * Math.exp(-60 / FADE_MINUTES), 12);
    expect(f[1]!.at - f[0]!.at).toBe(SLOT_MS);
    // Without history: "as now"; without now: the usual curve.
    expect(forecastSteps({ now, recent: 0.5, days: new Map(), steps: 1 })[0]!.occupancy).toBe(0.5);
    expect(forecastSteps({ now, recent: null, days, steps: 1 })[0]!.occupancy).toBeCloseTo(0.7, 12);
  });

  it('backtests one hour ahead on earlier days only', () => {
    // Three working days of the same curve: from the second day on the forecast is exact.
    const from = sh('2026-11-23T00:00:00');
    const day = Array.from({ length: SLOTS_PER_DAY }, (_, k) => 0.3 + 0.5 * Math.sin((Math.PI * k) / SLOTS_PER_DAY));
    const r = backtest([...day, ...day, ...day], from);
    expect(r.points).toBeGreaterThan(SLOTS_PER_DAY * 2);
    expect(r.mae!).toBeLessThan(r.persistenceMae!);
  });
});
