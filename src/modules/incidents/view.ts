import type { Selectable } from 'kysely';
import { shanghaiDay } from '../../platform/time.js';
import { describeTarget, listSla, listSlaForSubjects, type SlaItem } from '../sla/index.js';
import { incidentSubject } from './clocks.js';
import { allowedTransitions } from './machine.js';
import { type IncidentRow, type IncidentsContext, type IncidentsDb } from './repo.js';
import type { IncidentActionsTable, IncidentFeedbackTable, IncidentLinksTable, IncidentTimelineTable } from './tables.js';
import { SEVERITY_NAMES, type IncidentState } from './vocab.js';

/** Rows → what the API returns. Times are ISO 8601 (UTC); dates 'YYYY-MM-DD' (Shanghai). */

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const minutesBetween = (a: Date | null, b: Date | null) => (a && b ? Math.max(0, Math.round((b.getTime() - a.getTime()) / 60_000)) : null);

export interface SlaView {
  kind: string;
  state: string;
  startedAt: string;
  dueAt: string | null;
  metAt: string | null;
  late: boolean;
  remainingMinutes: number | null;
  target: string;
}

export function slaView(item: SlaItem): SlaView {
  return {
    kind: item.kind,
    state: item.state,
    startedAt: item.startedAt.toISOString(),
    dueAt: iso(item.dueAt),
    metAt: iso(item.metAt),
    late: item.late,
    remainingMinutes: item.remainingMinutes,
    target: describeTarget(item.targetMinutes, item.calendarId),
  };
}

/** The item in force per kind: the newest (a restarted clock replaces the cancelled one). */
function currentByKind(items: SlaItem[]): Map<string, SlaItem> {
  const out = new Map<string, SlaItem>();
  for (const item of items) {
    const prev = out.get(item.kind);
    if (!prev || item.state !== 'cancelled' || prev.state === 'cancelled') out.set(item.kind, item);
  }
  return out;
}

export interface ActionView {
  id: number;
  type: string;
  description: string;
  owner: string;
  plannedDate: string;
  state: string;
  overdue: boolean;
  completedAt: string | null;
  completedBy: string | null;
  completionNote: string | null;
  waivedAt: string | null;
  waivedBy: string | null;
  waiveReason: string | null;
  createdBy: string;
  createdAt: string;
}

/** Open past its planned date (Shanghai), or done after it. */
export function actionOverdue(a: Pick<Selectable<IncidentActionsTable>, 'state' | 'planned_date' | 'completed_at'>, now: Date): boolean {
  if (a.state === 'waived') return false;
  const doneOrToday = a.completed_at ? shanghaiDay(a.completed_at) : shanghaiDay(now);
  return doneOrToday > a.planned_date;
}

export function actionView(a: Selectable<IncidentActionsTable>, now: Date): ActionView {
  return {
    id: a.id,
    type: a.type,
    description: a.description,
    owner: a.owner,
    plannedDate: a.planned_date,
    state: a.state,
    overdue: actionOverdue(a, now),
    completedAt: iso(a.completed_at),
    completedBy: a.completed_by,
    completionNote: a.completion_note,
    waivedAt: iso(a.waived_at),
    waivedBy: a.waived_by,
    waiveReason: a.waive_reason,
    createdBy: a.created_by,
    createdAt: a.created_at.toISOString(),
  };
}

function baseView(row: IncidentRow, sla: Map<string, SlaItem>) {
  return {
    id: row.id,
    code: row.code,
    title: row.title,
    description: row.description,
    severity: row.severity,
    severityName: SEVERITY_NAMES[row.severity].zh,
    state: row.state,
    detectionSource: row.detection_source,
    reporter: row.reporter,
    occurredAt: row.occurred_at.toISOString(),
    detectedAt: row.detected_at.toISOString(),
    acknowledgedAt: iso(row.acknowledged_at),
    acknowledgedBy: row.acknowledged_by,
    recoveredAt: iso(row.recovered_at),
    resolvedAt: iso(row.resolved_at),
    reviewedAt: iso(row.reviewed_at),
    closedAt: iso(row.closed_at),
    commander: row.commander,
    scope: {
      description: row.scope_description,
      modules: row.scope_modules,
      districts: row.scope_districts,
      lots: row.scope_lots,
      affectedUsers: row.affected_users,
      affectedUsersNote: row.affected_users_note,
      cityWide: row.scope_districts.length === 0,
    },
    resolution: row.resolution,
    rootCause: row.root_cause,
    rootCauseCategory: row.root_cause_category,
    closeNote: row.close_note,
    respondDueAt: iso(sla.get('response')?.dueAt ?? null),
    restoreDueAt: iso(sla.get('restore')?.dueAt ?? null),
    feedbackDueAt: iso(sla.get('feedback')?.dueAt ?? null),
    followupFeedbackDueAt: iso(sla.get('followup_feedback')?.dueAt ?? null),
    sla: [...sla.values()].map(slaView),
    durations: {
      toAcknowledgeMinutes: minutesBetween(row.detected_at, row.acknowledged_at),
      toRecoverMinutes: minutesBetween(row.detected_at, row.recovered_at),
      outageMinutes: minutesBetween(row.occurred_at, row.recovered_at),
    },
    allowedTransitions: allowedTransitions(row.state as IncidentState),
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export type IncidentSummary = ReturnType<typeof baseView> & { openActions: number; overdueActions: number; feedbackCount: number };

export interface TimelineView {
  id: number;
  at: string;
  recordedAt: string;
  actor: string;
  kind: string;
  fromState: string | null;
  toState: string | null;
  text: string;
  detail: Record<string, unknown> | null;
}

export type IncidentDetail = IncidentSummary & {
  links: { id: number; kind: string; refId: string; label: string | null; createdBy: string; createdAt: string }[];
  actions: ActionView[];
  feedback: { id: number; givenAt: string; channel: string; recipient: string | null; note: string; slaKinds: string[]; recordedBy: string; recordedAt: string }[];
  timeline: TimelineView[];
};

export function timelineView(t: Selectable<IncidentTimelineTable>): TimelineView {
  return {
    id: t.id, at: t.at.toISOString(), recordedAt: t.recorded_at.toISOString(), actor: t.actor, kind: t.kind,
    fromState: t.from_state, toState: t.to_state, text: t.text, detail: t.detail,
  };
}

export const linkView = (l: Selectable<IncidentLinksTable>) => ({ id: l.id, kind: l.kind, refId: l.ref_id, label: l.label, createdBy: l.created_by, createdAt: l.created_at.toISOString() });

export const feedbackView = (f: Selectable<IncidentFeedbackTable>) => ({
  id: f.id, givenAt: f.given_at.toISOString(), channel: f.channel, recipient: f.recipient, note: f.note, slaKinds: f.sla_kinds, recordedBy: f.recorded_by, recordedAt: f.recorded_at.toISOString(),
});

/** The whole incident, read in `db` (the caller's transaction after a change). */
export async function incidentDetail(ctx: IncidentsContext, db: IncidentsDb, row: IncidentRow): Promise<IncidentDetail> {
  const now = ctx.clock.now();
  const sla = currentByKind(await listSla(ctx, incidentSubject(row.id), db));
  const links = await db.selectFrom('incident_links').selectAll().where('incident_id', '=', row.id).orderBy('id').execute();
  const actions = await db.selectFrom('incident_actions').selectAll().where('incident_id', '=', row.id).orderBy('id').execute();
  const feedback = await db.selectFrom('incident_feedback').selectAll().where('incident_id', '=', row.id).orderBy('given_at').orderBy('id').execute();
  const timeline = await db.selectFrom('incident_timeline').selectAll().where('incident_id', '=', row.id).orderBy('at').orderBy('id').execute();
  const actionViews = actions.map((a) => actionView(a, now));
  return {
    ...baseView(row, sla),
    openActions: actionViews.filter((a) => a.state === 'open').length,
    overdueActions: actionViews.filter((a) => a.state === 'open' && a.overdue).length,
    feedbackCount: feedback.length,
    links: links.map(linkView),
    actions: actionViews,
    feedback: feedback.map(feedbackView),
    timeline: timeline.map(timelineView),
  };
}

/** List rows with their SLA tags and follow-up counts, in two queries for the page. */
export async function incidentSummaries(ctx: IncidentsContext, db: IncidentsDb, rows: IncidentRow[]): Promise<IncidentSummary[]> {
  if (!rows.length) return [];
  const now = ctx.clock.now();
  const ids = rows.map((r) => r.id);
  const slaBySubject = await listSlaForSubjects(ctx, 'incident', ids, db);
  const actions = await db.selectFrom('incident_actions').select(['incident_id', 'state', 'planned_date', 'completed_at']).where('incident_id', 'in', ids).execute();
  const feedback = await db.selectFrom('incident_feedback').select(['incident_id']).where('incident_id', 'in', ids).execute();
  return rows.map((row) => {
    const mine = actions.filter((a) => a.incident_id === row.id && a.state === 'open');
    return {
      ...baseView(row, currentByKind(slaBySubject.get(String(row.id)) ?? [])),
      openActions: mine.length,
      overdueActions: mine.filter((a) => actionOverdue(a, now)).length,
      feedbackCount: feedback.filter((f) => f.incident_id === row.id).length,
    };
  });
}
