import type { Selectable } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type Trx } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { districtScope } from '../../platform/scope.js';
import type { SlaItem } from '../sla/index.js';
import type { TicketsTable, TicketsTables } from './tables.js';
import type { TicketCategory, TicketChannel, TicketPriority, TicketState } from './vocab.js';

/*
 * The tables work orders works on (docs/architecture.md, "Modules"): its own. Functions other
 * modules call take the plain AppContext / AnyDb and narrow it with ticketsContext / ticketsDb;
 * the rest of the module takes TicketsContext / TicketsDb.
 */
type Tables = TicketsTables;
export type TicketsDb = Db<Tables>;
export type TicketsTrx = Trx<Tables>;
export type TicketsContext = AppContext<Tables>;
export const ticketsDb = (db: AnyDb): TicketsDb => tablesOf<Tables>(db);
export const ticketsContext = (ctx: AppContext): TicketsContext => contextOf<Tables>(ctx);

/*
 * Reads of tickets go through `ticketsInScope`, which applies the actor's district scope: a
 * district user never sees, counts or exports tickets of another district (those of no district,
 * city-level complaints, are visible only to city-wide users).
 */

export type TicketRow = Selectable<TicketsTable>;

export function ticketsInScope(db: TicketsDb, actor: Actor) {
  const scope = districtScope(actor);
  return db.selectFrom('tickets').$if(scope !== null, (qb) => qb.where('tickets.district_code', '=', scope!));
}

/** The row for a write: visible to the actor (else 404) and locked until the transaction ends. */
export async function lockTicket(trx: TicketsDb, actor: Actor, id: number): Promise<TicketRow> {
  const row = await ticketsInScope(trx, actor).selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw notFound(`工单 ${id}`);
  return row;
}

export async function findTicket(db: TicketsDb, actor: Actor, id: number): Promise<TicketRow> {
  const row = await ticketsInScope(db, actor).selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`工单 ${id}`);
  return row;
}

export type SlaStatus = 'running' | 'warning' | 'overdue' | 'paused' | 'done' | 'none';

export interface SlaSummary {
  responseDueAt: string | null;
  resolveDueAt: string | null;
  feedbackDueAt: string | null;
  /** Worst of the open clocks: overdue > warning > running > paused; done when none is open. */
  slaStatus: SlaStatus;
  /** A clock of this ticket has been breached (now or in the past). */
  late: boolean;
  /** The running clock due first (the countdown a queue shows), or null. */
  nextDueKind: string | null;
  nextDueAt: string | null;
}

const isOpen = (i: SlaItem) => i.state === 'running' || i.state === 'paused' || i.state === 'breached';

export function overdue(i: SlaItem, now: Date): boolean {
  return isOpen(i) && (i.breachedAt !== null || (i.dueAt !== null && i.dueAt.getTime() < now.getTime()));
}

export function warning(i: SlaItem, now: Date): boolean {
  return isOpen(i) && i.state !== 'paused' && !overdue(i, now) && i.warnAt !== null && i.warnAt.getTime() <= now.getTime();
}

export function summariseSla(items: readonly SlaItem[], now: Date): SlaSummary {
  const latest = (kind: string) => {
    let found: SlaItem | null = null;
    for (const i of items) if (i.kind === kind && i.state !== 'cancelled' && (!found || i.id > found.id)) found = i;
    return found?.dueAt?.toISOString() ?? null;
  };
  const open = items.filter(isOpen);
  let slaStatus: SlaStatus = items.length ? 'done' : 'none';
  if (open.some((i) => overdue(i, now))) slaStatus = 'overdue';
  else if (open.some((i) => warning(i, now))) slaStatus = 'warning';
  else if (open.some((i) => i.state !== 'paused')) slaStatus = 'running';
  else if (open.length) slaStatus = 'paused';
  let next: SlaItem | null = null;
  for (const i of open) if (i.state !== 'paused' && i.dueAt && (!next || i.dueAt < next.dueAt!)) next = i;
  return {
    responseDueAt: latest('response'),
    resolveDueAt: latest('resolution'),
    feedbackDueAt: latest('feedback'),
    slaStatus,
    late: items.some((i) => i.breachedAt !== null || overdue(i, now)),
    nextDueKind: next?.kind ?? null,
    nextDueAt: next?.dueAt?.toISOString() ?? null,
  };
}

export interface TicketView extends SlaSummary {
  id: number;
  no: string;
  channel: TicketChannel;
  externalNo: string | null;
  clientCode: string | null;
  category: TicketCategory;
  priority: TicketPriority;
  title: string;
  description: string;
  citizenName: string | null;
  citizenPhone: string | null;
  lotCode: string | null;
  plate: string | null;
  sessionId: number | null;
  districtCode: string | null;
  state: TicketState;
  assignee: string | null;
  team: string | null;
  resolution: string | null;
  cancelReason: string | null;
  mergedInto: number | null;
  reopenCount: number;
  firstResponseAt: string | null;
  firstResolvedAt: string | null;
  resolvedAt: string | null;
  feedbackAt: string | null;
  confirmedAt: string | null;
  closedAt: string | null;
  cancelledAt: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** The stored row as the API shows it (unmasked; the service masks). */
export function toView(r: TicketRow, sla: SlaSummary): TicketView {
  return {
    id: Number(r.id),
    no: r.no,
    channel: r.channel,
    externalNo: r.external_no,
    clientCode: r.client_code,
    category: r.category,
    priority: r.priority,
    title: r.title,
    description: r.description,
    citizenName: r.citizen_name,
    citizenPhone: r.citizen_phone,
    lotCode: r.lot_code,
    plate: r.plate,
    sessionId: r.session_id === null ? null : Number(r.session_id),
    districtCode: r.district_code,
    state: r.state,
    assignee: r.assignee,
    team: r.team_code,
    resolution: r.resolution,
    cancelReason: r.cancel_reason,
    mergedInto: r.merged_into === null ? null : Number(r.merged_into),
    reopenCount: r.reopen_count,
    firstResponseAt: iso(r.first_response_at),
    firstResolvedAt: iso(r.first_resolved_at),
    resolvedAt: iso(r.resolved_at),
    feedbackAt: iso(r.feedback_at),
    confirmedAt: iso(r.confirmed_at),
    closedAt: iso(r.closed_at),
    cancelledAt: iso(r.cancelled_at),
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    ...sla,
  };
}
