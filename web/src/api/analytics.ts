// The analytics query API (数据分析, GET /api/v1/analytics/kpis) as the console uses it.
// Ratios are fractions (0.42), money integer fen, a KPI that cannot be computed for a row is null.
import { api, type Query } from './api';

export const TIME_GRAINS = ['hour', 'day', 'week', 'month'] as const;
export type TimeGrain = (typeof TIME_GRAINS)[number];
export const DIMENSIONS = ['lot', 'district', 'category', 'channel'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export type GroupBy = TimeGrain | Dimension;

export const KPIS = ['entries', 'exits', 'turnoverRate', 'utilisation', 'occupancyAvg', 'occupancyPeak', 'avgDwellMinutes', 'receivableFen', 'paidFen', 'arrearsFen'] as const;
export type Kpi = (typeof KPIS)[number];
/** Filled for rows grouped by pay channel; the others are null there. */
export const CHANNEL_KPIS: readonly Kpi[] = ['exits', 'avgDwellMinutes', 'receivableFen', 'paidFen', 'arrearsFen'];
export const COMPARISONS = ['yoy', 'pop'] as const;
export type Comparison = (typeof COMPARISONS)[number];

export type KpiValues = Record<Kpi, number | null> & {
  /** Extras: share of sessions with both ends, share with flags. */
  completeness?: number | null;
  flaggedShare?: number | null;
};

/** One row: a key per grouping (only those asked for), then the KPIs. */
export interface KpiRow extends KpiValues {
  /** ISO instant the Shanghai hour starts. */
  hour?: string;
  /** YYYY-MM-DD */
  day?: string;
  /** YYYY-Www (ISO week) */
  week?: string;
  /** YYYY-MM */
  month?: string;
  lotCode?: string;
  lotName?: string;
  districtCode?: string;
  districtName?: string;
  category?: string;
  /** '' = sessions without a pay channel. */
  payChannel?: string;
  /** The same KPIs for the shifted period (compare=yoy / compare=pop), matched by key. */
  yoy?: KpiValues | null;
  pop?: KpiValues | null;
}

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

const path = '/api/v1/analytics/kpis';

export const analyticsApi = {
  kpis: (query: KpiQuery) => api.get<{ rows: KpiRow[] }>(path, query as unknown as Query),
  /** The same query as an .xlsx file (Chinese headers, money in yuan). */
  exportXlsx: (query: KpiQuery, fileName: string) => api.download(path, fileName, { ...(query as unknown as Query), format: 'xlsx' }),
};
