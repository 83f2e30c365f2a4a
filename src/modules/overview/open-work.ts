import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { filteredIncidents } from '../incidents/index.js';
import { filteredQuery } from '../tickets/index.js';
import { unresolvedAlerts } from '../monitoring/index.js';
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

/** One line of the big screen's ticker: an open incident or an unresolved sync alert. */
export interface TickerItem {
  kind: 'incident' | 'alert';
  id: number;
  /** Incident code (SJ-…) or null for alerts. */
  code: string | null;
  at: string;
  /** Incident severity 1–3; null for alerts. */
  severity: number | null;
  /** Incident title; for alerts the lot's name, else the source's. */
  title: string;
  /** Alerts: lot or source alert and minutes behind now; null for incidents. */
  scope: 'lot' | 'source' | null;
  lateMinutes: number | null;
}

const TICKER_SIZE = 12;

/**
 * The ticker: open incidents (the ledger's filtered query, as the counts) and unresolved sync
 * alerts (monitoring's list), newest first, at most TICKER_SIZE. Titles only, no personal data.
 */
export async function tickerItems(ctx: OverviewContext, actor: Actor): Promise<TickerItem[]> {
  const [incidents, alerts] = await Promise.all([
    filteredIncidents(ctx, actor, { open: 'true' })
      .select(['incidents.id', 'incidents.code', 'incidents.title', 'incidents.severity', 'incidents.detected_at'])
      .orderBy('incidents.detected_at', 'desc')
      .orderBy('incidents.id', 'desc')
      .limit(TICKER_SIZE)
      .execute(),
    unresolvedAlerts(ctx, actor, TICKER_SIZE),
  ]);
  const items: TickerItem[] = [
    ...incidents.map((i) => ({
      kind: 'incident' as const, id: Number(i.id), code: i.code, at: new Date(i.detected_at).toISOString(), severity: Number(i.severity),
      title: i.title, scope: null, lateMinutes: null,
    })),
    ...alerts.map((a) => ({
      kind: 'alert' as const, id: a.id, code: null, at: a.openedAt, severity: null,
      title: (a.scope === 'lot' ? a.lotName ?? a.lotCode : a.sourceName ?? a.sourceCode) ?? a.sourceCode, scope: a.scope, lateMinutes: a.lateMinutes,
    })),
  ];
  return items.sort((x, y) => y.at.localeCompare(x.at) || y.id - x.id).slice(0, TICKER_SIZE);
}
