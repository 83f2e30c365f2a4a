import { listCalendars } from '../../platform/calendar/calendars.js';
import { calendarCoverage, coverageWarning, dayIndexOf, dayOfIndex, listDays } from '../../platform/calendar/days.js';
import { badRequest } from '../../platform/errors.js';
import { shanghaiDay } from '../../platform/time.js';
import { describeTarget } from './notices.js';
import type { SlaPolicy } from './policies.js';
import { loadPolicies } from './policy-settings.js';
import type { SlaContext } from './repo.js';

const MAX_DAYS = 400;

function day(text: string, what: string): number {
  try {
    return dayIndexOf(text);
  } catch {
    throw badRequest('INVALID_DATE', `${what} 须为 YYYY-MM-DD 日期 / ${what} must be a date YYYY-MM-DD`);
  }
}

/** Working days, weekends, holidays and 调休 days of a Shanghai date range, for the console. */
export function calendarDays(ctx: SlaContext, query: { from?: string; to?: string }) {
  const from = day(query.from ?? shanghaiDay(ctx.clock.now()), 'from');
  const to = query.to === undefined ? from + 89 : day(query.to, 'to');
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
