// Display of KPI values: ratios (fractions from the API) as percentages, money from fen as yuan,
// counts as integers, minutes with one decimal; a KPI the API could not compute (null) as '—'.
import type { Kpi } from '../../api/analytics';
import type { Schemas } from '../../api/client';

/** A table column: a KPI of the contract or one of the extras. */
export type KpiColumn = Kpi | 'completeness' | 'flaggedShare';

export type KpiKind = 'count' | 'ratio' | 'turnover' | 'minutes' | 'money';

export function kindOf(kpi: KpiColumn): KpiKind {
  switch (kpi) {
    case 'entries':
    case 'exits':
      return 'count';
    case 'utilisation':
    case 'occupancyAvg':
    case 'occupancyPeak':
    case 'completeness':
    case 'flaggedShare':
      return 'ratio';
    case 'turnoverRate':
      // Sessions per space per day: 2.35, not a share of a whole, so not a percentage.
      return 'turnover';
    case 'avgDwellMinutes':
      return 'minutes';
    case 'receivableFen':
    case 'paidFen':
    case 'arrearsFen':
      return 'money';
  }
}

const fixed = (n: number, digits: number) => n.toLocaleString('zh-CN', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** 123456 fen → '1,234.56' (yuan, integer arithmetic so no float rounding). */
export function fenToYuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.round(Math.abs(fen));
  return `${sign}${Math.floor(abs / 100).toLocaleString('zh-CN')}.${String(abs % 100).padStart(2, '0')}`;
}

export function formatKpi(kpi: KpiColumn, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  switch (kindOf(kpi)) {
    case 'count':
      return Math.round(value).toLocaleString('zh-CN');
    case 'ratio':
      return `${fixed(value * 100, 1)}%`;
    case 'turnover':
      return fixed(value, 2);
    case 'minutes':
      return fixed(value, 1);
    case 'money':
      return fenToYuan(value);
  }
}

/** The number a chart plots: percent for ratios, yuan for money. */
export function chartValue(kpi: KpiColumn, value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  switch (kindOf(kpi)) {
    case 'ratio':
      return Math.round(value * 10_000) / 100;
    case 'money':
      return value / 100;
    case 'turnover':
      return Math.round(value * 100) / 100;
    case 'minutes':
      return Math.round(value * 10) / 10;
    case 'count':
      return value;
  }
}

/**
 * The change against a comparison value: relative (+12.5%) for amounts, in percentage points for ratios
 * (`pp` true); null when either side is missing or the base is 0.
 */
export function delta(kpi: KpiColumn, value: number | null | undefined, base: number | null | undefined): { text: string; sign: -1 | 0 | 1; pp: boolean } | null {
  if (value === null || value === undefined || base === null || base === undefined) return null;
  const signed = (n: number, digits: number) => `${n > 0 ? '+' : ''}${fixed(n, digits)}`;
  const sign = (n: number): -1 | 0 | 1 => (n > 0 ? 1 : n < 0 ? -1 : 0);
  if (kindOf(kpi) === 'ratio') {
    const pp = (value - base) * 100;
    return { text: signed(pp, 1), sign: sign(pp), pp: true };
  }
  if (base === 0) return null;
  const rel = ((value - base) / Math.abs(base)) * 100;
  return { text: `${signed(rel, 1)}%`, sign: sign(rel), pp: false };
}

/** The KPI columns that the rows carry: the contract's, then the extras when the server sent them. */
export function columnsOf(rows: Schemas['AnalyticsKpiValues'][], kpis: readonly Kpi[]): KpiColumn[] {
  const extras = (['completeness', 'flaggedShare'] as const).filter((k) => rows.some((r) => r[k] !== undefined));
  return [...kpis, ...extras];
}

const SHANGHAI_MS = 8 * 3_600_000;

/**
 * Whether the period a row's time key names (hour '2026-11-24T08:00:00+08:00', day
 * '2026-11-24', ISO week '2026-W48', month '2026-11'; Shanghai) is still running at `now`: its
 * figures are partial, and a chart marks it instead of drawing a drop (issue 15 §4).
 */
export function isRunningPeriod(key: string, grain: 'hour' | 'day' | 'week' | 'month', now: number = Date.now()): boolean {
  let start: number;
  let end: number;
  if (grain === 'hour') {
    start = Date.parse(key);
    end = start + 3_600_000;
  } else if (grain === 'day') {
    start = Date.parse(`${key}T00:00:00Z`) - SHANGHAI_MS;
    end = start + 86_400_000;
  } else if (grain === 'week') {
    const m = /^(\d{4})-W(\d{2})$/.exec(key);
    if (!m) return false;
    // Monday of ISO week 1 is the Monday on or before 4 January.
    const jan4 = Date.UTC(Number(m[1]), 0, 4);
    const monday1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * 86_400_000;
    start = monday1 + (Number(m[2]) - 1) * 7 * 86_400_000 - SHANGHAI_MS;
    end = start + 7 * 86_400_000;
  } else {
    const [y, mo] = key.split('-').map(Number) as [number, number];
    start = Date.UTC(y, mo - 1, 1) - SHANGHAI_MS;
    end = Date.UTC(y, mo, 1) - SHANGHAI_MS;
  }
  return Number.isFinite(start) && start <= now && now < end;
}
