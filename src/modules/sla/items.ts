import type { Selectable } from 'kysely';
import { hasCalendar } from '../../platform/calendar/calendars.js';
import { readSlaClock, type PauseInterval, type WarnRule } from './clock.js';
import type { SlaItemsTable, SlaState } from './tables.js';
import type { SlaDb } from './repo.js';

/** Row ↔ view helpers shared by the service, the deadline check and the queries. */

export type SlaRow = Selectable<SlaItemsTable>;

export interface SlaSubject {
  /** 'ticket', 'incident', … (lower-case, ≤ 32). */
  type: string;
  id: string | number;
}

export const OPEN_STATES: readonly SlaState[] = ['running', 'paused', 'breached'];

/** An SLA item as other modules and the API see it. */
export interface SlaItem {
  id: number;
  subjectType: string;
  subjectId: string;
  kind: string;
  policyKey: string | null;
  calendarId: string;
  targetMinutes: number;
  warn: WarnRule;
  startedAt: Date;
  state: SlaState;
  pausedSince: Date | null;
  /** Calendar minutes spent in closed pauses (added to the due time). */
  pausedMinutes: number;
  /** null while paused before the due time (unknown until resumed). */
  dueAt: Date | null;
  warnAt: Date | null;
  warnedAt: Date | null;
  /** The instant the target passed (= dueAt then); set once, kept when completed later. */
  breachedAt: Date | null;
  metAt: Date | null;
  cancelledAt: Date | null;
  cancelReason: string | null;
  /** Breached (completed late, or still open past due). */
  late: boolean;
  /** Calendar minutes left at the time read (at completion for closed items); negative when overdue; null if the calendar is no longer defined. */
  remainingMinutes: number | null;
  districtCode: string | null;
  label: string | null;
  link: string | null;
}

export function warnOf(row: Pick<SlaRow, 'warn_fraction' | 'warn_minutes_before'>): WarnRule {
  if (row.warn_minutes_before !== null) return { minutesBefore: row.warn_minutes_before };
  return { fraction: row.warn_fraction ?? 0.8 };
}

export function warnColumns(warn: WarnRule): { warn_fraction: number | null; warn_minutes_before: number | null } {
  return 'fraction' in warn ? { warn_fraction: warn.fraction, warn_minutes_before: null } : { warn_fraction: null, warn_minutes_before: warn.minutesBefore };
}

export function subjectId(subject: SlaSubject): string {
  return String(subject.id);
}

export async function pausesOf(executor: SlaDb, itemIds: number[]): Promise<Map<number, PauseInterval[]>> {
  const out = new Map<number, PauseInterval[]>();
  if (!itemIds.length) return out;
  const rows = await executor.selectFrom('sla_pauses').select(['item_id', 'paused_at', 'resumed_at'])
    .where('item_id', 'in', itemIds).orderBy('paused_at').orderBy('id').execute();
  for (const r of rows) {
    const list = out.get(r.item_id) ?? [];
    list.push({ from: r.paused_at, to: r.resumed_at });
    out.set(r.item_id, list);
  }
  return out;
}

export function clockInput(row: SlaRow, pauses: PauseInterval[]) {
  return {
    calendar: row.calendar_id,
    targetMinutes: row.target_minutes,
    startedAt: row.started_at,
    pauses,
    warn: warnOf(row),
    completedAt: row.met_at ?? row.cancelled_at,
  };
}

export function toItem(row: SlaRow, pauses: PauseInterval[], now: Date): SlaItem {
  // A calendar removed from the code since the item was stored: show the cached times, no countdown.
  const remaining = hasCalendar(row.calendar_id) ? readSlaClock(clockInput(row, pauses), now).remainingMinutes : null;
  return {
    id: row.id,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    kind: row.kind,
    policyKey: row.policy_key,
    calendarId: row.calendar_id,
    targetMinutes: row.target_minutes,
    warn: warnOf(row),
    startedAt: row.started_at,
    state: row.state,
    pausedSince: row.paused_since,
    pausedMinutes: row.paused_minutes,
    dueAt: row.due_at,
    warnAt: row.warn_at,
    warnedAt: row.warned_at,
    breachedAt: row.breached_at,
    metAt: row.met_at,
    cancelledAt: row.cancelled_at,
    cancelReason: row.cancel_reason,
    late: row.breached_at !== null,
    remainingMinutes: remaining === null ? null : Math.round(remaining * 100) / 100,
    districtCode: row.district_code,
    label: row.label,
    link: row.link,
  };
}

export async function toItems(executor: SlaDb, rows: SlaRow[], now: Date): Promise<SlaItem[]> {
  const pauses = await pausesOf(executor, rows.map((r) => r.id));
  return rows.map((r) => toItem(r, pauses.get(r.id) ?? [], now));
}
