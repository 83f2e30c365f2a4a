import { describe, expect, it } from 'vitest';
import { addBusinessMinutes, businessMinutesBetween } from '../../platform/calendar/business-time.js';
import { formatShanghai, parseBusinessTime } from '../../platform/time.js';
import { readSlaClock, slaDeadlines, type PauseInterval, type SlaClockInput } from './clock.js';

const t = (text: string) => parseBusinessTime(text)!;
const sh = (d: Date | null) => (d ? formatShanghai(d).slice(0, 16) : null);
const pause = (from: string, to: string | null): PauseInterval => ({ from: t(from), to: to ? t(to) : null });

// Monday 2026-11-23 09:00, 4 working hours (三级 response): due 14:30 (3 h before lunch, 1 h after).
const base: SlaClockInput = { calendar: 'business', targetMinutes: 240, startedAt: t('2026-11-23 09:00') };

describe('SLA clock without pauses', () => {
  it('is due after the target on its calendar, warns at 80 %', () => {
    const d = slaDeadlines(base);
    expect(sh(d.dueAt)).toBe('2026-11-23 14:30');
    expect(sh(d.warnAt)).toBe('2026-11-23 13:42'); // 192 business minutes
  });

  it('reads elapsed and remaining time', () => {
    const r = readSlaClock(base, t('2026-11-23 13:00'));
    expect(r).toMatchObject({ elapsedMinutes: 180, remainingMinutes: 60, pausedMinutes: 0, paused: false, completed: false, breached: false, breachedAt: null });
    expect(readSlaClock(base, t('2026-11-23 08:00'))).toMatchObject({ elapsedMinutes: 0, remainingMinutes: 240 });
  });

  it('breaches strictly after the due time, also outside business hours', () => {
    expect(readSlaClock(base, t('2026-11-23 14:30')).breached).toBe(false);
    const late = readSlaClock(base, t('2026-11-23 14:30:01'));
    expect(late.breached).toBe(true);
    expect(sh(late.breachedAt)).toBe('2026-11-23 14:30');
    const night = readSlaClock({ ...base, targetMinutes: 420 }, t('2026-11-23 20:00')); // due 17:30
    expect(night).toMatchObject({ elapsedMinutes: 420, remainingMinutes: 0, breached: true });
  });

  it('is on time when completed at the due time, late after it', () => {
    expect(readSlaClock({ ...base, completedAt: t('2026-11-23 14:30') }, t('2026-11-30 10:00'))).toMatchObject({ completed: true, breached: false, elapsedMinutes: 240 });
    expect(readSlaClock({ ...base, completedAt: t('2026-11-23 15:00') }, t('2026-11-30 10:00'))).toMatchObject({ completed: true, breached: true, elapsedMinutes: 270 });
    expect(readSlaClock({ ...base, completedAt: t('2026-11-23 15:00') }, t('2026-11-23 14:00'))).toMatchObject({ completed: false, breached: false });
  });

  it('warns a fixed time before due', () => {
    expect(sh(slaDeadlines({ ...base, warn: { minutesBefore: 30 } }).warnAt)).toBe('2026-11-23 14:00');
    expect(sh(slaDeadlines({ ...base, warn: { minutesBefore: 500 } }).warnAt)).toBe('2026-11-23 09:00');
    expect(sh(slaDeadlines({ ...base, warn: { fraction: 0.5 } }).warnAt)).toBe('2026-11-23 11:00');
    expect(() => slaDeadlines({ ...base, warn: { fraction: 1 } })).toThrow(RangeError);
    expect(() => slaDeadlines({ ...base, targetMinutes: 0 })).toThrow(RangeError);
  });

  it('runs around the clock on 24×7 (一级 respond 15 min)', () => {
    const sev1: SlaClockInput = { calendar: '24x7', targetMinutes: 15, startedAt: t('2026-02-17 02:10') };
    expect(sh(slaDeadlines(sev1).dueAt)).toBe('2026-02-17 02:25');
    expect(sh(slaDeadlines(sev1).warnAt)).toBe('2026-02-17 02:22');
  });
});

describe('SLA clock with pauses', () => {
  it('moves the due time by the business time paused', () => {
    expect(sh(slaDeadlines({ ...base, pauses: [pause('2026-11-23 10:00', '2026-11-23 11:00')] }).dueAt)).toBe('2026-11-23 15:30');
    // Over lunch only the business half-hours count: 11:30–12:00 and 13:30–14:00.
    expect(sh(slaDeadlines({ ...base, pauses: [pause('2026-11-23 11:30', '2026-11-23 14:00')] }).dueAt)).toBe('2026-11-23 15:30');
    // A pause held wholly outside business hours moves nothing.
    const r = { ...base, targetMinutes: 600, pauses: [pause('2026-11-23 18:00', '2026-11-24 08:00')] };
    expect(sh(slaDeadlines(r).dueAt)).toBe(sh(slaDeadlines({ ...base, targetMinutes: 600 }).dueAt));
  });

  it('moves over a night and a holiday by business time only', () => {
    // Friday 2026-02-13 09:00, 1 working day; waiting for the citizen from 17:00 to the 24th 09:00:
    // paused business time = 30 (13th) + 450 (14th, 调休) + 30 (24th) = 510.
    const input: SlaClockInput = { calendar: 'business', targetMinutes: 450, startedAt: t('2026-02-13 09:00'), pauses: [pause('2026-02-13 17:00', '2026-02-24 09:00')] };
    const r = readSlaClock(input, t('2026-02-24 09:00'));
    expect(r.pausedMinutes).toBe(510);
    expect(r.elapsedMinutes).toBe(390); // 09:00–12:00, 13:30–17:00
    expect(sh(r.dueAt)).toBe('2026-02-24 10:00');
  });

  it('has no due time while a pause that began before it is open', () => {
    const input = { ...base, pauses: [pause('2026-11-23 10:00', null)] };
    const r = readSlaClock(input, t('2026-11-25 10:00'));
    expect(r).toMatchObject({ dueAt: null, paused: true, breached: false, elapsedMinutes: 60, remainingMinutes: 180 });
    expect(r.pausedMinutes).toBe(businessMinutesBetween(t('2026-11-23 10:00'), t('2026-11-25 10:00')));
    // the warning (192 min) was not reached either
    expect(r.warnAt).toBeNull();
  });

  it('keeps a due time that passed before the pause began (no breach is undone)', () => {
    const r = readSlaClock({ ...base, pauses: [pause('2026-11-23 16:00', null)] }, t('2026-11-24 10:00'));
    expect(sh(r.dueAt)).toBe('2026-11-23 14:30');
    expect(r).toMatchObject({ paused: true, breached: true });
  });

  it('merges overlapping pauses and ignores time before the start', () => {
    const input = {
      ...base,
      pauses: [pause('2026-11-23 08:00', '2026-11-23 09:30'), pause('2026-11-23 10:00', '2026-11-23 10:40'), pause('2026-11-23 10:20', '2026-11-23 11:00')],
    };
    // 30 min (09:00–09:30) + 60 min (10:00–11:00)
    expect(readSlaClock(input, t('2026-11-23 12:00')).pausedMinutes).toBe(90);
    expect(sh(slaDeadlines(input).dueAt)).toBe('2026-11-23 16:00');
  });

  it('counts a pause from its first instant', () => {
    const r = readSlaClock({ ...base, pauses: [pause('2026-11-23 10:00', null)] }, t('2026-11-23 10:00'));
    expect(r).toMatchObject({ paused: true, elapsedMinutes: 60 });
  });

  it('holds elapsed = target exactly at the due time for random pauses', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    for (let i = 0; i < 200; i++) {
      const start = new Date(t('2026-01-01 00:00').getTime() + Math.floor(random() * 360) * 86_400_000 + Math.floor(random() * 1440) * 60_000);
      const pauses: PauseInterval[] = [];
      let cursor = start.getTime();
      for (let k = Math.floor(random() * 4); k > 0; k--) {
        const from = cursor + Math.floor(random() * 3 * 1440) * 60_000;
        const to = from + Math.floor(random() * 2 * 1440) * 60_000;
        pauses.push({ from: new Date(from), to: new Date(to) });
        cursor = to;
      }
      const input: SlaClockInput = { calendar: random() < 0.7 ? 'business' : '24x7', targetMinutes: 1 + Math.floor(random() * 3000), startedAt: start, pauses };
      const { dueAt } = slaDeadlines(input);
      const atDue = readSlaClock(input, dueAt!);
      expect(atDue.elapsedMinutes).toBe(input.targetMinutes);
      expect(atDue.breached).toBe(false);
      expect(readSlaClock(input, new Date(dueAt!.getTime() + 1)).breached).toBe(true);
      // without pauses the due time is never later
      expect(slaDeadlines({ ...input, pauses: [] }).dueAt!.getTime()).toBeLessThanOrEqual(dueAt!.getTime());
      expect(addBusinessMinutes(start, input.targetMinutes, input.calendar).getTime()).toBe(slaDeadlines({ ...input, pauses: [] }).dueAt!.getTime());
    }
  });
});
