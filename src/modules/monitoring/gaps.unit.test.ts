import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import { clipGaps, coveragePercent, findGaps, observedMs, silences, type GapWindow } from './gaps.js';
import { assertMonthStarted, parseMonth } from './month.js';

/*
 * The gap definition, by hand-computed cases. November 2026 in Shanghai is
 * [2026-10-31T16:00Z, 2026-11-30T16:00Z); the default threshold is 120 minutes.
 */

const NOV = parseMonth('2026-11');
const OCT = parseMonth('2026-10');
const AFTER = new Date('2026-12-05T00:00:00Z'); // a "now" well after November
const win = (m = NOV, now = AFTER, thresholdMinutes = 120): GapWindow => ({ from: m.start, to: m.end, now, thresholdMinutes });
const z = (t: string) => new Date(t);
const gap = (from: string, to: string, minutes: number) => ({ from: z(from).toISOString(), to: z(to).toISOString(), minutes });

describe('parseMonth', () => {
  it('takes YYYY-MM as the Shanghai calendar month', () => {
    expect(NOV).toMatchObject({ month: '2026-11', label: '2026年11月', days: 30 });
    expect(NOV.start.toISOString()).toBe('2026-10-31T16:00:00.000Z');
    expect(NOV.end.toISOString()).toBe('2026-11-30T16:00:00.000Z');
    const dec = parseMonth('2026-12');
    expect([dec.start.toISOString(), dec.end.toISOString(), dec.days, dec.label]).toEqual(['2026-11-30T16:00:00.000Z', '2026-12-31T16:00:00.000Z', 31, '2026年12月']);
    expect(parseMonth('2028-02').days).toBe(29);
    expect(parseMonth(' 2027-02 ').days).toBe(28);
  });

  it('refuses anything else with 400 INVALID_MONTH', () => {
    for (const bad of ['2026-13', '2026-00', '2026-1', '202611', '2026/11', '', 'abc', '1999-12', '2026-11-01', undefined, 202611]) {
      let err: unknown;
      try {
        parseMonth(bad);
      } catch (e) {
        err = e;
      }
      expect(err, String(bad)).toBeInstanceOf(AppError);
      expect((err as AppError).status).toBe(400);
      expect((err as AppError).code).toBe('INVALID_MONTH');
    }
  });

  it('refuses a month that has not begun (MONTH_NOT_STARTED)', () => {
    expect(() => assertMonthStarted(NOV, z('2026-10-31T15:59:59Z'))).toThrow(expect.objectContaining({ code: 'MONTH_NOT_STARTED', status: 400 }));
    expect(() => assertMonthStarted(NOV, z('2026-10-31T16:00:00Z'))).not.toThrow();
  });
});

describe('findGaps', () => {
  it('splits a gap across Shanghai midnight at the start of the month between the two reports', () => {
    // 23:00 on 31 October and 03:00 on 1 November, Shanghai time: four silent hours.
    const events = ['2026-10-31T15:00:00Z', '2026-10-31T19:00:00Z'];
    const now = z('2026-10-31T20:00:00Z');
    expect(findGaps(events, win(NOV, now))).toEqual([gap('2026-10-31T16:00:00Z', '2026-10-31T19:00:00Z', 180)]);
    expect(findGaps(events, win(OCT, now))).toEqual([gap('2026-10-31T15:00:00Z', '2026-10-31T16:00:00Z', 60)]);
  });

  it('lists a gap by its whole length even when only a part of it lies in the month', () => {
    // 3 hours from 21:30 to 00:30 Shanghai: 30 minutes are in November, 150 in October.
    const events = ['2026-10-31T13:30:00Z', '2026-10-31T16:30:00Z', '2026-10-31T17:00:00Z'];
    const now = z('2026-10-31T17:30:00Z');
    expect(findGaps(events, win(NOV, now))).toEqual([gap('2026-10-31T16:00:00Z', '2026-10-31T16:30:00Z', 30)]);
    expect(findGaps(events, win(OCT, now))).toEqual([gap('2026-10-31T13:30:00Z', '2026-10-31T16:00:00Z', 150)]);
  });

  it('splits a gap across the end of the month (Shanghai midnight of 1 December)', () => {
    const events = ['2026-11-30T14:00:00Z', '2026-11-30T19:00:00Z'];
    const now = z('2026-11-30T20:00:00Z');
    expect(findGaps(events, win(NOV, now))).toEqual([gap('2026-11-30T14:00:00Z', '2026-11-30T16:00:00Z', 120)]);
    expect(findGaps(events, win(parseMonth('2026-12'), now))).toEqual([gap('2026-11-30T16:00:00Z', '2026-11-30T19:00:00Z', 180)]);
  });

  it('does not list a gap that ends exactly where the month begins', () => {
    expect(findGaps(['2026-10-31T10:00:00Z', '2026-10-31T16:00:00Z', '2026-10-31T17:00:00Z'], win(NOV, z('2026-10-31T17:30:00Z')))).toEqual([]);
  });

  it('needs strictly more than the threshold: exactly the threshold is no gap', () => {
    const now = win(NOV, z('2026-11-10T03:30:00Z'));
    expect(findGaps(['2026-11-10T00:00:00Z', '2026-11-10T02:00:00Z', '2026-11-10T03:00:00Z'], now)).toEqual([]);
    expect(findGaps(['2026-11-10T00:00:00Z', '2026-11-10T02:00:00.001Z', '2026-11-10T03:00:00Z'], now)).toEqual([gap('2026-11-10T00:00:00Z', '2026-11-10T02:00:00.001Z', 120)]);
    // The lot's own threshold.
    const soon = z('2026-11-10T01:10:00Z');
    expect(findGaps(['2026-11-10T00:00:00Z', '2026-11-10T00:31:00Z', '2026-11-10T01:00:00Z'], win(NOV, soon, 30))).toEqual([gap('2026-11-10T00:00:00Z', '2026-11-10T00:31:00Z', 31)]);
    expect(findGaps(['2026-11-10T00:00:00Z', '2026-11-10T00:31:00Z', '2026-11-10T01:00:00Z'], win(NOV, soon, 31))).toEqual([]);
  });

  it('rounds minutes down, and still lists a gap that overlaps the month by less than a minute', () => {
    expect(findGaps(['2026-11-10T00:00:00Z', '2026-11-10T02:30:59.999Z', '2026-11-10T03:00:00Z'], win(NOV, z('2026-11-10T03:30:00Z')))).toEqual([gap('2026-11-10T00:00:00Z', '2026-11-10T02:30:59.999Z', 150)]);
    expect(findGaps(['2026-10-31T13:00:00Z', '2026-10-31T16:00:30Z', '2026-10-31T16:30:00Z'], win(NOV, z('2026-10-31T17:00:00Z')))).toEqual([gap('2026-10-31T16:00:00Z', '2026-10-31T16:00:30Z', 0)]);
  });

  it('counts the silence after the last event up to now as a gap, by its whole length', () => {
    const mid = z('2026-11-20T10:00:00Z');
    expect(findGaps(['2026-11-20T06:59:00Z'], win(NOV, mid))).toEqual([gap('2026-11-20T06:59:00Z', '2026-11-20T10:00:00Z', 181)]);
    expect(findGaps(['2026-11-20T08:00:00Z'], win(NOV, mid))).toEqual([]); // exactly 120 minutes
    expect(findGaps(['2026-11-20T07:59:59Z'], win(NOV, mid))).toEqual([gap('2026-11-20T07:59:59Z', '2026-11-20T10:00:00Z', 120)]);
    // A past month: the silence runs on to now, so it qualifies, and is cut at the month end.
    expect(findGaps(['2026-11-30T15:30:00Z'], win(NOV, AFTER))).toEqual([gap('2026-11-30T15:30:00Z', '2026-11-30T16:00:00Z', 30)]);
    // ...unless data came shortly after the month end: then it is a 40-minute interval, no gap.
    expect(findGaps(['2026-11-30T15:30:00Z', '2026-11-30T16:10:00Z'], win(NOV, AFTER))).toEqual([]);
    // A report asked for just after the silence began: not yet longer than the threshold.
    expect(findGaps(['2026-11-30T15:30:00Z'], win(NOV, z('2026-11-30T17:00:00Z')))).toEqual([]);
  });

  it('reports a month that is still running up to now', () => {
    const now = z('2026-11-15T04:00:00Z');
    const events = ['2026-11-10T00:00:00Z', '2026-11-14T00:00:00Z', '2026-11-15T03:00:00Z', '2026-11-15T04:03:00Z']; // the last one a few minutes ahead of now
    expect(findGaps(events, win(NOV, now))).toEqual([gap('2026-11-10T00:00:00Z', '2026-11-14T00:00:00Z', 5760), gap('2026-11-14T00:00:00Z', '2026-11-15T03:00:00Z', 1620)]);
    // Data ahead of now never stretches the report past now.
    expect(findGaps(['2026-11-15T03:50:00Z', '2026-11-15T06:00:00Z'], win(NOV, now))).toEqual([gap('2026-11-15T03:50:00Z', '2026-11-15T04:00:00Z', 10)]);
  });

  it('has nothing for a lot without events, or with events only after the month', () => {
    expect(findGaps([], win())).toEqual([]);
    expect(findGaps(['2026-12-01T00:00:00Z', '2026-12-03T00:00:00Z'], win(NOV))).toEqual([]);
    // The first event in the middle of the month: the time before it is not a gap.
    expect(findGaps(['2026-11-15T00:00:00Z', '2026-11-15T01:00:00Z', '2026-12-01T00:00:00Z'], win(NOV))).toEqual([gap('2026-11-15T01:00:00Z', '2026-11-30T16:00:00Z', 22500)]);
  });

  it('covers the whole month for a lot whose events all lie before it', () => {
    const events = ['2026-10-20T00:00:00Z', '2026-10-21T00:00:00Z'];
    expect(findGaps(events, win(NOV))).toEqual([gap('2026-10-31T16:00:00Z', '2026-11-30T16:00:00Z', 43200)]);
    expect(findGaps(events, win(NOV, z('2026-11-02T16:00:00Z')))).toEqual([gap('2026-10-31T16:00:00Z', '2026-11-02T16:00:00Z', 2880)]);
  });

  it('treats duplicates at the same instant and unsorted input as one timeline', () => {
    const events = ['2026-11-10T03:00:00Z', '2026-11-10T00:00:00Z', '2026-11-10T03:00:00Z', '2026-11-10T00:00:00Z', '2026-11-10T03:30:00Z'];
    expect(findGaps(events, win(NOV, z('2026-11-10T04:00:00Z')))).toEqual([gap('2026-11-10T00:00:00Z', '2026-11-10T03:00:00Z', 180)]);
    expect(findGaps(events.map(z), win(NOV, z('2026-11-10T04:00:00Z')))).toEqual(findGaps(events.map((e) => Date.parse(e)), win(NOV, z('2026-11-10T04:00:00Z'))));
    expect(findGaps(['2026-11-10T00:00:00Z', '2026-11-10T00:00:00Z'], win(NOV, z('2026-11-10T01:00:00Z')))).toEqual([]);
  });

  it('gives the same gaps from the silences SQL would find as from the whole timeline', () => {
    const events = ['2026-10-01T00:00:00Z', '2026-10-31T12:00:00Z', '2026-11-03T00:00:00Z', '2026-11-03T01:00:00Z', '2026-11-29T00:00:00Z', '2026-12-02T00:00:00Z'];
    const long = silences(events, AFTER).filter((s) => s.to - s.from > 120 * 60_000);
    expect(clipGaps(long, win())).toEqual(findGaps(events, win()));
    expect(findGaps(events, win())).toEqual([
      gap('2026-10-31T16:00:00Z', '2026-11-03T00:00:00Z', 3360),
      gap('2026-11-03T01:00:00Z', '2026-11-29T00:00:00Z', 37380),
      gap('2026-11-29T00:00:00Z', '2026-11-30T16:00:00Z', 2400),
    ]);
  });
});

describe('coveragePercent', () => {
  it('is the observed time not in gaps, from the first event ever (or the month start) to the month end or now', () => {
    // Hourly data from 16 November 00:00 Shanghai (15 days before the month end) but for 36
    // silent hours: 324 of 360 observed hours covered, 90 %.
    const hour = 3_600_000;
    const first = Date.parse('2026-11-15T16:00:00Z');
    const events = Array.from({ length: 361 }, (_, i) => first + i * hour).filter((t) => t <= Date.parse('2026-11-20T00:00:00Z') || t >= Date.parse('2026-11-21T12:00:00Z'));
    const gaps = findGaps(events, win());
    expect(gaps).toEqual([gap('2026-11-20T00:00:00Z', '2026-11-21T12:00:00Z', 2160)]);
    expect(observedMs(first, win())).toBe(15 * 86_400_000);
    expect(coveragePercent(first, gaps, win())).toBe(90);
    // Events before the month: observed from the month start, the whole month.
    expect(observedMs('2026-01-01T00:00:00Z', win())).toBe(30 * 86_400_000);
    // Silent all month after data in October: 0 %.
    expect(coveragePercent('2026-10-20T00:00:00Z', findGaps(['2026-10-20T00:00:00Z'], win()), win())).toBe(0);
    // One decimal, rounded: 59 covered minutes of 180 observed = 32.77… → 32.8.
    const now = z('2026-11-01T19:00:00Z');
    const short = ['2026-11-01T16:00:00Z', '2026-11-01T18:01:00Z', '2026-11-01T18:59:00Z'];
    expect(findGaps(short, win(NOV, now, 120))).toEqual([gap('2026-11-01T16:00:00Z', '2026-11-01T18:01:00Z', 121)]);
    expect(coveragePercent(short[0]!, findGaps(short, win(NOV, now, 120)), win(NOV, now, 120))).toBe(32.8); // 59/180 = 32.78
  });

  it('is null when nothing was observed', () => {
    expect(coveragePercent(null, [], win())).toBeNull();
    expect(coveragePercent('2026-12-01T00:00:00Z', [], win())).toBeNull(); // first event after the month
    expect(coveragePercent('2026-11-30T16:00:00Z', [], win())).toBeNull(); // exactly at the month end
  });
});
