import { describe, expect, it } from 'vitest';
import { parseBusinessTime } from '../../platform/time.js';
import { activeWindows, isWindowActive, isWindowExpired, windowOverLot, windowOverSource, type WindowRule } from './window-rules.js';

const at = (shanghai: string) => parseBusinessTime(shanghai)!;

const weekly = (over: Partial<WindowRule>): WindowRule => ({
  id: 1, scope: 'all', lotId: null, sourceCode: null, districtCode: null, kind: 'weekly', startsAt: null, endsAt: null,
  daysOfWeek: [3], startMinute: 9 * 60, endMinute: 10 * 60, validFrom: null, validTo: null, ...over,
});

describe('maintenance window rules (Shanghai time)', () => {
  it('reads a one-off window as [start, end)', () => {
    const w = weekly({ kind: 'once', startsAt: at('2026-11-25 09:00:00'), endsAt: at('2026-11-25 11:00:00') });
    expect(isWindowActive(w, at('2026-11-25 08:59:59'))).toBe(false);
    expect(isWindowActive(w, at('2026-11-25 09:00:00'))).toBe(true);
    expect(isWindowActive(w, at('2026-11-25 10:59:59'))).toBe(true);
    expect(isWindowActive(w, at('2026-11-25 11:00:00'))).toBe(false);
    expect(isWindowExpired(w, at('2026-11-25 11:00:00'))).toBe(true);
  });

  it('reads weekly days and hours on the Shanghai clock, not UTC', () => {
    // 2026-11-25 is a Wednesday (ISO 3). 09:30 Shanghai is 01:30 UTC the same day.
    const w = weekly({});
    expect(isWindowActive(w, at('2026-11-25 09:30:00'))).toBe(true);
    expect(isWindowActive(w, new Date('2026-11-25T09:30:00Z'))).toBe(false); // 17:30 Shanghai
    expect(isWindowActive(w, at('2026-11-26 09:30:00'))).toBe(false); // Thursday
    expect(isWindowActive(w, at('2026-12-02 09:59:00'))).toBe(true); // next Wednesday
    expect(isWindowActive(w, at('2026-12-02 10:00:00'))).toBe(false);
  });

  it('runs a window that ends at or before its start past midnight, from its start day', () => {
    // Saturday (6) 22:00 to 02:00.
    const w = weekly({ daysOfWeek: [6], startMinute: 22 * 60, endMinute: 2 * 60 });
    expect(isWindowActive(w, at('2026-11-28 21:59:00'))).toBe(false);
    expect(isWindowActive(w, at('2026-11-28 23:00:00'))).toBe(true);
    expect(isWindowActive(w, at('2026-11-29 01:59:00'))).toBe(true); // Sunday morning: Saturday's occurrence
    expect(isWindowActive(w, at('2026-11-29 02:00:00'))).toBe(false);
    expect(isWindowActive(w, at('2026-11-29 23:00:00'))).toBe(false); // Sunday night: no occurrence
    expect(isWindowActive(w, at('2026-11-28 01:00:00'))).toBe(false); // Saturday morning belongs to Friday
  });

  it('honours validity dates for the day an occurrence starts', () => {
    const w = weekly({ daysOfWeek: [1, 2, 3, 4, 5, 6, 7], startMinute: 23 * 60, endMinute: 60, validFrom: '2026-11-25', validTo: '2026-11-26' });
    expect(isWindowActive(w, at('2026-11-24 23:30:00'))).toBe(false);
    expect(isWindowActive(w, at('2026-11-25 00:30:00'))).toBe(false); // started on the 24th
    expect(isWindowActive(w, at('2026-11-25 23:30:00'))).toBe(true);
    expect(isWindowActive(w, at('2026-11-27 00:30:00'))).toBe(true); // started on the 26th, the last valid day
    expect(isWindowActive(w, at('2026-11-27 23:30:00'))).toBe(false);
    expect(isWindowExpired(w, at('2026-11-27 12:00:00'))).toBe(false);
    expect(isWindowExpired(w, at('2026-11-28 12:00:00'))).toBe(true);
  });

  it('finds the window over a lot by lot, source, district or city', () => {
    const now = at('2026-11-25 09:30:00');
    const rules = [
      weekly({ id: 1, scope: 'lot', lotId: 7 }),
      weekly({ id: 2, scope: 'source', sourceCode: 'S' }),
      weekly({ id: 3, scope: 'district', districtCode: '320612' }),
      weekly({ id: 4, scope: 'district', districtCode: '320602', daysOfWeek: [4] }), // not today
    ];
    const active = activeWindows(rules, now);
    expect(windowOverLot(active, { lotId: 7, sourceCode: 'X', districtCode: '320602' })).toBe(1);
    expect(windowOverLot(active, { lotId: 8, sourceCode: 'S', districtCode: '320602' })).toBe(2);
    expect(windowOverLot(active, { lotId: 8, sourceCode: 'X', districtCode: '320612' })).toBe(3);
    expect(windowOverLot(active, { lotId: 8, sourceCode: 'X', districtCode: '320602' })).toBeNull();
    expect(windowOverSource(active, 'S')).toBe(2);
    expect(windowOverSource(active, 'X')).toBeNull();
    const city = activeWindows([...rules, weekly({ id: 5, scope: 'all' })], now);
    expect(windowOverLot(city, { lotId: 8, sourceCode: 'X', districtCode: '320602' })).toBe(5);
    expect(windowOverSource(city, 'X')).toBe(5);
  });
});
