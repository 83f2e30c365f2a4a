import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit, type AppContext } from '../../platform/context.js';
import type { AnyDb } from '../../platform/db.js';
import { badRequest } from '../../platform/errors.js';
import { shanghaiDay } from '../../platform/time.js';
import { recordEvent } from './history.js';
import { parseNewTicket, type NewTicketInput } from './input.js';
import { resolveLinks } from './references.js';
import { ticketsContext, type TicketsContext, type TicketsDb } from './repo.js';
import { startTicketClocks } from './ticket-sla.js';
import { ticketNo } from './tickets.js';

/*
 * Work orders carried over from a legacy system (zhibo migrate-from, docs/系统迁移.md). The fields
 * are checked as a new ticket's are (parseNewTicket, the lot link); the ticket keeps its legacy
 * creation time and number (external_no, unique per channel: importing it again returns the
 * stored ticket). A legacy ticket that is done comes in `closed` or `cancelled` with no SLA clocks;
 * one still open comes in `new` and its clocks start at the import — the platform answers for it
 * from then on.
 */
export const IMPORTED_TICKET_STATES = ['new', 'closed', 'cancelled'] as const;
export type ImportedTicketState = (typeof IMPORTED_TICKET_STATES)[number];

export interface ImportedTicket {
  /** The ticket's fields as createTicket takes them; externalNo is the legacy number (required). */
  fields: Record<string, unknown>;
  state: ImportedTicketState;
  createdAt: Date;
  /** When it was closed or cancelled (the creation time when the legacy system does not say). */
  closedAt: Date | null;
  resolution: string | null;
}

/**
 * Imports one legacy ticket; returns its id (the stored one when its number was imported before).
 * `also` runs in the ticket's transaction with its id: the caller's record of what it imported.
 */
export async function importTicket(anyCtx: AppContext, actor: Actor, t: ImportedTicket, also?: (db: AnyDb, id: number) => Promise<void>): Promise<number> {
  const ctx = ticketsContext(anyCtx);
  const input = parseNewTicket(t.fields);
  const externalNo = input.externalNo;
  if (!externalNo) throw badRequest('INVALID_FIELD', '迁移的工单须有原系统单号 / a migrated ticket needs its legacy number');
  if (!(IMPORTED_TICKET_STATES as readonly string[]).includes(t.state)) {
    throw badRequest('INVALID_STATE', `迁移的工单状态应为 ${IMPORTED_TICKET_STATES.join('、')} 之一 / state must be one of ${IMPORTED_TICKET_STATES.join(', ')}`);
  }
  const links = await resolveLinks(ctx, actor, { ...input, sessionId: null });
  return ctx.db.transaction().execute(async (db) => {
    const existing = await db.selectFrom('tickets').select('id').where('channel', '=', input.channel).where('external_no', '=', externalNo).executeTakeFirst();
    const id = existing ? Number(existing.id) : await insertImported(ctx, db, actor, t, input, links);
    await also?.(db, id);
    return id;
  });
}

async function insertImported(ctx: TicketsContext, db: TicketsDb, actor: Actor, t: ImportedTicket, input: NewTicketInput, links: { lotCode: string | null; districtCode: string | null }): Promise<number> {
  const now = ctx.clock.now();
  const done = t.state === 'new' ? null : (t.closedAt ?? t.createdAt);
  const { id } = (await sql<{ id: string }>`select nextval(pg_get_serial_sequence('tickets', 'id')) as id`.execute(db)).rows[0]!;
  const row = await db.insertInto('tickets').values({
    id: Number(id),
    no: ticketNo(shanghaiDay(t.createdAt), Number(id)),
    channel: input.channel,
    external_no: input.externalNo,
    client_code: null,
    category: input.category,
    priority: input.priority,
    title: input.title,
    description: input.description,
    citizen_name: input.citizenName,
    citizen_phone: input.citizenPhone,
    lot_code: links.lotCode,
    plate: input.plate?.plate ?? null,
    plate_raw: input.plate?.raw ?? null,
    session_id: null,
    district_code: links.districtCode,
    state: t.state,
    assignee: null, team_code: null, merged_into: null,
    resolution: t.state === 'closed' ? t.resolution : null,
    cancel_reason: t.state === 'cancelled' ? (t.resolution ?? '系统迁移：原系统已取消') : null,
    first_response_at: done, first_resolved_at: t.state === 'closed' ? done : null, resolved_at: t.state === 'closed' ? done : null,
    feedback_at: null, confirmed_at: null,
    closed_at: t.state === 'closed' ? done : null,
    cancelled_at: t.state === 'cancelled' ? done : null,
    created_by: actor.username,
    created_at: t.createdAt,
    updated_at: now,
  }).returningAll().executeTakeFirstOrThrow();
  await recordEvent(db, Number(row.id), actor, now, { kind: 'created', toState: t.state, note: `系统迁移，原系统单号 ${input.externalNo}` });
  if (t.state === 'new') await startTicketClocks(ctx, db, row, now);
  await audit(ctx, db, actor, {
    action: 'ticket.import', targetType: 'ticket', targetId: Number(row.id),
    detail: { no: row.no, channel: row.channel, externalNo: row.external_no, state: row.state, districtCode: row.district_code },
  });
  return Number(row.id);
}
