// The analytics query API (数据分析, GET /api/v1/analytics/kpis) as the console uses it.
// Ratios are fractions (0.42), money integer fen, a KPI that cannot be computed for a row is null.
import { api, type Query } from './api';
import { apiGet, type ResponseOf } from './client';

export const TIME_GRAINS = ['hour', 'day', 'week', 'month'] as const;
export type TimeGrain = (typeof TIME_GRAINS)[number];
export const DIMENSIONS = ['lot', 'district', 'category', 'channel'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const KPIS = ['entries', 'exits', 'turnoverRate', 'utilisation', 'occupancyAvg', 'occupancyPeak', 'avgDwellMinutes', 'receivableFen', 'paidFen', 'arrearsFen'] as const;
export type Kpi = (typeof KPIS)[number];
/** Filled for rows grouped by pay channel; the others are null there. */
export const CHANNEL_KPIS: readonly Kpi[] = ['exits', 'avgDwellMinutes', 'receivableFen', 'paidFen', 'arrearsFen'];
export const COMPARISONS = ['yoy', 'pop'] as const;
export type Comparison = (typeof COMPARISONS)[number];

/** One row of the answer: a key per grouping asked for, then the KPIs (and `yoy`/`pop` with compare). */
export type KpiRow = ResponseOf<'analyticsKpis'>['rows'][number];

/** The analysis view's query (docs/指标口径.md); the document takes every parameter as a string. */
export interface KpiQuery {
  /** Shanghai date YYYY-MM-DD (or an ISO time). */
  from: string;
  /** Shanghai date: the whole day included; an ISO time: exclusive. */
  to: string;
  /** Comma-separated groupings, e.g. 'district,day'. */
  groupBy?: string;
  /** Lot codes, comma-separated. */
  lot?: string;
  district?: string;
  category?: string;
  compare?: Comparison;
  top?: number;
  sort?: Kpi;
}

const path = '/api/v1/analytics/kpis' as const;

/** 渠道收款与对账 (docs/指标口径.md §2.11): grouped by day, lot and/or district; money in fen. */
export type ChannelRevenue = ResponseOf<'analyticsChannelRevenue'>;
export type ChannelRevenueRow = ChannelRevenue['rows'][number];
export interface ChannelRevenueQuery {
  from: string;
  to: string;
  /** Comma-separated: day, lot, district. */
  groupBy?: string;
  lot?: string;
  district?: string;
  category?: string;
}

export const analyticsApi = {
  kpis: (query: KpiQuery) => apiGet(path, { query: { ...query, top: query.top?.toString() } }),
  /** The same query as an .xlsx file (Chinese headers, money in yuan). */
  exportXlsx: (query: KpiQuery, fileName: string) => api.download(path, fileName, { ...(query as unknown as Query), format: 'xlsx' }),
  /** What the platform's channels collected and what bills reconciled, beside the lot systems' paid. */
  channelRevenue: (query: ChannelRevenueQuery) => apiGet('/api/v1/analytics/channel-revenue', { query }),
};
