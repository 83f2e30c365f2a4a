import { badRequest } from '../../platform/errors.js';
import { shanghaiDayStart } from '../../platform/time.js';

/** A Shanghai calendar month: [start, end) as instants. */
export interface ReportMonth {
  /** 'YYYY-MM' */
  month: string;
  start: Date;
  end: Date;
  /** '2026年11月', as the bureau writes it. */
  label: string;
  /** Number of days in the month. */
  days: number;
}

const MONTH_RE = /^(\d{4})-(\d{2})$/;

/** 'YYYY-MM' → the Shanghai month; 400 INVALID_MONTH otherwise. */
export function parseMonth(text: unknown): ReportMonth {
  const m = typeof text === 'string' ? MONTH_RE.exec(text.trim()) : null;
  const year = m ? Number(m[1]) : NaN;
  const mon = m ? Number(m[2]) : NaN;
  if (!m || mon < 1 || mon > 12 || year < 2000) {
    throw badRequest('INVALID_MONTH', `月份应为 YYYY-MM 格式，如 2026-11 / month must be YYYY-MM, e.g. 2026-11: ${String(text ?? '')}`.slice(0, 200));
  }
  const next = mon === 12 ? `${year + 1}-01` : `${year}-${String(mon + 1).padStart(2, '0')}`;
  const month = `${m[1]}-${m[2]}`;
  const start = shanghaiDayStart(`${month}-01`)!;
  const end = shanghaiDayStart(`${next}-01`)!;
  return { month, start, end, label: `${year}年${mon}月`, days: Math.round((end.getTime() - start.getTime()) / 86_400_000) };
}

/** A month that has not begun has no data to report: 400 rather than an empty report that looks real. */
export function assertMonthStarted(month: ReportMonth, now: Date): void {
  if (now.getTime() < month.start.getTime()) {
    throw badRequest('MONTH_NOT_STARTED', `${month.label}尚未开始，无法生成报告 / ${month.month} has not begun`);
  }
}
