import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit, type AppContext } from '../../platform/context.js';
import { badRequest } from '../../platform/errors.js';
import { wholePlate } from '../../platform/plates.js';
import { queryList } from '../../platform/query-list.js';
import { parseBusinessTime, shanghaiDayStart } from '../../platform/time.js';
import { findSlaItems } from '../sla/index.js';
import { overdue, ticketsInScope, warning, type TicketRow, type TicketView, type TicketsContext, ticketsContext } from './repo.js';
import { seesPersonalData } from './personal-data.js';
import { auditPersonalRead, viewsOf } from './tickets.js';
import { ALL_TICKET_CATEGORIES, ALL_TICKET_CHANNELS, OPEN_STATES, TICKET_PRIORITIES, TICKET_STATES } from './vocab.js';

/*
 * The queue (工单列表) and the ledger the export writes: filters, newest first, offset pages.
 * `sla=overdue` — an open clock is past its due time; `sla=warning` — about to breach: an open,
 * running clock has passed its warning time (80 % of the target by default) but not its due
 * time; `sla=paused` — waiting for the citizen.
 *
 * The search box `q` also finds a plate, only a whole one (normalised, exact). Without pii such a
 * search is a plate search like the parking records' (docs/architecture.md, "Personal data"):
 * audited (`ticket.plate_search`, who searched which plate) and limited per user and minute
 * by the routes.
 */

export const PLATE_SEARCH = 'ticket.plate_search';

export const SLA_FILTERS = ['overdue', 'warning', 'paused'] as const;

export interface TicketQuery {
  state?: string;
  channel?: string;
  category?: string;
  priority?: string;
  assignee?: string;
  team?: string;
  districtCode?: string;
  sla?: string;
  /** Searches the number, the external number, the title and (a whole plate, normalised) the plate. */
  q?: string;
  /** On the creation time: Shanghai dates (to inclusive) or times (to exclusive). */
  from?: string;
  to?: string;
  open?: boolean;
  limit?: number;
  offset?: number;
}

function list<T extends string>(text: string | undefined, values: readonly T[], key: string): T[] | null {
  return queryList(key, text, values);
}

export function parseBound(text: string, which: 'from' | 'to'): Date {
  const value = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = shanghaiDayStart(value);
    if (start) return which === 'to' ? new Date(start.getTime() + 86_400_000) : start;
  } else {
    const t = parseBusinessTime(value);
    if (t) return t;
  }
  throw badRequest('INVALID_TIME', `${which}: 应为 YYYY-MM-DD 或时间 / must be YYYY-MM-DD or a time: ${value.slice(0, 40)}`);
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Ids of the tickets whose clocks are in the SLA state asked for (null: no SLA filter). */
async function slaIds(ctx: TicketsContext, sla: string | undefined): Promise<number[] | null> {
  if (sla === undefined || sla === '') return null;
  if (!(SLA_FILTERS as readonly string[]).includes(sla)) throw badRequest('INVALID_FILTER', `sla 应为 ${SLA_FILTERS.join('|')} / sla must be one of ${SLA_FILTERS.join(', ')}`);
  const now = ctx.clock.now();
  const items = await findSlaItems(ctx, { subjectType: 'ticket', open: true, limit: 5000 });
  const match = items.filter((i) => (sla === 'overdue' ? overdue(i, now) : sla === 'warning' ? warning(i, now) : i.state === 'paused'));
  return [...new Set(match.map((i) => Number(i.subjectId)))];
}

/** The plate `q` searches for: a whole plate, normalised; else null (`q` is then no plate search). */
export function searchedPlate(q: { q?: string }): string | null {
  return wholePlate(q.q?.trim() || undefined);
}

/** Audits a plate search of an actor without pii (a pii holder's unmasked answers are audited as reads). */
export async function auditPlateSearch(ctx: TicketsContext, actor: Actor, q: TicketQuery, detail: Record<string, unknown>): Promise<void> {
  const plate = searchedPlate(q);
  if (plate === null || seesPersonalData(actor)) return;
  await audit(ctx, ctx.db, actor, { action: PLATE_SEARCH, targetType: 'ticket', detail: { plate, ...detail } });
}

export async function filteredQuery(anyCtx: AppContext, actor: Actor, q: TicketQuery) {
  const ctx = ticketsContext(anyCtx);
  const states = list(q.state, TICKET_STATES, 'state');
  const channels = list(q.channel, ALL_TICKET_CHANNELS, 'channel');
  const categories = list(q.category, ALL_TICKET_CATEGORIES, 'category');
  const priorities = list(q.priority, TICKET_PRIORITIES, 'priority');
  const from = q.from ? parseBound(q.from, 'from') : null;
  const to = q.to ? parseBound(q.to, 'to') : null;
  if (from && to && from >= to) throw badRequest('INVALID_TIME_RANGE', '开始时间不早于结束时间 / from is not before to');
  const ids = await slaIds(ctx, q.sla);
  const search = q.q?.trim();
  const plate = searchedPlate(q);
  return ticketsInScope(ctx.db, actor)
    .$if(states !== null, (qb) => qb.where('state', 'in', states!))
    .$if(q.open === true, (qb) => qb.where('state', 'in', OPEN_STATES))
    .$if(channels !== null, (qb) => qb.where('channel', 'in', channels!))
    .$if(categories !== null, (qb) => qb.where('category', 'in', categories!))
    .$if(priorities !== null, (qb) => qb.where('priority', 'in', priorities!))
    .$if(!!q.assignee?.trim(), (qb) => qb.where('assignee', '=', q.assignee!.trim()))
    .$if(!!q.team?.trim(), (qb) => qb.where('team_code', '=', q.team!.trim()))
    .$if(!!q.districtCode?.trim(), (qb) => qb.where('district_code', '=', q.districtCode!.trim()))
    .$if(from !== null, (qb) => qb.where('created_at', '>=', from!))
    .$if(to !== null, (qb) => qb.where('created_at', '<', to!))
    .$if(ids !== null, (qb) => (ids!.length ? qb.where('id', 'in', ids!) : qb.where(sql<boolean>`false`)))
    .$if(!!search, (qb) => qb.where((eb) => eb.or([
      eb('no', 'ilike', `%${escapeLike(search!)}%`),
      eb('external_no', 'ilike', `%${escapeLike(search!)}%`),
      eb('title', 'ilike', `%${escapeLike(search!)}%`),
      ...(plate !== null ? [eb('plate', '=', plate)] : []),
    ])));
}

export async function listTickets(ctx: TicketsContext, actor: Actor, q: TicketQuery): Promise<{ items: TicketView[]; total: number }> {
  const limit = Math.min(Math.max(q.limit ?? 50, 1), 200);
  const offset = Math.max(q.offset ?? 0, 0);
  const base = await filteredQuery(ctx, actor, q);
  const { n } = await base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  const rows = (await base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute()) as TicketRow[];
  const items = await viewsOf(ctx, ctx.db, actor, rows);
  await auditPersonalRead(ctx, actor, items, { list: true });
  await auditPlateSearch(ctx, actor, q, { count: Number(n) });
  return { items, total: Number(n) };
}
