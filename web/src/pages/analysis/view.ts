// The analysis view (period, grain, dimension, filters, comparison, chart KPI) and its URL form,
// so that a view can be shared as a link. Dates are Shanghai calendar dates, whatever the browser's zone.
import type { LocationQuery } from 'vue-router';
import { COMPARISONS, DIMENSIONS, KPIS, TIME_GRAINS, type Comparison, type Dimension, type Kpi, type KpiQuery, type TimeGrain } from '../../api/analytics';

export interface AnalysisView {
  /** YYYY-MM-DD, Shanghai. */
  from: string;
  /** YYYY-MM-DD, Shanghai, included. */
  to: string;
  grain: TimeGrain | '';
  dim: Dimension | '';
  district: string;
  category: string;
  lots: string[];
  compare: Comparison | '';
  /** The KPI of the chart and of the lot ranking. */
  kpi: Kpi;
  top: number;
}

export const TOP_SIZES = [5, 10, 20, 50] as const;
/** Hourly rows over a longer period would be thousands of table rows; the page asks for days instead. */
export const MAX_HOUR_DAYS = 31;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000; // Shanghai has no daylight saving time

/** Today's Shanghai date. */
export function shanghaiToday(now: Date = new Date()): string {
  return new Date(now.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** A calendar date plus `n` days. */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

export const SHORTCUTS = ['today', 'yesterday', 'last7', 'thisMonth', 'lastMonth', 'thisYear'] as const;
export type Shortcut = (typeof SHORTCUTS)[number];

/** The [from, to] dates of a shortcut, relative to Shanghai `today`. */
export function shortcutRange(shortcut: Shortcut, today: string): [string, string] {
  const month = today.slice(0, 8); // 'YYYY-MM-'
  switch (shortcut) {
    case 'today':
      return [today, today];
    case 'yesterday':
      return [addDays(today, -1), addDays(today, -1)];
    case 'last7':
      return [addDays(today, -6), today];
    case 'thisMonth':
      return [`${month}01`, today];
    case 'lastMonth': {
      const lastDay = addDays(`${month}01`, -1);
      return [`${lastDay.slice(0, 8)}01`, lastDay];
    }
    case 'thisYear':
      return [`${today.slice(0, 4)}-01-01`, today];
  }
}

export function defaultView(today: string): AnalysisView {
  const [from, to] = shortcutRange('last7', today);
  return { from, to, grain: 'day', dim: '', district: '', category: '', lots: [], compare: '', kpi: 'entries', top: 10 };
}

const one = (v: LocationQuery[string] | undefined): string => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '');
const oneOf = <T extends string>(list: readonly T[], v: string): T | '' => ((list as readonly string[]).includes(v) ? (v as T) : '');

/** The view a URL describes; what is missing or malformed takes the default. */
export function viewFromQuery(query: LocationQuery, today: string): AnalysisView {
  const view = defaultView(today);
  const from = one(query.from);
  const to = one(query.to);
  if (DATE.test(from) && DATE.test(to) && from <= to) {
    view.from = from;
    view.to = to;
  }
  // `grain=` (empty) is "no time grain"; a missing grain is the default (days).
  if (query.grain !== undefined) view.grain = oneOf(TIME_GRAINS, one(query.grain));
  view.dim = oneOf(DIMENSIONS, one(query.dim));
  view.district = one(query.district).trim();
  view.category = one(query.category).trim();
  view.lots = one(query.lot).split(',').map((s) => s.trim()).filter(Boolean);
  view.compare = oneOf(COMPARISONS, one(query.compare));
  view.kpi = oneOf(KPIS, one(query.kpi)) || view.kpi;
  const top = Number(one(query.top));
  if ((TOP_SIZES as readonly number[]).includes(top)) view.top = top;
  return view;
}

/** The URL query of a view: every part spelled out, so that a shared link shows the same view later. */
export function viewToQuery(view: AnalysisView): Record<string, string> {
  const query: Record<string, string> = { from: view.from, to: view.to, grain: view.grain };
  if (view.dim) query.dim = view.dim;
  if (view.district) query.district = view.district;
  if (view.category) query.category = view.category;
  if (view.lots.length) query.lot = view.lots.join(',');
  if (view.compare) query.compare = view.compare;
  query.kpi = view.kpi;
  query.top = String(view.top);
  return query;
}

/** The API's filters of a view (period, district, category, lots). */
function filtersOf(view: AnalysisView): KpiQuery {
  const query: KpiQuery = { from: view.from, to: view.to };
  if (view.district) query.district = view.district;
  if (view.category) query.category = view.category;
  if (view.lots.length) query.lot = view.lots.join(',');
  return query;
}

/** The API query of the chart and table (also the export): dimension first, then time, e.g. `district,day`. */
export function kpiQueryOf(view: AnalysisView): KpiQuery {
  const query = filtersOf(view);
  const groupBy = [view.dim, view.grain].filter(Boolean).join(',');
  if (groupBy) query.groupBy = groupBy;
  if (view.compare) query.compare = view.compare;
  return query;
}

/** The API query of the lot ranking: the same period and filters, grouped by lot, the top N by the chart's KPI. */
export function topQueryOf(view: AnalysisView): KpiQuery {
  return { ...filtersOf(view), groupBy: 'lot', top: view.top, sort: view.kpi };
}

