import type { Actor } from '../../platform/auth/permissions.js';
import type { TicketEventKind } from './tables.js';
import type { TicketsDb } from './repo.js';

/** One line of a ticket's history, written in the caller's transaction. */
export interface TicketEventInput {
  kind: TicketEventKind;
  fromState?: string | null;
  toState?: string | null;
  field?: string | null;
  oldValue?: string | null;
  newValue?: string | null;
  note?: string | null;
}

export async function recordEvent(trx: TicketsDb, ticketId: number, actor: Actor, at: Date, e: TicketEventInput): Promise<void> {
  await trx.insertInto('ticket_events').values({
    ticket_id: ticketId,
    at,
    actor: actor.username,
    kind: e.kind,
    from_state: e.fromState ?? null,
    to_state: e.toState ?? null,
    field: e.field ?? null,
    old_value: e.oldValue ?? null,
    new_value: e.newValue ?? null,
    note: e.note ?? null,
  }).execute();
}

export interface HistoryEntry {
  id: number;
  at: string;
  actor: string;
  kind: TicketEventKind;
  fromState: string | null;
  toState: string | null;
  field: string | null;
  oldValue: string | null;
  newValue: string | null;
  note: string | null;
}

export async function historyOf(db: TicketsDb, ticketId: number): Promise<HistoryEntry[]> {
  const rows = await db.selectFrom('ticket_events').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();
  return rows.map((r) => ({
    id: Number(r.id),
    at: r.at.toISOString(),
    actor: r.actor,
    kind: r.kind,
    fromState: r.from_state,
    toState: r.to_state,
    field: r.field,
    oldValue: r.old_value,
    newValue: r.new_value,
    note: r.note,
  }));
}

/** The spans a ticket spent in waiting_citizen since `since` (to = null: still waiting), from its history. */
export async function waitingSpans(trx: TicketsDb, ticketId: number, since: Date): Promise<{ from: Date; to: Date | null }[]> {
  const rows = await trx.selectFrom('ticket_events').select(['at', 'from_state', 'to_state'])
    .where('ticket_id', '=', ticketId).where('kind', '=', 'transition')
    .where((eb) => eb.or([eb('to_state', '=', 'waiting_citizen'), eb('from_state', '=', 'waiting_citizen')]))
    .orderBy('id').execute();
  const spans: { from: Date; to: Date | null }[] = [];
  for (const r of rows) {
    if (r.to_state === 'waiting_citizen') spans.push({ from: r.at, to: null });
    else if (spans.length && spans[spans.length - 1]!.to === null) spans[spans.length - 1]!.to = r.at;
  }
  return spans.filter((s) => s.to === null || s.to.getTime() > since.getTime());
}
