import { badRequest } from '../../platform/errors.js';
import { queryList } from '../../platform/query-list.js';
import { parseBusinessTime, shanghaiDayStart } from '../../platform/time.js';
import { LOT_CATEGORIES } from '../registry/index.js';
import { addMonths, ceilDay, ceilMonth, dayStart, isDayStart, monthStart, TIME_KEYS, type TimeKey } from './kpi-time.js';

/*
 * The KPI query's parameters: what the HTTP query string says (comma-separated lists, strings),
 * the typed KpiQuery the service takes (the overview and the bench call it directly), and its
 * validation. Every bad value is a 400 with its own code, never a 500.
 */

export const GROUP_KEYS = [...TIME_KEYS, 'lot', 'district', 'category', 'channel'] as const;
export type GroupKey = (typeof GROUP_KEYS)[number];

export const KPI_NAMES = [
  'entries', 'exits', 'turnoverRate', 'utilisation', 'occupancyAvg', 'occupancyPeak', 'avgDwellMinutes',
  'receivableFen', 'paidFen', 'arrearsFen', 'completeness', 'flaggedShare',
] as const;
export type KpiName = (typeof KPI_NAMES)[number];

export const COMPARE_KINDS = ['yoy', 'pop'] as const;
export type CompareKind = (typeof COMPARE_KINDS)[number];

export const MAX_TOP = 1000;
/** Hour rows are many: an hour-grouped query covers at most this many days. */
export const MAX_HOUR_DAYS = 92;
export const MAX_YEARS = 3;

export interface KpiQuery {
  from: string;
  to: string;
  groupBy: GroupKey[];
  lot?: string[];
  district?: string[];
  category?: string[];
  compare?: CompareKind[];
  top?: number;
  sort?: KpiName;
}

/** The query string as it arrives. */
export interface KpiParams {
  from?: string;
  to?: string;
  groupBy?: string;
  lot?: string;
  district?: string;
  category?: string;
  compare?: string;
  top?: string;
  sort?: string;
  format?: string;
}

/** A comma list (an empty item is 400 with the field's own code); the names are checked by checkQuery. */
const list = (field: string, v: string | undefined, code: string) => queryList(field, v, undefined, code) ?? [];

/** Splits the query string into a KpiQuery; names are checked by checkQuery. */
export function kpiQueryFromParams(p: KpiParams): KpiQuery {
  const top = p.top?.trim() ? Number(p.top.trim()) : undefined;
  return {
    from: p.from?.trim() ?? '',
    to: p.to?.trim() ?? '',
    groupBy: list('groupBy', p.groupBy, 'BAD_GROUP_BY') as GroupKey[],
    lot: list('lot', p.lot, 'UNKNOWN_LOT'),
    district: list('district', p.district, 'UNKNOWN_DISTRICT'),
    category: list('category', p.category, 'BAD_CATEGORY'),
    compare: list('compare', p.compare, 'BAD_COMPARE') as CompareKind[],
    ...(top === undefined ? {} : { top }),
    ...(p.sort?.trim() ? { sort: p.sort.trim() as KpiName } : {}),
  };
}

export const KPI_FORMATS = ['json', 'xlsx'] as const;
export function parseKpiFormat(text: string | undefined): 'json' | 'xlsx' {
  const f = (text ?? '').trim().toLowerCase() || 'json';
  if (f !== 'json' && f !== 'xlsx') throw badRequest('BAD_FORMAT', `format 应为 json 或 xlsx / format must be json or xlsx: ${String(text).slice(0, 20)}`);
  return f;
}

export interface Range {
  from: Date;
  /** Exclusive. */
  to: Date;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** One bound: a Shanghai date (its start; for `to` the next day's start) or an ISO time (as is). */
function parseBound(text: string, which: 'from' | 'to'): Date {
  const t = (text ?? '').trim();
  if (!t) throw badRequest('BAD_PERIOD', `缺少 ${which} / ${which} is required`);
  if (DATE_RE.test(t)) {
    const start = shanghaiDayStart(t);
    if (!start) throw badRequest('BAD_PERIOD', `${which} 不是有效日期 / ${which} is not a valid date: ${t.slice(0, 40)}`);
    return which === 'to' ? new Date(start.getTime() + 86_400_000) : start;
  }
  const at = parseBusinessTime(t);
  if (!at) throw badRequest('BAD_PERIOD', `${which} 应为 YYYY-MM-DD 或 ISO 时间 / ${which} must be YYYY-MM-DD or an ISO time: ${t.slice(0, 40)}`);
  // The finest rollup is the hour: a bound inside an hour would count time the rows cannot split.
  if (at.getTime() % 3_600_000 !== 0) {
    throw badRequest('BAD_PERIOD', `${which} 须为整点 / ${which} must be on a whole hour: ${t.slice(0, 40)}`);
  }
  return at;
}

/** from/to of the query: a date `to` includes its whole day, a time `to` is exclusive. */
export function parseRange(fromText: string, toText: string, hourly: boolean): Range {
  const from = parseBound(fromText, 'from');
  const to = parseBound(toText, 'to');
  if (from >= to) throw badRequest('BAD_PERIOD', 'from 须早于 to / from must be before to');
  if (to > addMonths(from, MAX_YEARS * 12)!) throw badRequest('RANGE_TOO_LONG', `时间范围最长 ${MAX_YEARS} 年 / the range is at most ${MAX_YEARS} years`);
  if (hourly && to.getTime() - from.getTime() > MAX_HOUR_DAYS * 86_400_000) {
    throw badRequest('RANGE_TOO_LONG', `按小时分组最长 ${MAX_HOUR_DAYS} 天 / hourly rows cover at most ${MAX_HOUR_DAYS} days`);
  }
  return { from, to };
}

const oneOf = <T extends string>(values: readonly T[], v: unknown): v is T => typeof v === 'string' && (values as readonly string[]).includes(v);

/** Checks names and numbers of a KpiQuery (the registry lookups come later); returns it normalised. */
export function checkQuery(q: KpiQuery): KpiQuery & { range: Range } {
  const groupBy: GroupKey[] = [];
  for (const g of q.groupBy ?? []) {
    if (!oneOf(GROUP_KEYS, g)) throw badRequest('BAD_GROUP_BY', `groupBy 只能是 ${GROUP_KEYS.join('|')} / unknown groupBy: ${String(g).slice(0, 20)}`);
    if (!groupBy.includes(g)) groupBy.push(g);
  }
  for (const c of q.category ?? []) {
    if (!oneOf(LOT_CATEGORIES, c)) throw badRequest('BAD_CATEGORY', `停车场类别只能是 ${LOT_CATEGORIES.join('|')} / unknown category: ${String(c).slice(0, 20)}`);
  }
  for (const c of q.compare ?? []) {
    if (!oneOf(COMPARE_KINDS, c)) throw badRequest('BAD_COMPARE', `compare 只能是 yoy|pop / compare must be yoy or pop`);
  }
  if (q.top !== undefined && !(Number.isInteger(q.top) && q.top >= 1 && q.top <= MAX_TOP)) {
    throw badRequest('BAD_TOP', `top 应为 1–${MAX_TOP} 的整数 / top must be an integer 1–${MAX_TOP}`);
  }
  if (q.sort !== undefined && !oneOf(KPI_NAMES, q.sort)) {
    throw badRequest('BAD_SORT', `sort 只能是 ${KPI_NAMES.join('|')} / unknown sort KPI: ${String(q.sort).slice(0, 30)}`);
  }
  const range = parseRange(q.from, q.to, groupBy.includes('hour'));
  return { ...q, groupBy, compare: [...new Set(q.compare ?? [])], range };
}

export type Grain = 'hour' | 'day' | 'month';
export interface Segment {
  grain: Grain;
  from: Date;
  to: Date;
}

/**
 * Which rollup table answers which part of [from, to): the coarsest that is exact. Hour rows for
 * the partial days at the ends of an ISO-time range, month rows for whole months when no
 * finer time grouping needs the days, day rows in between. `grain` is the finest one read.
 */
export function planSegments(range: Range, groupBy: readonly GroupKey[]): { segments: Segment[]; grain: Grain } {
  const { from, to } = range;
  if (groupBy.includes('hour')) return { segments: [{ grain: 'hour', from, to }], grain: 'hour' };
  const months = !groupBy.includes('day') && !groupBy.includes('week');
  const segments: Segment[] = [];
  const d1 = ceilDay(from);
  const d2 = dayStart(to);
  if (d1 >= d2) return { segments: [{ grain: 'hour', from, to }], grain: 'hour' };
  if (from < d1) segments.push({ grain: 'hour', from, to: d1 });
  const m1 = months ? ceilMonth(d1) : d2;
  const m2 = months ? monthStart(d2) : d2;
  if (months && m1 < m2) {
    if (d1 < m1) segments.push({ grain: 'day', from: d1, to: m1 });
    segments.push({ grain: 'month', from: m1, to: m2 });
    if (m2 < d2) segments.push({ grain: 'day', from: m2, to: d2 });
  } else {
    segments.push({ grain: 'day', from: d1, to: d2 });
  }
  if (d2 < to && !isDayStart(to)) segments.push({ grain: 'hour', from: d2, to });
  const order: Grain[] = ['hour', 'day', 'month'];
  const grain = order.find((g) => segments.some((s) => s.grain === g))!;
  return { segments, grain };
}

export const isTimeKey = (g: GroupKey): g is TimeKey => (TIME_KEYS as readonly string[]).includes(g);
