import { can, type Actor } from '../../platform/auth/permissions.js';
import { AppError } from '../../platform/errors.js';
import type { TicketState } from './vocab.js';

/*
 * The work-order life cycle (issue 5), strict like a Jira workflow:
 *
 *   new → assigned → in_progress ⇄ waiting_citizen
 *                        ↓
 *                     resolved → feedback_given → confirmed → closed
 *                                     ↓              ↓
 *                                   reopened ←───────┘   (the citizen disagrees)
 *                                     ↓
 *                         assigned | in_progress
 *
 * - `assigned` → `assigned` is a reassignment; `in_progress` → `assigned` hands the ticket over
 *   (the new assignee takes it up again).
 * - `cancelled` (撤销) from any state before `resolved`, only by a supervisor and with a reason.
 * - A merged duplicate is closed by the merge, not by a transition.
 */
export const TRANSITIONS: Readonly<Record<TicketState, readonly TicketState[]>> = {
  new: ['assigned', 'cancelled'],
  assigned: ['assigned', 'in_progress', 'cancelled'],
  in_progress: ['assigned', 'waiting_citizen', 'resolved', 'cancelled'],
  waiting_citizen: ['in_progress', 'cancelled'],
  resolved: ['feedback_given'],
  feedback_given: ['confirmed', 'reopened'],
  confirmed: ['closed', 'reopened'],
  closed: [],
  reopened: ['assigned', 'in_progress', 'cancelled'],
  cancelled: [],
};

export function allowedTransitions(from: TicketState): readonly TicketState[] {
  return TRANSITIONS[from];
}

export function isAllowed(from: TicketState, to: TicketState): boolean {
  return TRANSITIONS[from].includes(to);
}

/**
 * Supervisor (值班主管): who may cancel a ticket. The city's bureau staff and admins — the
 * people a complaint is accountable to — not the engineers who handle it, so that a ticket
 * cannot quietly disappear from the closure rate. The platform itself counts (CLI, jobs).
 */
export function isSupervisor(actor: Actor): boolean {
  return actor.role === 'admin' || actor.role === 'bureau' || actor.role === 'system';
}

/** Handling tickets (assign, work, reply, merge, edit) is operations work. */
export function canHandle(actor: Actor): boolean {
  return can(actor, 'ops');
}

/** What a transition needs besides being allowed; throws the 4xx that names the problem. */
export function checkTransition(actor: Actor, from: TicketState, to: TicketState, input: { reason?: string | null; assignee?: string | null; team?: string | null; hasAssignee: boolean }): void {
  if (to === 'cancelled') {
    if (!isSupervisor(actor)) throw new AppError(403, 'SUPERVISOR_REQUIRED', '只有主管（管理员或市城管局用户）可以撤销工单 / only a supervisor (admin or bureau) may cancel a ticket');
  } else if (!canHandle(actor)) {
    throw new AppError(403, 'FORBIDDEN', '需要权限 ops / requires permission ops');
  }
  if (!isAllowed(from, to)) {
    const allowed = allowedTransitions(from);
    throw new AppError(
      409,
      'ILLEGAL_TRANSITION',
      `工单状态不能从 ${from} 变为 ${to}；允许：${allowed.join(', ') || '无'} / cannot go from ${from} to ${to}; allowed: ${allowed.join(', ') || 'none'}`,
      { from, to, allowed },
    );
  }
  if (to === 'cancelled' && !input.reason?.trim()) {
    throw new AppError(400, 'REASON_REQUIRED', '撤销工单须填写原因 / a reason is required to cancel a ticket');
  }
  if (to === 'assigned' && !input.assignee?.trim() && !input.team?.trim()) {
    throw new AppError(400, 'ASSIGNEE_REQUIRED', '派单须指定处理人或处理组 / give an assignee or a team');
  }
}

/** The transitions this actor may start from `state` (for the console's buttons). */
export function transitionsFor(actor: Actor, state: TicketState): TicketState[] {
  return allowedTransitions(state).filter((to) => (to === 'cancelled' ? isSupervisor(actor) : canHandle(actor)));
}
