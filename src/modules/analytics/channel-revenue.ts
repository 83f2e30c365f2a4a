import type { Actor } from '../../platform/auth/permissions.js';
import type { AppContext } from '../../platform/context.js';
import { badRequest } from '../../platform/errors.js';
import { readDb } from '../../platform/read-db.js';
import { districtScope } from '../../platform/scope.js';
import { channelRevenue, type ChannelRevenueKey } from '../payments/index.js';
import { parseRange, type KpiQuery } from './kpi-query.js';
import { readLots } from './kpi-read.js';
import { analyticsContext } from './repo.js';
import { queryKpis } from './service.js';

/*
 * 渠道收款与对账 next to the lot systems' own 实收 (docs/指标口径.md §2.11, GET
 * /api/v1/analytics/channel-revenue): per Shanghai day, lot and/or district over a period, the
 * lot systems' paidFen from the rollups (queryKpis, the same figure as the KPI table) beside what
 * the platform's channels collected for those lots and how much of it imported bills confirmed
 * (payments' channelRevenue, through its index, district-scoped there). Not rolled up: channel
 * payments are few (citizens' arrears bills), read from the payments tables at query time.
 */

export const CHANNEL_REVENUE_KEYS = ['day', 'district', 'lot'] as const satisfies readonly ChannelRevenueKey[];

export interface ChannelRevenueQuery {
  from: string;
  to: string;
  groupBy: string[];
  lot?: string[];
  district?: string[];
  category?: string[];
}

export interface ChannelRevenueFigures {
  /** The lot systems' own 实收 (exit events), fen; null for a key the rollups have no row for. */
  paidFen: number | null;
  channelPaidFen: number;
  channelRefundFen: number;
  reconciledFen: number;
}

export interface ChannelRevenueRow extends ChannelRevenueFigures {
  day?: string;
  lotCode?: string;
  lotName?: string;
  districtCode?: string;
  districtName?: string;
}

export async function queryChannelRevenue(anyCtx: AppContext, actor: Actor, q: ChannelRevenueQuery): Promise<{ rows: ChannelRevenueRow[]; totals: ChannelRevenueFigures; asOf: string | null }> {
  const ctx = analyticsContext(anyCtx);
  const groupBy: ChannelRevenueKey[] = [];
  for (const g of q.groupBy) {
    if (!(CHANNEL_REVENUE_KEYS as readonly string[]).includes(g)) throw badRequest('BAD_GROUP_BY', `groupBy 只能是 ${CHANNEL_REVENUE_KEYS.join('|')} / groupBy: one of ${CHANNEL_REVENUE_KEYS.join(', ')}`);
    if (!groupBy.includes(g as ChannelRevenueKey)) groupBy.push(g as ChannelRevenueKey);
  }
  // The lot systems' side first: it checks the period, the district scope (403) and the lots (400) as the KPI query does.
  const kpiQuery: KpiQuery = { from: q.from, to: q.to, groupBy, lot: q.lot, district: q.district, category: q.category };
  const kpis = await queryKpis(ctx, actor, kpiQuery);
  const range = parseRange(q.from, q.to, false);
  // A category is a set of lots to the payments module, which knows lot codes only.
  let lots = q.lot && q.lot.length > 0 ? q.lot : undefined;
  if (q.category && q.category.length > 0) {
    const all = await readLots(readDb(ctx));
    const inCategory = all.filter((l) => q.category!.includes(l.category) && (lots === undefined || lots.includes(l.code))).map((l) => l.code);
    lots = inCategory;
  }
  const channel = lots !== undefined && lots.length === 0 ? []
    : await channelRevenue(ctx, { from: range.from, to: range.to, scope: districtScope(actor), districts: q.district, lots, groupBy });

  const keyOf = (r: { day?: string; districtCode?: string; lotCode?: string }) => `${r.day ?? ''}|${r.districtCode ?? ''}|${r.lotCode ?? ''}`;
  const rows = new Map<string, ChannelRevenueRow>();
  for (const k of kpis.rows) {
    const row: ChannelRevenueRow = {
      ...(k.day !== undefined ? { day: k.day } : {}),
      ...(k.districtCode !== undefined ? { districtCode: k.districtCode, districtName: k.districtName } : {}),
      ...(k.lotCode !== undefined ? { lotCode: k.lotCode, lotName: k.lotName } : {}),
      paidFen: k.paidFen, channelPaidFen: 0, channelRefundFen: 0, reconciledFen: 0,
    };
    // A lot row of the KPI query carries its district too; the channel rows are keyed as grouped.
    rows.set(keyOf({ day: row.day, districtCode: groupBy.includes('district') ? row.districtCode : undefined, lotCode: row.lotCode }), row);
  }
  for (const c of channel) {
    const key = keyOf(c);
    const row = rows.get(key) ?? { ...c, paidFen: null };
    row.channelPaidFen = c.channelPaidFen;
    row.channelRefundFen = c.channelRefundFen;
    row.reconciledFen = c.reconciledFen;
    rows.set(key, row);
  }
  const out = [...rows.values()];
  const sum = (f: (r: ChannelRevenueRow) => number | null) => out.reduce((a, r) => a + (f(r) ?? 0), 0);
  return {
    rows: out,
    totals: { paidFen: sum((r) => r.paidFen), channelPaidFen: sum((r) => r.channelPaidFen), channelRefundFen: sum((r) => r.channelRefundFen), reconciledFen: sum((r) => r.reconciledFen) },
    asOf: kpis.asOf,
  };
}
