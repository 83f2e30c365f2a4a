import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { filteredIncidents } from '../incidents/index.js';
import { filteredQuery } from '../tickets/index.js';
import type { OverviewContext } from './repo.js';

/*
 * Open incidents and work orders for the big screen, counted through the modules' own filtered
 * queries (the same filters, district scope and meaning of "open" as their lists), so the
 * figures match what the links open: /incidents?open=true and /tickets?open=true(&sla=overdue).
 * Counts only: no rows are read, so no personal data and no audit entry.
 */

export interface OpenIncidents {
  open: number;
  bySeverity: { '1': number; '2': number; '3': number };
}

export interface OpenTickets {
  open: number;
  /** Open tickets with an SLA clock past its due time. */
  overdue: number;
}

export async function openIncidents(ctx: OverviewContext, actor: Actor): Promise<OpenIncidents> {
  const rows = await filteredIncidents(ctx, actor, { open: 'true' })
    .select(['incidents.severity', sql<number>`count(*)::int`.as('n')])
    .groupBy('incidents.severity')
    .execute();
  const bySeverity: OpenIncidents['bySeverity'] = { '1': 0, '2': 0, '3': 0 };
  for (const r of rows) {
    const key = String(r.severity);
    if (key === '1' || key === '2' || key === '3') bySeverity[key] = Number(r.n);
  }
  return { open: rows.reduce((n, r) => n + Number(r.n), 0), bySeverity };
}

export async function openTickets(ctx: OverviewContext, actor: Actor): Promise<OpenTickets> {
  const count = async (q: { open: true; sla?: string }) => {
    const base = await filteredQuery(ctx, actor, q);
    const { n } = await base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    return Number(n);
  };
  const [open, overdue] = await Promise.all([count({ open: true }), count({ open: true, sla: 'overdue' })]);
  return { open, overdue };
}
