/*
 * When the server backs itself up, which backups it keeps, and when it proves one restores
 * (docs/security-operations.md, "Scheduled backups"). Pure: the clock is passed in; Shanghai
 * time is UTC+8 all year (no daylight saving), so a Shanghai day is the UTC day of t + 8 h.
 */
import type { RetentionPolicy } from '../../config.js';

export { DEFAULT_BACKUP_TIME, DEFAULT_RETENTION, parseBackupTime, parseRetention, type RetentionPolicy } from '../../config.js';

const SHANGHAI_MS = 8 * 3600_000;
const DAY_MS = 24 * 3600_000;

/** A week between restore tests, less an hour so that the test after a daily backup is never a day late. */
export const VERIFY_EVERY_MS = 7 * DAY_MS - 3600_000;

/** The scheduled instant the backup of `now` is for: today's `HH:MM` Shanghai, or yesterday's if not yet reached. */
export function backupDueAt(now: Date, minutesOfDay: number): Date {
  const local = now.getTime() + SHANGHAI_MS;
  const dayStart = local - (((local % DAY_MS) + DAY_MS) % DAY_MS);
  let due = dayStart + minutesOfDay * 60_000;
  if (due > local) due -= DAY_MS;
  return new Date(due - SHANGHAI_MS);
}

/** The next scheduled instant after `now`. */
export function nextBackupAt(now: Date, minutesOfDay: number): Date {
  return new Date(backupDueAt(now, minutesOfDay).getTime() + DAY_MS);
}

/** A scheduled backup is due when none has started since the latest scheduled instant. */
export function backupDue(now: Date, minutesOfDay: number, lastScheduledStart: Date | null): boolean {
  return lastScheduledStart === null || lastScheduledStart.getTime() < backupDueAt(now, minutesOfDay).getTime();
}

/** The weekly restore test is due when none (scheduled or by hand) has started in the last week. */
export function verificationDue(now: Date, lastVerificationStart: Date | null): boolean {
  return lastVerificationStart === null || now.getTime() - lastVerificationStart.getTime() >= VERIFY_EVERY_MS;
}

const shanghaiDay = (t: Date) => new Date(t.getTime() + SHANGHAI_MS).toISOString().slice(0, 10);
/** ISO week (Monday first) of the Shanghai day, as `YYYY-Www`. */
function isoWeek(t: Date): string {
  const d = new Date(`${shanghaiDay(t)}T00:00:00Z`);
  const dow = (d.getUTCDay() + 6) % 7; // Monday 0
  d.setUTCDate(d.getUTCDate() - dow + 3); // the week's Thursday decides its year
  const year = d.getUTCFullYear();
  const week = Math.ceil(((d.getTime() - Date.UTC(year, 0, 1)) / DAY_MS + 1) / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}
const month = (t: Date) => shanghaiDay(t).slice(0, 7);

export type RetentionTier = 'daily' | 'weekly' | 'monthly';

export interface RetentionDecision {
  /** Kept backups with the tiers that keep them (a backup may be the daily, weekly and monthly one). */
  keep: Map<number, RetentionTier[]>;
  prune: number[];
}

/**
 * Grandfather-father-son retention over good backups (scheduled and by hand alike): the newest
 * backup of each of the last `daily` Shanghai days that have one, of the last `weekly` ISO weeks
 * and of the last `monthly` months. The newest backup is always kept. Everything else is pruned.
 */
export function retention(backups: readonly { id: number; startedAt: Date }[], policy: RetentionPolicy): RetentionDecision {
  const sorted = [...backups].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime() || b.id - a.id);
  const keep = new Map<number, RetentionTier[]>();
  const tier = (name: RetentionTier, count: number, bucket: (t: Date) => string) => {
    const seen = new Set<string>();
    for (const b of sorted) {
      const key = bucket(b.startedAt);
      if (seen.has(key)) continue;
      if (seen.size >= count) break;
      seen.add(key);
      keep.set(b.id, [...(keep.get(b.id) ?? []), name]);
    }
  };
  tier('daily', policy.daily, shanghaiDay);
  tier('weekly', policy.weekly, isoWeek);
  tier('monthly', policy.monthly, month);
  if (sorted[0] && !keep.has(sorted[0].id)) keep.set(sorted[0].id, ['daily']);
  return { keep, prune: sorted.filter((b) => !keep.has(b.id)).map((b) => b.id) };
}

export { isoWeek as isoWeekOf };
