import type { Updateable } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { AppError, badRequest } from '../../platform/errors.js';
import { notify } from '../../platform/notices.js';
import { queueCallbacks } from './callbacks.js';
import { recordEvent } from './history.js';
import { LIMITS } from './input.js';
import { checkAssignee, checkTeam } from './references.js';
import { lockTicket, type TicketRow, type TicketsContext } from './repo.js';
import type { TicketsTable } from './tables.js';
import { checkTransition } from './state-machine.js';
import { applyTransitionSla, refreshSlaSubject } from './ticket-sla.js';
import { detailOf, type TicketDetail } from './tickets.js';
import { CATEGORY_LABELS, CHANNEL_LABELS, PRIORITY_LABELS, STATE_LABELS, TICKET_STATES, type TicketState } from './vocab.js';

export interface TransitionInput {
  to: string;
  note?: string | null;
  assignee?: string | null;
  team?: string | null;
  reason?: string | null;
}

/**
 * Notes that reach the citizen and the originating channel: what the citizen is asked for
 * (waiting_citizen) and the result (resolved, kept as the ticket's `resolution`). Other
 * transition notes are internal history.
 */
export const PUBLIC_NOTE_STATES: readonly TicketState[] = ['waiting_citizen', 'resolved'];

function optionalText(value: string | null | undefined, key: string, max: number): string | null {
  if (value === undefined || value === null) return null;
  const s = value.trim();
  if (s.length > max) throw badRequest('INVALID_FIELD', `${key} 最长 ${max} 个字符 / ${key}: at most ${max} characters`);
  return s || null;
}

/** Moves a ticket to `to` with everything that goes with it: fields, SLA clocks, history, notices, callbacks, audit. */
export async function transitionTicket(ctx: TicketsContext, actor: Actor, id: number, input: TransitionInput): Promise<TicketDetail> {
  if (!(TICKET_STATES as readonly string[]).includes(input.to)) {
    throw badRequest('INVALID_STATE', `未知状态 / unknown state '${String(input.to).slice(0, 32)}'; states: ${TICKET_STATES.join(', ')}`);
  }
  const to = input.to as TicketState;
  const note = optionalText(input.note, 'note', LIMITS.note);
  const reason = optionalText(input.reason, 'reason', LIMITS.reason);
  const assigneeGiven = optionalText(input.assignee, 'assignee', 64);
  const teamGiven = optionalText(input.team, 'team', 32);
  // Checked before the transaction (the accounts module reads through ctx.db); the state rules come first inside.
  const assignee = assigneeGiven && (to === 'assigned' || to === 'in_progress') ? await checkAssignee(ctx, assigneeGiven) : null;
  const team = teamGiven && (to === 'assigned' || to === 'in_progress') ? await checkTeam(ctx.db, teamGiven) : null;
  const now = ctx.clock.now();

  return ctx.db.transaction().execute(async (trx) => {
    const before = await lockTicket(trx, actor, id);
    const from = before.state;
    checkTransition(actor, from, to, { reason, assignee, team, hasAssignee: before.assignee !== null });

    const set: Updateable<TicketsTable> = { state: to, updated_at: now };
    let newAssignee = before.assignee;
    if (to === 'assigned') {
      newAssignee = assignee; // a team alone queues the ticket to the team
      set.team_code = team ?? before.team_code;
    }
    if (to === 'in_progress') {
      newAssignee = assignee ?? before.assignee ?? (actor.userId !== null ? actor.username : null);
      if (team) set.team_code = team;
    }
    set.assignee = newAssignee;
    if ((to === 'in_progress' || to === 'resolved') && before.first_response_at === null) set.first_response_at = now;
    if (to === 'resolved') {
      set.resolution = note ?? before.resolution;
      set.resolved_at = now;
      if (before.first_resolved_at === null) set.first_resolved_at = now;
    }
    if (to === 'feedback_given') set.feedback_at = now;
    if (to === 'confirmed') set.confirmed_at = now;
    if (to === 'closed') set.closed_at = now;
    if (to === 'reopened') {
      set.reopen_count = before.reopen_count + 1;
      set.feedback_at = null;
      set.confirmed_at = null;
    }
    if (to === 'cancelled') {
      set.cancel_reason = reason;
      set.cancelled_at = now;
    }
    let after = await trx.updateTable('tickets').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow();

    const { resolutionLate } = await applyTransitionSla(ctx, trx, from, after, now, reason);
    if (resolutionLate && !after.resolution_late) {
      after = await trx.updateTable('tickets').set({ resolution_late: true }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    }

    await recordEvent(trx, id, actor, now, { kind: 'transition', fromState: from, toState: to, note: to === 'cancelled' ? reason : note });
    if (after.assignee !== before.assignee) await recordEvent(trx, id, actor, now, { kind: 'field', field: 'assignee', oldValue: before.assignee, newValue: after.assignee });
    if (after.team_code !== before.team_code) await recordEvent(trx, id, actor, now, { kind: 'field', field: 'team', oldValue: before.team_code, newValue: after.team_code });
    if (after.assignee !== before.assignee) {
      await refreshSlaSubject(ctx, trx, after);
      if (after.assignee && after.assignee !== actor.username) await notifyAssignee(ctx, trx, after);
    }
    await queueCallbacks(trx, after, 'ticket.state_changed', {
      state: to,
      previousState: from,
      note: PUBLIC_NOTE_STATES.includes(to) ? note : null,
      resolution: after.resolution,
    }, now);
    await audit(ctx, trx, actor, {
      action: 'ticket.transition', targetType: 'ticket', targetId: id,
      detail: { no: after.no, from, to, assignee: after.assignee, team: after.team_code, ...(reason ? { reason } : {}), ...(note ? { note } : {}) },
    });
    return detailOf(ctx, trx, actor, after);
  });
}

async function notifyAssignee(ctx: TicketsContext, trx: Parameters<typeof notify>[1], t: TicketRow): Promise<void> {
  await notify(ctx, trx, {
    kind: 'tickets.assigned',
    severity: 'info',
    title: `工单已派给您：${t.no} ${t.title}`,
    body: [`状态：${STATE_LABELS[t.state]}`, `优先级：${PRIORITY_LABELS[t.priority]}`, `渠道：${CHANNEL_LABELS[t.channel]}`, `分类：${CATEGORY_LABELS[t.category]}`].join('\n'),
    en: { title: `Ticket ${t.no} assigned to you: ${t.title}`, body: [`State: ${t.state}`, `Priority: ${t.priority}`, `Channel: ${t.channel}`, `Category: ${t.category}`].join('\n') },
    link: `/tickets/${t.id}`,
    districtCode: t.district_code,
    audience: { usernames: [t.assignee!] },
  });
}

/**
 * The citizen's answer to the result (回访): agreed → confirmed, disagreed → reopened. Used by the
 * inbound API for channels that run the 回访 themselves; staff record it with a transition.
 */
export async function recordCitizenAnswer(ctx: TicketsContext, actor: Actor, id: number, answer: { accepted: boolean; note?: string | null }): Promise<TicketDetail> {
  const to = answer.accepted ? 'confirmed' : 'reopened';
  try {
    return await transitionTicket(ctx, actor, id, { to, note: answer.note ?? (answer.accepted ? '市民确认 / citizen confirmed' : '市民不满意 / citizen disagreed') });
  } catch (err) {
    if (err instanceof AppError && err.code === 'ILLEGAL_TRANSITION') {
      throw new AppError(409, 'ILLEGAL_TRANSITION', `工单当前状态不接受市民确认 / the ticket does not await the citizen's answer now`, err.details);
    }
    throw err;
  }
}
