import type { Selectable } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import { shanghaiDay } from '../../platform/time.js';
import { notify } from '../../platform/notices.js';
import { updateSlaSubject } from '../sla/index.js';
import { actionSubject, endActionClock, startActionClock, startFollowupFeedbackClock } from './clocks.js';
import { assertNotClosed } from './incidents.js';
import { activeUsername, isoDate, notBefore, pastTime, requiredText, text } from './input.js';
import { actionAssignedNotice } from './notices.js';
import { findIncident, touchIncident, type IncidentRow, type IncidentsContext, type IncidentsDb } from './repo.js';
import type { IncidentActionsTable } from './tables.js';
import { appendTimeline } from './timeline.js';
import { incidentDetail, type IncidentDetail } from './view.js';
import { ACTION_TYPE_NAMES, fieldName, ACTION_TYPES, type ActionType } from './vocab.js';

/*
 * Follow-up actions (后续措施): a BUG fix, a change, or anything else the review decided, each
 * with its own owner and planned date agreed case by case (一事一议). The planned date is an SLA
 * clock of its own (clocks.ts), so the SLA job warns the owner and records an overdue action.
 * Completing one starts the clock to tell the users again (followup_feedback). An incident
 * closes only when every action is done, or waived with a reason.
 */

type ActionRow = Selectable<IncidentActionsTable>;

function actionType(value: string): ActionType {
  if (!(ACTION_TYPES as readonly string[]).includes(value)) throw badRequest('INVALID_ACTION_TYPE', `类型须为 ${ACTION_TYPES.join('|')} / type: one of ${ACTION_TYPES.join(', ')}`);
  return value as ActionType;
}

function plannedDate(value: string, now: Date): string {
  const date = isoDate('plannedDate', value);
  if (date < shanghaiDay(now)) throw badRequest('INVALID_DATE', `计划完成日期不能早于今天 / plannedDate cannot be before today (${shanghaiDay(now)})`);
  return date;
}

async function findAction(trx: IncidentsDb, incident: IncidentRow, actionId: number): Promise<ActionRow> {
  const row = await trx.selectFrom('incident_actions').selectAll().where('id', '=', actionId).where('incident_id', '=', incident.id).forUpdate().executeTakeFirst();
  if (!row) throw notFound(`后续措施 / follow-up action ${actionId}`);
  return row;
}

function assertOpen(action: ActionRow): void {
  if (action.state !== 'open') throw conflict('ACTION_NOT_OPEN', `该后续措施已${action.state === 'done' ? '完成' : '豁免'} / the action is already ${action.state}`);
}

export interface NewActionInput {
  type: string;
  description: string;
  owner: string;
  plannedDate: string;
}

export async function addAction(ctx: IncidentsContext, actor: Actor, key: string | number, input: NewActionInput): Promise<IncidentDetail> {
  const now = ctx.clock.now();
  const type = actionType(input.type);
  const description = requiredText('description', input.description, 2000);
  const owner = await activeUsername(ctx, 'owner', input.owner);
  const date = plannedDate(input.plannedDate, now);
  return ctx.db.transaction().execute(async (trx) => {
    const incident = await findIncident(trx, actor, key, true);
    assertNotClosed(incident);
    const action = await trx.insertInto('incident_actions').values({
      incident_id: incident.id, type, description, owner, planned_date: date, created_by: actor.username, created_at: now, updated_at: now,
    }).returningAll().executeTakeFirstOrThrow();
    await startActionClock(ctx, trx, incident, action, now);
    await appendTimeline(ctx, trx, actor, incident.id, {
      kind: 'action',
      text: `新增后续措施（${ACTION_TYPE_NAMES[type].zh}）：${description}；负责人 ${owner}，计划 ${date} 完成`,
      detail: { actionId: action.id, type, owner, plannedDate: date },
    });
    const fresh = await touchIncident(trx, incident.id, now);
    if (owner !== actor.username) await notify(ctx, trx, actionAssignedNotice(incident, action));
    await audit(ctx, trx, actor, { action: 'incident.action.create', targetType: 'incident', targetId: incident.code, detail: { actionId: action.id, type, owner, plannedDate: date } });
    return incidentDetail(ctx, trx, fresh);
  });
}

export interface UpdateActionInput {
  type?: string;
  description?: string;
  owner?: string;
  plannedDate?: string;
  /** Required when the planned date moves: the agreement behind it. */
  reason?: string;
}

export async function updateAction(ctx: IncidentsContext, actor: Actor, key: string | number, actionId: number, input: UpdateActionInput): Promise<IncidentDetail> {
  const now = ctx.clock.now();
  const set: Partial<ActionRow> = {};
  if (input.type !== undefined) set.type = actionType(input.type);
  if (input.description !== undefined) set.description = requiredText('description', input.description, 2000);
  if (input.owner !== undefined) set.owner = await activeUsername(ctx, 'owner', input.owner);
  if (input.plannedDate !== undefined) set.planned_date = plannedDate(input.plannedDate, now);
  const reason = text('reason', input.reason, 1000) ?? null;
  return ctx.db.transaction().execute(async (trx) => {
    const incident = await findIncident(trx, actor, key, true);
    assertNotClosed(incident);
    const action = await findAction(trx, incident, actionId);
    assertOpen(action);
    const changes = Object.entries(set).filter(([k, v]) => action[k as keyof ActionRow] !== v).map(([field, after]) => ({ field, before: action[field as keyof ActionRow], after }));
    if (!changes.length) return incidentDetail(ctx, trx, incident);
    const moved = changes.some((c) => c.field === 'planned_date');
    if (moved && !reason) throw badRequest('REASON_REQUIRED', '调整计划完成日期须说明理由 / moving the planned date needs a reason');
    const updated = await trx.updateTable('incident_actions').set({ ...set, updated_at: now }).where('id', '=', action.id).returningAll().executeTakeFirstOrThrow();
    if (moved) await startActionClock(ctx, trx, incident, updated, now, true);
    else if (set.owner || set.description) {
      await updateSlaSubject(ctx, trx, actionSubject(action.id), { audience: [updated.owner], label: `事件 ${incident.code} 后续措施：${updated.description}`.slice(0, 200) });
    }
    await appendTimeline(ctx, trx, actor, incident.id, {
      kind: 'action',
      text: `修改后续措施 #${action.id}：${changes.map((c) => `${fieldName(c.field)} ${String(c.before)} → ${String(c.after)}`).join('；')}${reason ? `（${reason}）` : ''}`,
      detail: { actionId: action.id, changes, reason },
    });
    const fresh = await touchIncident(trx, incident.id, now);
    if (set.owner && set.owner !== action.owner && set.owner !== actor.username) await notify(ctx, trx, actionAssignedNotice(incident, updated));
    await audit(ctx, trx, actor, { action: 'incident.action.update', targetType: 'incident', targetId: incident.code, detail: { actionId: action.id, changes, reason } });
    return incidentDetail(ctx, trx, fresh);
  });
}

export async function completeAction(ctx: IncidentsContext, actor: Actor, key: string | number, actionId: number, input: { note?: string; completedAt?: string }): Promise<IncidentDetail> {
  const now = ctx.clock.now();
  const at = pastTime('completedAt', input.completedAt, now) ?? now;
  const note = text('note', input.note, 2000) ?? null;
  return ctx.db.transaction().execute(async (trx) => {
    const incident = await findIncident(trx, actor, key, true);
    assertNotClosed(incident);
    const action = await findAction(trx, incident, actionId);
    assertOpen(action);
    notBefore('completedAt', at, incident.occurred_at, '事件发生时间 / the incident occurred');
    await trx.updateTable('incident_actions')
      .set({ state: 'done', completed_at: at, completed_by: actor.username, completion_note: note, updated_at: now })
      .where('id', '=', action.id).execute();
    await endActionClock(ctx, trx, action.id, 'done', at);
    await startFollowupFeedbackClock(ctx, trx, incident, at);
    await appendTimeline(ctx, trx, actor, incident.id, {
      kind: 'action', at,
      text: `后续措施 #${action.id} 已完成：${action.description}${note ? `（${note}）` : ''}`,
      detail: { actionId: action.id, state: 'done', late: shanghaiDay(at) > action.planned_date },
    });
    const fresh = await touchIncident(trx, incident.id, now);
    await audit(ctx, trx, actor, { action: 'incident.action.complete', targetType: 'incident', targetId: incident.code, detail: { actionId: action.id, at: at.toISOString() } });
    return incidentDetail(ctx, trx, fresh);
  });
}

export async function waiveAction(ctx: IncidentsContext, actor: Actor, key: string | number, actionId: number, input: { reason: string }): Promise<IncidentDetail> {
  const now = ctx.clock.now();
  const reason = requiredText('reason', input.reason, 1000);
  return ctx.db.transaction().execute(async (trx) => {
    const incident = await findIncident(trx, actor, key, true);
    assertNotClosed(incident);
    const action = await findAction(trx, incident, actionId);
    assertOpen(action);
    await trx.updateTable('incident_actions')
      .set({ state: 'waived', waived_at: now, waived_by: actor.username, waive_reason: reason, updated_at: now })
      .where('id', '=', action.id).execute();
    await endActionClock(ctx, trx, action.id, 'waived', now, reason);
    await appendTimeline(ctx, trx, actor, incident.id, {
      kind: 'action',
      text: `后续措施 #${action.id} 豁免：${action.description}；理由：${reason}`,
      detail: { actionId: action.id, state: 'waived', reason },
    });
    const fresh = await touchIncident(trx, incident.id, now);
    await audit(ctx, trx, actor, { action: 'incident.action.waive', targetType: 'incident', targetId: incident.code, detail: { actionId: action.id, reason } });
    return incidentDetail(ctx, trx, fresh);
  });
}
