import type { Actor } from '../../platform/auth/permissions.js';
import { badRequest } from '../../platform/errors.js';
import { shanghaiDay } from '../../platform/time.js';
import { listDistricts } from '../registry/index.js';
import { parseBound } from './list.js';
import { ticketsInScope, type TicketsContext } from './repo.js';
import { CATEGORY_LABELS, CHANNEL_LABELS, CLOSED_FOR_KPI, INTERNAL_CATEGORIES, INTERNAL_CHANNEL, OPEN_STATES, RESOLVED_STATES, TICKET_CATEGORIES, TICKET_CHANNELS, type TicketState } from './vocab.js';

/*
 * Work-order KPIs (issue 5, docs/architecture.md "Work orders") over the tickets CREATED in the period [from, to] — Shanghai
 * dates, both days included — within the reader's district scope, leaving out cancelled tickets
 * and merged duplicates (not separate complaints; reported as `cancelled` and `merged`):
 *
 *   total            tickets in the period
 *   closed           of them, now `confirmed` or `closed` (the citizen has confirmed)
 *   closureRate      closed ÷ total                                     (null when total = 0)
 *   resolved         of them, resolved at least once (first_resolved_at set)
 *   onTime           of the resolved, those whose every resolution clock so far was met by its
 *                    due time (judged at each resolution; a reopen starts a new clock)
 *   onTimeRate       onTime ÷ resolved                                  (null when resolved = 0)
 *   avgHandlingMinutes  mean wall-clock minutes from creation to the latest resolution, over
 *                    the tickets now resolved or beyond (not reopened and still in work)
 *   reopened         of the resolved, those reopened at least once
 *   reopenRate       reopened ÷ resolved                                (null when resolved = 0)
 *   open             of them, still in new/assigned/in_progress/waiting_citizen/reopened
 * Rates are fractions (0.95), not percentages.
 *
 * Internal service requests (channel `internal`: 电话咨询、远程协助、现场指导) are not citizens'
 * requests: they are left out of all the figures above and of the groups, and reported apart as
 * `internal` (the same figures, and by category).
 */

export const GROUP_BY = ['channel', 'category', 'district'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export interface KpiFigures {
  total: number;
  closed: number;
  closureRate: number | null;
  resolved: number;
  onTime: number;
  onTimeRate: number | null;
  avgHandlingMinutes: number | null;
  reopened: number;
  reopenRate: number | null;
  open: number;
}

export interface KpiGroup extends KpiFigures {
  key: string | null;
  label: string;
}

export interface KpiReport extends KpiFigures {
  from: string;
  to: string;
  cancelled: number;
  merged: number;
  groupBy: GroupBy | null;
  groups: KpiGroup[];
  internal: KpiFigures & { byCategory: KpiGroup[] };
}

interface Row {
  channel: string;
  category: string;
  district_code: string | null;
  state: TicketState;
  created_at: Date;
  resolved_at: Date | null;
  first_resolved_at: Date | null;
  reopen_count: number;
  resolution_late: boolean;
}

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);

export function figures(rows: readonly Row[]): KpiFigures {
  const closed = rows.filter((r) => CLOSED_FOR_KPI.includes(r.state)).length;
  const resolved = rows.filter((r) => r.first_resolved_at !== null);
  const onTime = resolved.filter((r) => !r.resolution_late).length;
  const reopened = resolved.filter((r) => r.reopen_count > 0).length;
  const handled = rows.filter((r) => RESOLVED_STATES.includes(r.state) && r.resolved_at !== null);
  const minutes = handled.reduce((sum, r) => sum + (r.resolved_at!.getTime() - r.created_at.getTime()) / 60_000, 0);
  return {
    total: rows.length,
    closed,
    closureRate: ratio(closed, rows.length),
    resolved: resolved.length,
    onTime,
    onTimeRate: ratio(onTime, resolved.length),
    avgHandlingMinutes: handled.length ? Math.round((minutes / handled.length) * 10) / 10 : null,
    reopened,
    reopenRate: ratio(reopened, resolved.length),
    open: rows.filter((r) => OPEN_STATES.includes(r.state)).length,
  };
}

function monthStart(now: Date): string {
  return `${shanghaiDay(now).slice(0, 8)}01`;
}

export async function ticketKpis(ctx: TicketsContext, actor: Actor, q: { from?: string; to?: string; groupBy?: string }): Promise<KpiReport> {
  const now = ctx.clock.now();
  const fromDay = q.from?.trim() || monthStart(now);
  const toDay = q.to?.trim() || shanghaiDay(now);
  for (const [k, v] of [['from', fromDay], ['to', toDay]] as const) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw badRequest('INVALID_DATE', `${k} 应为 YYYY-MM-DD 日期 / ${k} must be a date YYYY-MM-DD`);
  }
  const from = parseBound(fromDay, 'from');
  const to = parseBound(toDay, 'to');
  if (from >= to) throw badRequest('INVALID_TIME_RANGE', 'to 早于 from / to is before from');
  if (to.getTime() - from.getTime() > 3 * 366 * 86_400_000) throw badRequest('RANGE_TOO_LONG', '最长 3 年 / at most 3 years');
  const groupBy = q.groupBy?.trim() ? q.groupBy.trim() : null;
  if (groupBy !== null && !(GROUP_BY as readonly string[]).includes(groupBy)) {
    throw badRequest('INVALID_GROUP_BY', `groupBy 应为 ${GROUP_BY.join('|')} / groupBy must be one of ${GROUP_BY.join(', ')}`);
  }

  const all = (await ticketsInScope(ctx.db, actor)
    .select(['channel', 'category', 'district_code', 'state', 'created_at', 'resolved_at', 'first_resolved_at', 'reopen_count', 'resolution_late', 'merged_into'])
    .where('created_at', '>=', from).where('created_at', '<', to)
    .execute());
  const citizens = all.filter((r) => r.channel !== INTERNAL_CHANNEL);
  const merged = citizens.filter((r) => r.merged_into !== null).length;
  const cancelled = citizens.filter((r) => r.merged_into === null && r.state === 'cancelled').length;
  const rows: Row[] = citizens.filter((r) => r.merged_into === null && r.state !== 'cancelled');
  const internalRows: Row[] = all.filter((r) => r.channel === INTERNAL_CHANNEL && r.merged_into === null && r.state !== 'cancelled');
  const internal = {
    ...figures(internalRows),
    byCategory: INTERNAL_CATEGORIES.map((c) => ({ key: c, label: CATEGORY_LABELS[c], ...figures(internalRows.filter((r) => r.category === c)) })),
  };

  let groups: KpiGroup[] = [];
  if (groupBy === 'channel') {
    groups = TICKET_CHANNELS.map((c) => ({ key: c, label: CHANNEL_LABELS[c], ...figures(rows.filter((r) => r.channel === c)) }));
  } else if (groupBy === 'category') {
    groups = TICKET_CATEGORIES.map((c) => ({ key: c, label: CATEGORY_LABELS[c], ...figures(rows.filter((r) => r.category === c)) }));
  } else if (groupBy === 'district') {
    const districts = await listDistricts(ctx, actor);
    const scoped = actor.districtCode ? districts.filter((d) => d.code === actor.districtCode) : districts;
    groups = scoped.map((d) => ({ key: d.code, label: d.name, ...figures(rows.filter((r) => r.district_code === d.code)) }));
    const none = rows.filter((r) => r.district_code === null);
    if (none.length) groups.push({ key: null, label: '未指定县市区', ...figures(none) });
  }
  return { from: fromDay, to: toDay, ...figures(rows), cancelled, merged, groupBy: groupBy as GroupBy | null, groups, internal };
}
