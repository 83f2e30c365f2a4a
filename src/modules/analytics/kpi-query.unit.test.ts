import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import { shiftFor, shiftKey, shiftRange } from './kpi-compare.js';
import { checkQuery, kpiQueryFromParams, parseRange, planSegments, type KpiQuery } from './kpi-query.js';
import { keyOf, periodOfKey, timeKeyTuples, weekKey } from './kpi-time.js';

const iso = (d: Date) => d.toISOString();
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof AppError ? `${e.status} ${e.code}` : `not an AppError: ${String(e)}`;
  }
  return 'no error';
};
const q = (over: Partial<KpiQuery>): KpiQuery => ({ from: '2026-11-01', to: '2026-11-30', groupBy: [], ...over });

describe('KPI query parameters', () => {
  it('reads dates as Shanghai days, a date `to` including its whole day', () => {
    const r = parseRange('2026-11-01', '2026-11-30', false);
    expect(iso(r.from)).toBe('2026-10-31T16:00:00.000Z');
    expect(iso(r.to)).toBe('2026-11-30T16:00:00.000Z');
    // one day: from = to
    const day = parseRange('2026-11-24', '2026-11-24', false);
    expect(day.to.getTime() - day.from.getTime()).toBe(86_400_000);
  });

  it('reads ISO times as instants, a time `to` exclusive; no offset = Shanghai', () => {
    const r = parseRange('2026-11-24T08:00:00+08:00', '2026-11-24 12:00:00', false);
    expect(iso(r.from)).toBe('2026-11-24T00:00:00.000Z');
    expect(iso(r.to)).toBe('2026-11-24T04:00:00.000Z');
    expect(iso(parseRange('2026-11-24', '2026-11-24T10:00:00Z', false).to)).toBe('2026-11-24T10:00:00.000Z');
  });

  it('refuses bad periods with codes', () => {
    expect(code(() => parseRange('', '2026-11-01', false))).toBe('400 BAD_PERIOD');
    expect(code(() => parseRange('2026-11-01', '', false))).toBe('400 BAD_PERIOD');
    expect(code(() => parseRange('2026-02-30', '2026-03-01', false))).toBe('400 BAD_PERIOD');
    expect(code(() => parseRange('yesterday', '2026-03-01', false))).toBe('400 BAD_PERIOD');
    expect(code(() => parseRange('2026-11-02', '2026-11-01', false))).toBe('400 BAD_PERIOD');
    // the finest rollup is the hour: a bound inside an hour cannot be answered exactly
    expect(code(() => parseRange('2026-11-24T08:30:00+08:00', '2026-11-25', false))).toBe('400 BAD_PERIOD');
    // equal instants: empty range
    expect(code(() => parseRange('2026-11-02T00:00:00+08:00', '2026-11-02', false))).toBe('no error');
    expect(code(() => parseRange('2026-11-02T00:00:00+08:00', '2026-11-02T00:00:00+08:00', false))).toBe('400 BAD_PERIOD');
    expect(code(() => parseRange('2023-01-01', '2025-12-31', false))).toBe('no error');
    expect(code(() => parseRange('2023-01-01', '2026-01-01', false))).toBe('400 RANGE_TOO_LONG');
    expect(code(() => parseRange('2026-01-01', '2026-04-02', true))).toBe('no error'); // 92 days
    expect(code(() => parseRange('2026-01-01', '2026-04-03', true))).toBe('400 RANGE_TOO_LONG');
  });

  it('splits the query string and checks names', () => {
    const p = kpiQueryFromParams({ from: '2026-11-01', to: '2026-11-02', groupBy: 'district, day', lot: 'A,B', compare: 'yoy', top: '10', sort: 'entries' });
    expect(p).toMatchObject({ groupBy: ['district', 'day'], lot: ['A', 'B'], compare: ['yoy'], top: 10, sort: 'entries' });
    expect(code(() => checkQuery(p))).toBe('no error');
    expect(code(() => kpiQueryFromParams({ from: '2026-11-01', to: '2026-11-02', lot: 'A,B,' }))).toBe('400 UNKNOWN_LOT'); // an empty item (platform/query-list.ts)
    expect(code(() => checkQuery(q({ groupBy: ['weekday' as never] })))).toBe('400 BAD_GROUP_BY');
    expect(code(() => checkQuery(q({ category: ['casino'] })))).toBe('400 BAD_CATEGORY');
    expect(code(() => checkQuery(q({ compare: ['mom' as never] })))).toBe('400 BAD_COMPARE');
    expect(code(() => checkQuery(kpiQueryFromParams({ from: '2026-11-01', to: '2026-11-02', top: 'ten' })))).toBe('400 BAD_TOP');
    expect(code(() => checkQuery(q({ top: 0 })))).toBe('400 BAD_TOP');
    expect(code(() => checkQuery(q({ sort: 'revenue' as never })))).toBe('400 BAD_SORT');
    expect(code(() => checkQuery(q({ from: '2026-01-01', to: '2026-12-31', groupBy: ['hour'] })))).toBe('400 RANGE_TOO_LONG');
    expect(checkQuery(q({ groupBy: ['day', 'lot', 'day'] })).groupBy).toEqual(['day', 'lot']);
  });
});

describe('grain choice', () => {
  const plan = (from: string, to: string, groupBy: KpiQuery['groupBy'] = []) => {
    const p = planSegments(parseRange(from, to, false), groupBy);
    return { grain: p.grain, segments: p.segments.map((s) => `${s.grain} ${iso(s.from).slice(0, 13)}→${iso(s.to).slice(0, 13)}`) };
  };
  it('reads whole months from month rows, unless days or weeks are grouped', () => {
    expect(plan('2026-01-01', '2026-03-31')).toEqual({ grain: 'month', segments: ['month 2025-12-31T16→2026-03-31T16'] });
    expect(plan('2026-01-01', '2026-03-31', ['month', 'lot']).grain).toBe('month');
    expect(plan('2026-01-01', '2026-03-31', ['day']).grain).toBe('day');
    expect(plan('2026-01-01', '2026-03-31', ['week']).grain).toBe('day');
  });
  it('reads the partial months at the ends from day rows, partial days from hour rows', () => {
    expect(plan('2026-01-15', '2026-03-31')).toEqual({ grain: 'day', segments: ['day 2026-01-14T16→2026-01-31T16', 'month 2026-01-31T16→2026-03-31T16'] });
    expect(plan('2026-11-24', '2026-11-25').grain).toBe('day');
    expect(plan('2026-11-24T08:00:00+08:00', '2026-11-27T10:00:00+08:00')).toEqual({
      grain: 'hour',
      segments: ['hour 2026-11-24T00→2026-11-24T16', 'day 2026-11-24T16→2026-11-26T16', 'hour 2026-11-26T16→2026-11-27T02'],
    });
    expect(plan('2026-11-24T08:00:00+08:00', '2026-11-24T12:00:00+08:00').segments).toEqual(['hour 2026-11-24T00→2026-11-24T04']);
    expect(plan('2026-11-24', '2026-11-25', ['hour', 'lot']).grain).toBe('hour');
  });
});

describe('Shanghai period keys', () => {
  it('writes hour, day, week and month keys of the Shanghai wall clock', () => {
    const t = new Date('2026-11-23T16:30:00Z'); // 2026-11-24 00:30 Shanghai
    expect(keyOf('hour', t)).toBe('2026-11-24T00:00:00+08:00');
    expect(keyOf('day', t)).toBe('2026-11-24');
    expect(keyOf('week', t)).toBe('2026-W48');
    expect(keyOf('month', new Date('2026-11-30T16:00:00Z'))).toBe('2026-12');
  });
  it('numbers ISO weeks across a year boundary', () => {
    // 2026-12-31 is a Thursday: week 53 of 2026; 2027-01-03 (Sunday) still 2026-W53; 2027-01-04 is 2027-W01.
    expect(weekKey(new Date('2026-12-31T04:00:00Z'))).toBe('2026-W53');
    expect(weekKey(new Date('2027-01-03T04:00:00Z'))).toBe('2026-W53');
    expect(weekKey(new Date('2027-01-04T04:00:00Z'))).toBe('2027-W01');
    // 2024-12-30 (Monday) belongs to 2025-W01.
    expect(weekKey(new Date('2024-12-30T04:00:00Z'))).toBe('2025-W01');
    expect(iso(periodOfKey('week', '2025-W01')!.start)).toBe('2024-12-29T16:00:00.000Z');
    expect(iso(periodOfKey('week', '2026-W53')!.end)).toBe('2027-01-03T16:00:00.000Z');
    const tuples = timeKeyTuples(['week'], parseRange('2026-12-28', '2027-01-05', false).from, parseRange('2026-12-28', '2027-01-05', false).to);
    expect(tuples.map((t) => t.keys[0])).toEqual(['2026-W53', '2027-W01']);
  });
  it('round-trips keys to periods', () => {
    for (const [k, key] of [['hour', '2026-03-01T23:00:00+08:00'], ['day', '2028-02-29'], ['month', '2026-12'], ['week', '2026-W01']] as const) {
      expect(keyOf(k, periodOfKey(k, key)!.start)).toBe(key);
    }
  });
});

describe('comparison shifts', () => {
  it('yoy moves by a calendar year, pop by whole months or by the range length', () => {
    const month = parseRange('2026-03-01', '2026-03-31', false);
    expect(shiftFor('yoy', month)).toEqual({ months: 12 });
    expect(shiftFor('pop', month)).toEqual({ months: 1 });
    const prev = shiftRange(month, shiftFor('pop', month));
    expect([iso(prev.from), iso(prev.to)]).toEqual(['2026-01-31T16:00:00.000Z', '2026-02-28T16:00:00.000Z']);
    const week = parseRange('2026-11-16', '2026-11-22', false);
    expect(shiftFor('pop', week)).toEqual({ ms: 7 * 86_400_000 });
    const leap = shiftRange(parseRange('2028-02-29', '2028-02-29', false), { months: 12 });
    expect(iso(leap.from)).toBe('2027-02-27T16:00:00.000Z'); // 29 Feb → 28 Feb
  });
  it('shifts keys to the matching period', () => {
    const start = (k: 'hour' | 'day' | 'week' | 'month', key: string) => periodOfKey(k, key)!.start;
    expect(shiftKey('day', '2026-11-24', start('day', '2026-11-24'), { months: 12 })).toBe('2025-11-24');
    expect(shiftKey('day', '2028-02-29', start('day', '2028-02-29'), { months: 12 })).toBeNull();
    expect(shiftKey('week', '2026-W48', start('week', '2026-W48'), { months: 12 })).toBe('2025-W48');
    expect(shiftKey('month', '2026-03', start('month', '2026-03'), { months: 1 })).toBe('2026-02');
    expect(shiftKey('hour', '2026-11-24T08:00:00+08:00', start('hour', '2026-11-24T08:00:00+08:00'), { ms: 86_400_000 })).toBe('2026-11-23T08:00:00+08:00');
    expect(shiftKey('week', '2026-W48', start('week', '2026-W48'), { ms: 14 * 86_400_000 })).toBe('2026-W46');
  });
});
