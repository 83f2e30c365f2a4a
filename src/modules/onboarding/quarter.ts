import { badRequest } from '../../platform/errors.js';
import { shanghaiDay, shanghaiDayStart } from '../../platform/time.js';

/** A Shanghai calendar quarter: [start, end) as instants, and its first and last days. */
export interface ReportQuarter {
  /** '2026Q4' */
  quarter: string;
  year: number;
  q: 1 | 2 | 3 | 4;
  start: Date;
  end: Date;
  /** 'YYYY-MM-DD', Shanghai. */
  firstDay: string;
  lastDay: string;
  /** '2026年第4季度', as the bureau writes it. */
  label: string;
}

/** The moment a report describes: the quarter's end, or now while the quarter runs. */
export interface AsOf {
  at: Date;
  /** The last Shanghai day counted: the quarter's last day, or today. */
  day: string;
}

const QUARTER_RE = /^(\d{4})\s*-?\s*Q([1-4])$/i;
const pad = (n: number) => String(n).padStart(2, '0');

/** '2026Q4' (also '2026-Q4', '2026q4') → the Shanghai quarter; 400 INVALID_QUARTER otherwise. */
export function parseQuarter(text: unknown): ReportQuarter {
  const m = typeof text === 'string' ? QUARTER_RE.exec(text.trim()) : null;
  const year = m ? Number(m[1]) : NaN;
  if (!m || year < 2000 || year > 2100) {
    throw badRequest('INVALID_QUARTER', `季度应为 YYYYQn 格式，如 2026Q4 / quarter must be YYYYQn, e.g. 2026Q4: ${String(text ?? '')}`.slice(0, 200));
  }
  return quarterOf(year, Number(m[2]) as ReportQuarter['q']);
}

export function quarterOf(year: number, q: ReportQuarter['q']): ReportQuarter {
  const firstMonth = (q - 1) * 3 + 1;
  const firstDay = `${year}-${pad(firstMonth)}-01`;
  const next = q === 4 ? `${year + 1}-01-01` : `${year}-${pad(firstMonth + 3)}-01`;
  const start = shanghaiDayStart(firstDay)!;
  const end = shanghaiDayStart(next)!;
  return { quarter: `${year}Q${q}`, year, q, start, end, firstDay, lastDay: shanghaiDay(new Date(end.getTime() - 1)), label: `${year}年第${q}季度` };
}

/** The Shanghai quarter that `now` falls in. */
export function currentQuarter(now: Date): ReportQuarter {
  const [y, m] = shanghaiDay(now).split('-').map(Number) as [number, number];
  return quarterOf(y, (Math.floor((m - 1) / 3) + 1) as ReportQuarter['q']);
}

/** A quarter that has not begun has nothing to list: 400 rather than an empty list that looks real. */
export function asOfQuarter(quarter: ReportQuarter, now: Date): AsOf {
  if (now.getTime() < quarter.start.getTime()) {
    throw badRequest('QUARTER_NOT_STARTED', `${quarter.label}尚未开始，无法生成清单 / ${quarter.quarter} has not begun`);
  }
  if (now.getTime() >= quarter.end.getTime()) return { at: quarter.end, day: quarter.lastDay };
  return { at: now, day: shanghaiDay(now) };
}
