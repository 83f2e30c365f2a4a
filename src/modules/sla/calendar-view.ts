import { listCalendars } from '../../platform/calendar/calendars.js';
import { calendarCoverage, coverageWarning, dayIndexOf, dayOfIndex, listDays } from '../../platform/calendar/days.js';
import { badRequest } from '../../platform/errors.js';
import { shanghaiDay } from '../../platform/time.js';
import { describeTarget } from './notices.js';
import type { SlaPolicy } from './policies.js';
import { loadPolicies } from './policy-settings.js';
import type { SlaContext } from './repo.js';

const MAX_DAYS = 400;
/** The calendar answers for these years (a working-day calendar of the year 9999 is nobody's question). */
const FIRST_DAY = dayIndexOf('1900-01-01');
const LAST_DAY = dayIndexOf('2999-12-31');

function day(text: string, what: string): number {
  let index: number;
  try {
    index = dayIndexOf(text);
  } catch {
    throw badRequest('INVALID_DATE', `${what} 须为 YYYY-MM-DD 日期 / ${what} must be a date YYYY-MM-DD`);
  }
  if (index < FIRST_DAY || index > LAST_DAY) throw badRequest('INVALID_DATE', `${what} 须在 1900–2999 年间 / ${what} must be a date in the years 1900–2999`);
  return index;
}

/** Working days, weekends, holidays and 调休 days of a Shanghai date range, for the console. */
export function calendarDays(ctx: SlaContext, query: { from?: string; to?: string }) {
  const from = day(query.from ?? shanghaiDay(ctx.clock.now()), 'from');
  const to = query.to === undefined ? Math.min(from + 89, LAST_DAY) : day(query.to, 'to');
  if (to < from) throw badRequest('INVALID_RANGE', 'to 早于 from / to is before from');
  if (to - from + 1 > MAX_DAYS) throw badRequest('RANGE_TOO_LONG', `最多 ${MAX_DAYS} 天 / at most ${MAX_DAYS} days`);
  const days = listDays(dayOfIndex(from), dayOfIndex(to), MAX_DAYS);
  return {
    from: dayOfIndex(from),
    to: dayOfIndex(to),
    coverage: calendarCoverage(),
    warning: coverageWarning(dayOfIndex(from), dayOfIndex(to)),
    workingDays: days.filter((d) => d.working).length,
    days,
  };
}

export function policyView(p: SlaPolicy) {
  return { ...p, pausesIn: [...p.pausesIn], target: describeTarget(p.targetMinutes, p.calendarId) };
}

/** The calendars and the policies in force, for the console and integrators. */
export async function policiesView(ctx: SlaContext) {
  const policies = await loadPolicies(ctx);
  return {
    calendars: listCalendars().map((c) => ({ id: c.id, name: c.name, periods: [...c.periods], workingDaysOnly: c.workingDaysOnly, minutesPerDay: c.minutesPerDay })),
    policies: policies.map(policyView),
  };
}
