import { badRequest } from '../../platform/errors.js';
import { shanghaiDayStart } from '../../platform/time.js';

/*
 * The periods of work reports: an ISO week (2026-W49: Monday to Sunday) or a calendar month
 * (2026-11), as Shanghai days — `from` and `to` both included, as GET /api/v1/tickets/kpis takes
 * them — and the instants [start, end) they span.
 */

export type ReportKind = 'weekly' | 'monthly';

export interface ReportPeriod {
  kind: ReportKind;
  period: string;
  from: string;
  to: string;
  start: Date;
  end: Date;
  label: string;
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (d: Date, n: number) => new Date(d.getTime() + n * 86_400_000);

function span(kind: ReportKind, period: string, from: Date, days: number, label: string): ReportPeriod {
  const to = addDays(from, days - 1);
  return { kind, period, from: day(from), to: day(to), start: shanghaiDayStart(day(from))!, end: shanghaiDayStart(day(addDays(from, days)))!, label };
}

/** Monday of ISO week `week` of `year` (UTC midnight of that date). */
function isoWeekMonday(year: number, week: number): Date {
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const monday1 = addDays(jan4, -((jan4.getUTCDay() + 6) % 7));
  return addDays(monday1, (week - 1) * 7);
}

export function parseWeek(text: unknown): ReportPeriod {
  const m = typeof text === 'string' ? /^(\d{4})-W(\d{2})$/.exec(text.trim()) : null;
  const year = m ? Number(m[1]) : NaN;
  const week = m ? Number(m[2]) : NaN;
  // A week belongs to the year of its Thursday; 53 exists only in long years.
  const monday = m ? isoWeekMonday(year, week) : null;
  if (!m || !monday || week < 1 || week > 53 || year < 2000 || addDays(monday, 3).getUTCFullYear() !== year) {
    throw badRequest('INVALID_WEEK', `周应为 ISO 周 YYYY-Www，如 2026-W49 / week must be an ISO week YYYY-Www, e.g. 2026-W49: ${String(text ?? '')}`.slice(0, 200));
  }
  const to = addDays(monday, 6);
  return span('weekly', `${m[1]}-W${m[2]}`, monday, 7, `${year}年第${week}周（${day(monday).slice(5).replace('-', '月')}日—${day(to).slice(5).replace('-', '月')}日）`);
}

export function parseMonthPeriod(text: unknown): ReportPeriod {
  const m = typeof text === 'string' ? /^(\d{4})-(\d{2})$/.exec(text.trim()) : null;
  const year = m ? Number(m[1]) : NaN;
  const mon = m ? Number(m[2]) : NaN;
  if (!m || mon < 1 || mon > 12 || year < 2000) {
    throw badRequest('INVALID_MONTH', `月份应为 YYYY-MM 格式，如 2026-11 / month must be YYYY-MM, e.g. 2026-11: ${String(text ?? '')}`.slice(0, 200));
  }
  const first = new Date(Date.UTC(year, mon - 1, 1));
  const days = new Date(Date.UTC(year, mon, 0)).getUTCDate();
  return span('monthly', `${m[1]}-${m[2]}`, first, days, `${year}年${mon}月`);
}

export function parsePeriod(kind: string, period: unknown): ReportPeriod {
  if (kind === 'weekly') return parseWeek(period);
  if (kind === 'monthly') return parseMonthPeriod(period);
  throw badRequest('INVALID_KIND', 'kind 须为 weekly | monthly / kind: weekly or monthly');
}
