import { parseBusinessTime } from '../../platform/time.js';
import { incidentSlaTarget, cancelSla, completeSla, startSla, updateSlaSubject, type SlaItem } from '../sla/index.js';
import { type IncidentRow, type IncidentsContext, type IncidentsDb } from './repo.js';

/*
 * The incident's SLA items (modules/sla), all in the caller's transaction:
 * - response and restore, by severity, counted from detection (a clock cannot fairly run before
 *   anyone could know; detectedAt defaults to occurredAt, so without it they count from the
 *   occurrence as the policy text says). Acknowledging meets the response, recovery the restore.
 * - feedback: 30 minutes from the recovery time to tell the users (any feedback recorded meets it).
 * - followup_feedback: from the completion of a follow-up action to telling the users again.
 * - each follow-up action's planned date: subject 'incident_action', kind 'followup', due at the
 *   end of that Shanghai day, so the SLA job warns and records the breach like any other clock.
 */

export const incidentSubject = (id: number) => ({ type: 'incident', id });
export const actionSubject = (id: number) => ({ type: 'incident_action', id });

/** The one district notices go to; several or none: city-wide (null). */
export function noticeDistrict(row: Pick<IncidentRow, 'scope_districts'>): string | null {
  return row.scope_districts.length === 1 ? row.scope_districts[0]! : null;
}

function subjectFields(row: IncidentRow) {
  return {
    districtCode: noticeDistrict(row),
    label: `事件 ${row.code} ${row.title}`.slice(0, 200),
    link: `/incidents/${row.id}`,
    audience: row.commander ? [row.commander] : [],
  };
}

/** Starts (or, with `restart`, re-starts after a change of severity or times) response and restore. */
export async function startIncidentClocks(ctx: IncidentsContext, trx: IncidentsDb, row: IncidentRow, opts: { restart?: boolean; kinds?: ('response' | 'restore')[] } = {}): Promise<void> {
  const kinds = opts.kinds ?? ['response', 'restore'];
  for (const kind of kinds) {
    const target = await incidentSlaTarget(ctx, trx, kind, row.severity);
    await startSla(ctx, trx, { subject: incidentSubject(row.id), ...target, startedAt: row.detected_at, restart: opts.restart, ...subjectFields(row) });
  }
}

export async function completeIncidentClock(ctx: IncidentsContext, trx: IncidentsDb, row: IncidentRow, kinds: string[], at: Date): Promise<SlaItem[]> {
  return completeSla(ctx, trx, incidentSubject(row.id), { kinds, at });
}

/** The 30-minute feedback clock, from the recovery time. */
export async function startFeedbackClock(ctx: IncidentsContext, trx: IncidentsDb, row: IncidentRow, recoveredAt: Date): Promise<void> {
  const target = await incidentSlaTarget(ctx, trx, 'feedback', row.severity);
  await startSla(ctx, trx, { subject: incidentSubject(row.id), ...target, startedAt: recoveredAt, ...subjectFields(row) });
}

/** Tell the users again once a follow-up is done; one open clock covers every action done so far. */
export async function startFollowupFeedbackClock(ctx: IncidentsContext, trx: IncidentsDb, row: IncidentRow, doneAt: Date): Promise<void> {
  const target = await incidentSlaTarget(ctx, trx, 'followup_feedback', row.severity);
  await startSla(ctx, trx, { subject: incidentSubject(row.id), ...target, startedAt: doneAt, ...subjectFields(row) });
}

/** End of the Shanghai day `date` (the next day's 00:00). */
export function endOfDay(date: string): Date {
  return new Date(parseBusinessTime(`${date} 00:00:00`)!.getTime() + 86_400_000);
}

export async function startActionClock(
  ctx: IncidentsContext, trx: IncidentsDb, row: IncidentRow,
  action: { id: number; planned_date: string; owner: string; description: string }, startedAt: Date, restart = false,
): Promise<void> {
  await startSla(ctx, trx, {
    subject: actionSubject(action.id),
    kind: 'followup',
    calendarId: '24x7',
    dueAt: endOfDay(action.planned_date),
    startedAt,
    restart,
    policyKey: null,
    districtCode: noticeDistrict(row),
    label: `事件 ${row.code} 后续措施：${action.description}`.slice(0, 200),
    link: `/incidents/${row.id}`,
    audience: [action.owner],
  });
}

export async function endActionClock(ctx: IncidentsContext, trx: IncidentsDb, actionId: number, how: 'done' | 'waived', at: Date, reason?: string): Promise<void> {
  if (how === 'done') await completeSla(ctx, trx, actionSubject(actionId), { at });
  else await cancelSla(ctx, trx, actionSubject(actionId), { at, reason });
}

/** After a change of commander, district or title: notices of running clocks follow. */
export async function refreshClockSubject(ctx: IncidentsContext, trx: IncidentsDb, row: IncidentRow): Promise<void> {
  await updateSlaSubject(ctx, trx, incidentSubject(row.id), subjectFields(row));
}
