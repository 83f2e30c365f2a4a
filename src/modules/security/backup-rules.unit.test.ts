import { describe, expect, it } from 'vitest';
import { backupDue, backupDueAt, isoWeekOf, nextBackupAt, parseBackupTime, parseRetention, retention, verificationDue } from './backup-rules.js';

const at = (s: string) => new Date(s);
const T0230 = parseBackupTime('02:30')!;

describe('backup schedule (Shanghai time)', () => {
  it('parses HH:MM and refuses the rest', () => {
    expect(parseBackupTime('02:30')).toBe(150);
    expect(parseBackupTime('23:59')).toBe(1439);
    expect(parseBackupTime('24:00')).toBeNull();
    expect(parseBackupTime('2:3')).toBeNull();
    expect(parseBackupTime('noon')).toBeNull();
  });

  it('is due at 02:30 Shanghai (18:30 UTC the day before), once per day', () => {
    // 2026-12-07 02:29 Shanghai: the instant due is 2026-12-06 02:30 Shanghai.
    expect(backupDueAt(at('2026-12-06T18:29:00Z'), T0230).toISOString()).toBe('2026-12-05T18:30:00.000Z');
    expect(backupDueAt(at('2026-12-06T18:30:00Z'), T0230).toISOString()).toBe('2026-12-06T18:30:00.000Z');
    expect(nextBackupAt(at('2026-12-06T18:30:00Z'), T0230).toISOString()).toBe('2026-12-07T18:30:00.000Z');
    const last = at('2026-12-05T18:31:00Z');
    expect(backupDue(at('2026-12-06T18:29:00Z'), T0230, last)).toBe(false);
    expect(backupDue(at('2026-12-06T18:30:00Z'), T0230, last)).toBe(true);
    expect(backupDue(at('2026-12-06T18:30:00Z'), T0230, null)).toBe(true);
  });

  it('tests a restore when none started in the last week (less an hour)', () => {
    expect(verificationDue(at('2026-12-07T00:00:00Z'), null)).toBe(true);
    expect(verificationDue(at('2026-12-07T00:00:00Z'), at('2026-12-01T00:00:00Z'))).toBe(false);
    expect(verificationDue(at('2026-12-07T23:00:00Z'), at('2026-12-01T00:00:00Z'))).toBe(true);
  });
});

describe('retention (daily, weekly, monthly)', () => {
  it('parses daily,weekly,monthly', () => {
    expect(parseRetention('7,4,12')).toEqual({ daily: 7, weekly: 4, monthly: 12 });
    expect(parseRetention('0,4,12')).toBeNull();
    expect(parseRetention('7,4')).toBeNull();
  });

  it('knows ISO weeks across a year end (Shanghai days)', () => {
    expect(isoWeekOf(at('2026-12-31T04:00:00Z'))).toBe('2026-W53');
    expect(isoWeekOf(at('2027-01-04T04:00:00Z'))).toBe('2027-W01');
    // 2026-12-27 Sunday 23:00 UTC is Monday 12-28 in Shanghai.
    expect(isoWeekOf(at('2026-12-27T17:00:00Z'))).toBe('2026-W53');
  });

  it('keeps the newest of each of the last N days, weeks and months; prunes the rest', () => {
    // One backup a day at 02:30 Shanghai for 70 days, plus a second ("backup now") on the last day.
    const backups = Array.from({ length: 70 }, (_, i) => ({ id: i + 1, startedAt: new Date(Date.UTC(2026, 9, 1, 18, 30) + i * 86_400_000) }));
    backups.push({ id: 71, startedAt: new Date(backups[69]!.startedAt.getTime() + 3600_000) });
    const r = retention(backups, { daily: 7, weekly: 4, monthly: 3 });
    const kept = [...r.keep.keys()].sort((a, b) => a - b);
    // Days: 71 (newest of the last day; 70 is the same day's older one) and 64..69.
    expect(r.keep.get(71)).toEqual(['daily', 'weekly', 'monthly']);
    expect(r.keep.has(70)).toBe(false);
    for (const id of [64, 65, 66, 67, 68, 69]) expect(r.keep.get(id)).toContain('daily');
    // Months (Shanghai): 2026-12 → 71, 2026-11 → last day of November, 2026-10 → last of October.
    const shanghaiDay = (id: number) => new Date(backups[id - 1]!.startedAt.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
    const monthly = kept.filter((id) => r.keep.get(id)!.includes('monthly')).map(shanghaiDay);
    expect(monthly).toEqual(['2026-10-31', '2026-11-30', shanghaiDay(71)]);
    expect(kept.filter((id) => r.keep.get(id)!.includes('weekly'))).toHaveLength(4);
    expect(r.prune.length + r.keep.size).toBe(71);
    expect(r.prune).toContain(1);
    expect(r.prune).toContain(70);
  });

  it('always keeps the newest, and nothing of an empty list', () => {
    expect(retention([], { daily: 1, weekly: 0, monthly: 0 })).toEqual({ keep: new Map(), prune: [] });
    const r = retention([{ id: 1, startedAt: at('2026-01-01T00:00:00Z') }, { id: 2, startedAt: at('2026-01-01T01:00:00Z') }], { daily: 1, weekly: 0, monthly: 0 });
    expect([...r.keep.keys()]).toEqual([2]);
    expect(r.prune).toEqual([1]);
  });
});
