import { slaDeadlines, type WarnRule } from '../sla/index.js';
import { businessMinutesBetween, workingDayDeadline } from '../../platform/calendar/index.js';

/*
 * The fix-plan deadline of a vulnerability (docs/security-operations.md, "Deadlines"). Pure; the
 * calendar is the SLA engine's (法定节假日 and 调休上班日 from src/platform/calendar, the
 * 'business' calendar of src/modules/sla): no date code of our own.
 *
 * Rule
 * - critical and high: a fix plan within 5 working days of `foundAt`; medium and low: the
 *   configured number of working days (defaults below).
 * - "Within n working days" is counted as administrative periods are (民法典 §201/§203, the
 *   calendar's `workingDayDeadline`): the day of discovery (Shanghai) does not count; working
 *   days are the official ones — a make-up Saturday (调休上班日) counts, a public holiday or its
 *   in-lieu weekday does not; the period ends when business closes (17:30 Shanghai) on the n-th
 *   working day after. A finding at any hour of a day gets the same deadline, so the day of
 *   `fixPlanDueAt` is always the n-th working day after the day of `foundAt`.
 * - Warning at 80 % of the business time from `foundAt` to the deadline (the SLA clock's warning
 *   rule, `slaDeadlines` with fraction 0.8, on the business calendar).
 */

export type Severity = 'critical' | 'high' | 'medium' | 'low';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

/** Fixed by the requirement (issue 19): critical and high get a plan within 5 working days. */
export const URGENT_PLAN_WORKING_DAYS = 5;

/** Defaults for medium and low until someone configures them (PUT /api/v1/security/deadlines). */
export const DEFAULT_PLAN_WORKING_DAYS: Record<'medium' | 'low', number> = { medium: 10, low: 20 };

export const PLAN_WARN: WarnRule = { fraction: 0.8 };

export function planWorkingDays(severity: Severity, configured: Partial<Record<'medium' | 'low', number>> = {}): number {
  if (severity === 'critical' || severity === 'high') return URGENT_PLAN_WORKING_DAYS;
  return configured[severity] ?? DEFAULT_PLAN_WORKING_DAYS[severity];
}

export interface PlanDeadline {
  workingDays: number;
  dueAt: Date;
  warnAt: Date;
}

export function fixPlanDeadline(foundAt: Date, workingDays: number): PlanDeadline {
  const dueAt = workingDayDeadline(foundAt, workingDays, 'business');
  const target = businessMinutesBetween(foundAt, dueAt, 'business');
  const { warnAt } = slaDeadlines({ calendar: 'business', targetMinutes: target, startedAt: foundAt, warn: PLAN_WARN });
  return { workingDays, dueAt, warnAt: warnAt ?? dueAt };
}
