import { describe, expect, it } from 'vitest';
import { formatShanghai, parseBusinessTime, shanghaiDay, shanghaiDayStart } from './time.js';

describe('business time', () => {
  it.each([
    ['2026-11-25 10:00:00', '2026-11-25T02:00:00.000Z'],
    ['2026-11-25T10:00:00', '2026-11-25T02:00:00.000Z'],
    ['2026-11-25T10:00:00+08:00', '2026-11-25T02:00:00.000Z'],
    ['2026-11-25T02:00:00Z', '2026-11-25T02:00:00.000Z'],
    ['2026-11-25T02:00:00.123z', '2026-11-25T02:00:00.123Z'],
    ['2026-11-25T03:30:00+0130', '2026-11-25T02:00:00.000Z'],
    ['2026-11-25 10:00', '2026-11-25T02:00:00.000Z'],
    ['2026-01-01 07:59:59', '2025-12-31T23:59:59.000Z'],
  ])('reads %s as %s (naive = Shanghai)', (text, iso) => {
    expect(parseBusinessTime(text)?.toISOString()).toBe(iso);
  });

  it.each(['2026-02-30 10:00:00', '2026-11-25 24:00:00', '2026/11/25 10:00:00', 'yesterday', '', '2026-11-25', '2026-11-25T10:00:00+25:00'])('refuses %s', (text) => {
    expect(parseBusinessTime(text)).toBeNull();
  });

  it('refuses non-strings', () => {
    expect(parseBusinessTime(1764036000)).toBeNull();
    expect(parseBusinessTime(null)).toBeNull();
  });

  it('formats and splits days in Shanghai time', () => {
    const t = new Date('2026-11-25T17:30:00Z');
    expect(formatShanghai(t)).toBe('2026-11-26 01:30:00');
    expect(shanghaiDay(t)).toBe('2026-11-26');
    expect(shanghaiDayStart('2026-11-26')?.toISOString()).toBe('2026-11-25T16:00:00.000Z');
  });
});
