import { ticketSlaTarget, cancelSla, completeSla, listSla, pauseSla, resumeSla, startSla, updateSlaSubject, type SlaItem } from '../sla/index.js';
import { waitingSpans } from './history.js';
import { type TicketRow, type TicketsContext, type TicketsDb } from './repo.js';
import type { TicketState } from './vocab.js';

/*
 * How a ticket drives its SLA clocks (modules/sla). Policies: ticket.<priority>.<kind>, capped by
 * ticket.hotline_12345.<kind> for 12345 tickets (pickTicketTarget).
 *
 * - response   starts at creation; met at the first response: the assignee takes the ticket up
 *              (→ in_progress, 签收) or a public reply is sent, whichever comes first (or at
 *              resolution if neither did). Assignment alone is dispatch, not a response.
 * - resolution starts at creation; paused while waiting_citizen; met at → resolved. A reopen
 *              starts a new resolution clock at the reopen.
 * - feedback   starts at → resolved; met at → feedback_given (the result told to the citizen).
 * - cancel and merge cancel every open clock.
 */

export const subjectOf = (id: number) => ({ type: 'ticket', id });

function notices(t: TicketRow) {
  const title = t.title.length > 40 ? `${t.title.slice(0, 39)}…` : t.title;
  return {
    label: `工单 ${t.no} ${title}`,
    link: `/tickets/${t.id}`,
    districtCode: t.district_code,
    audience: t.assignee ? [t.assignee] : [],
  };
}

async function start(ctx: TicketsContext, trx: TicketsDb, t: TicketRow, kind: 'response' | 'resolution' | 'feedback', at: Date, startedAt = at, restart = false) {
  const target = await ticketSlaTarget(ctx, trx, kind, { channel: t.channel, priority: t.priority }, startedAt);
  return startSla(ctx, trx, { subject: subjectOf(Number(t.id)), ...target, startedAt, restart, ...notices(t) });
}

export async function startTicketClocks(ctx: TicketsContext, trx: TicketsDb, t: TicketRow, at: Date): Promise<void> {
  await start(ctx, trx, t, 'response', at);
  await start(ctx, trx, t, 'resolution', at);
}

/** Completes the response clock (no-op when already met). */
export async function respond(ctx: TicketsContext, trx: TicketsDb, t: TicketRow, at: Date): Promise<void> {
  await completeSla(ctx, trx, subjectOf(Number(t.id)), { kinds: ['response'], at });
}

/**
 * The SLA side of a transition, in its transaction. `after` is the row as updated. Returns
 * whether a resolution clock completed late (for the on-time rate).
 */
export async function applyTransitionSla(ctx: TicketsContext, trx: TicketsDb, from: TicketState, after: TicketRow, at: Date, reason: string | null): Promise<{ resolutionLate: boolean }> {
  const subject = subjectOf(Number(after.id));
  let resolutionLate = false;
  switch (after.state) {
    case 'in_progress':
      await respond(ctx, trx, after, at);
      if (from === 'waiting_citizen') await resumeSla(ctx, trx, subject, { kinds: ['resolution'], at });
      break;
    case 'waiting_citizen':
      await pauseSla(ctx, trx, subject, { kinds: ['resolution'], at, reason: 'waiting_citizen' });
      break;
    case 'resolved': {
      await respond(ctx, trx, after, at);
      const done = await completeSla(ctx, trx, subject, { kinds: ['resolution'], at });
      resolutionLate = done.some((i) => i.late);
      await start(ctx, trx, after, 'feedback', at);
      break;
    }
    case 'feedback_given':
      await completeSla(ctx, trx, subject, { kinds: ['feedback'], at });
      break;
    case 'reopened':
      await start(ctx, trx, after, 'resolution', at);
      break;
    case 'cancelled':
      await cancelSla(ctx, trx, subject, { at, reason: reason ?? 'cancelled' });
      break;
    default:
      break;
  }
  return { resolutionLate };
}

/** Who SLA notices go to and how they name the ticket, after an assignment or an edit. */
export async function refreshSlaSubject(ctx: TicketsContext, trx: TicketsDb, t: TicketRow): Promise<void> {
  await updateSlaSubject(ctx, trx, subjectOf(Number(t.id)), notices(t));
}

export async function cancelTicketClocks(ctx: TicketsContext, trx: TicketsDb, ticketId: number, at: Date, reason: string): Promise<void> {
  await cancelSla(ctx, trx, subjectOf(ticketId), { at, reason });
}

/**
 * A new priority changes the targets of the open response and resolution clocks, as in ITIL
 * tools: each is restarted from its original start with the new target, and the time the ticket
 * spent waiting for the citizen is paused again, so only the target changes.
 */
export async function applyPriorityChange(ctx: TicketsContext, trx: TicketsDb, t: TicketRow, at: Date): Promise<void> {
  const subject = subjectOf(Number(t.id));
  const items = await listSla(ctx, subject, trx);
  const open = items.filter((i: SlaItem) => (i.kind === 'response' || i.kind === 'resolution') && (i.state === 'running' || i.state === 'paused' || i.state === 'breached'));
  for (const item of open) {
    await start(ctx, trx, t, item.kind as 'response' | 'resolution', at, item.startedAt, true);
    if (item.kind !== 'resolution') continue;
    for (const span of await waitingSpans(trx, Number(t.id), item.startedAt)) {
      await pauseSla(ctx, trx, subject, { kinds: ['resolution'], at: span.from, reason: 'waiting_citizen' });
      if (span.to) await resumeSla(ctx, trx, subject, { kinds: ['resolution'], at: span.to });
    }
  }
}
