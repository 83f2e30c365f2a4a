import { addOpenMs, openMsBetween } from '../../platform/calendar/business-time.js';
import { resolveCalendar, type Calendar } from '../../platform/calendar/calendars.js';

/*
 * An SLA clock: `targetMinutes` of calendar time counted from `startedAt`, stopped during pauses
 * (e.g. while a ticket waits for the citizen). Pure: the persistent items in service.ts store
 * the inputs and cache what this computes.
 *
 * Rules
 * - Elapsed at T = calendar time in [startedAt, T) minus calendar time inside pauses.
 * - Due = the earliest instant at which elapsed reaches the target; a pause that begins after
 *   the due time does not move it (a breach is never undone). While a pause that began before
 *   the due time is still open the due time is unknown (null).
 * - Breached at T ⇔ T (or the completion time, when completed earlier) is after the due time;
 *   completing exactly at the due time is on time.
 * - Warning at the instant elapsed reaches `fraction` × target (default 0.8), or target −
 *   `minutesBefore` (never before the start).
 */

export type WarnRule = { fraction: number } | { minutesBefore: number };

export const DEFAULT_WARN: WarnRule = { fraction: 0.8 };

export interface PauseInterval {
  from: Date;
  /** null: still paused. */
  to: Date | null;
}

export interface SlaClockInput {
  calendar: Calendar | string;
  targetMinutes: number;
  startedAt: Date;
  pauses?: readonly PauseInterval[];
  warn?: WarnRule;
  /** When the measured thing was done (the clock stops for good). */
  completedAt?: Date | null;
}

export interface SlaClockReading {
  /** The instant read (or the completion, when earlier). */
  at: Date;
  /** Calendar minutes counted by `at`. */
  elapsedMinutes: number;
  /** target − elapsed; negative once over. */
  remainingMinutes: number;
  /** Calendar minutes inside pauses by `at`. */
  pausedMinutes: number;
  dueAt: Date | null;
  warnAt: Date | null;
  paused: boolean;
  completed: boolean;
  breached: boolean;
  /** = dueAt when breached. */
  breachedAt: Date | null;
}

interface Span {
  from: number;
  to: number; // Infinity when open
}

/** Pauses clipped to the start, sorted and merged; an open pause swallows all after it. */
export function normalisePauses(startMs: number, pauses: readonly PauseInterval[]): Span[] {
  const spans = pauses
    .map((p) => ({ from: Math.max(p.from.getTime(), startMs), to: p.to ? p.to.getTime() : Infinity }))
    .filter((p) => p.to > p.from)
    .sort((a, b) => a.from - b.from);
  const merged: Span[] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s.from <= last.to) last.to = Math.max(last.to, s.to);
    else merged.push({ ...s });
  }
  return merged;
}

/** The instant at which `targetMs` of unpaused calendar time has been counted; null if a pause is open first. */
function reachAt(startMs: number, targetMs: number, pauses: Span[], calendar: Calendar): number | null {
  let cursor = startMs;
  let left = targetMs;
  for (const p of pauses) {
    if (p.from > cursor) {
      const open = openMsBetween(cursor, p.from, calendar);
      if (left <= open) return addOpenMs(cursor, left, calendar);
      left -= open;
    }
    if (p.to === Infinity) return left === 0 ? cursor : null;
    cursor = Math.max(cursor, p.to);
  }
  return addOpenMs(cursor, left, calendar);
}

function warnTargetMs(targetMs: number, warn: WarnRule): number {
  if ('fraction' in warn) {
    if (!(warn.fraction > 0 && warn.fraction < 1)) throw new RangeError(`warn fraction must be in (0, 1), got ${warn.fraction}`);
    return Math.round(targetMs * warn.fraction);
  }
  if (!(warn.minutesBefore >= 0)) throw new RangeError(`warn minutesBefore must be ≥ 0, got ${warn.minutesBefore}`);
  return Math.max(0, targetMs - Math.round(warn.minutesBefore * 60_000));
}

/** The due and warning instants of a clock (independent of when it is read). */
export function slaDeadlines(input: SlaClockInput): { dueAt: Date | null; warnAt: Date | null } {
  const calendar = resolveCalendar(input.calendar);
  const startMs = input.startedAt.getTime();
  if (!(input.targetMinutes > 0) || !Number.isFinite(input.targetMinutes)) throw new RangeError(`target must be > 0 minutes, got ${input.targetMinutes}`);
  const targetMs = Math.round(input.targetMinutes * 60_000);
  const pauses = normalisePauses(startMs, input.pauses ?? []);
  const due = reachAt(startMs, targetMs, pauses, calendar);
  const warn = reachAt(startMs, warnTargetMs(targetMs, input.warn ?? DEFAULT_WARN), pauses, calendar);
  return { dueAt: due === null ? null : new Date(due), warnAt: warn === null ? null : new Date(warn) };
}

/** Reads the clock at `at`. */
export function readSlaClock(input: SlaClockInput, at: Date): SlaClockReading {
  const calendar = resolveCalendar(input.calendar);
  const startMs = input.startedAt.getTime();
  const completedMs = input.completedAt ? input.completedAt.getTime() : Infinity;
  const atMs = Math.max(startMs, Math.min(at.getTime(), completedMs));
  const pauses = normalisePauses(startMs, input.pauses ?? []);
  let pausedMs = 0;
  let paused = false;
  for (const p of pauses) {
    if (p.from > atMs) break;
    pausedMs += openMsBetween(p.from, Math.min(p.to, atMs), calendar);
    if (p.to > atMs) paused = true;
  }
  const elapsedMs = openMsBetween(startMs, atMs, calendar) - pausedMs;
  const { dueAt, warnAt } = slaDeadlines(input);
  const breached = dueAt !== null && atMs > dueAt.getTime();
  return {
    at: new Date(atMs),
    elapsedMinutes: elapsedMs / 60_000,
    remainingMinutes: input.targetMinutes - elapsedMs / 60_000,
    pausedMinutes: pausedMs / 60_000,
    dueAt,
    warnAt,
    paused: paused && completedMs === Infinity,
    completed: completedMs !== Infinity && completedMs <= at.getTime(),
    breached,
    breachedAt: breached ? dueAt : null,
  };
}
