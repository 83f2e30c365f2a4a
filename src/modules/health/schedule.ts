import { systemActor } from '../../platform/auth/permissions.js';
import { isWorkingDay, toLocalDay } from '../../platform/calendar/index.js';
import type { AppContext } from '../../platform/context.js';
import { shanghaiDay } from '../../platform/time.js';
import { runInspection, type RequestCounts } from './inspections.js';
import { latestMetrics } from './metrics.js';

export const INSPECTION_JOB = 'health.monthly-inspection';

/** Whether `day` (YYYY-MM-DD, Shanghai) is the first working day of its month (official calendar, 调休 included). */
export function isFirstWorkingDayOfMonth(day: string): boolean {
  if (!isWorkingDay(day)) return false;
  for (let d = 1; d < Number(day.slice(8, 10)); d++) {
    if (isWorkingDay(toLocalDay(`${day.slice(0, 8)}${String(d).padStart(2, '0')}`))) return false;
  }
  return true;
}

/**
 * The monthly inspection: the job fires every morning of the month's first days (09:00, days
 * 1–10) and runs only on the month's first working day; under its lease, once. The error rate is
 * this node's, from the app's metrics (latestMetrics).
 */
export async function runScheduledInspection(ctx: AppContext, counts: RequestCounts = async () => (await latestMetrics()?.counts()) ?? { requests: 0, serverErrors: 0 }): Promise<number | null> {
  if (!isFirstWorkingDayOfMonth(shanghaiDay(ctx.clock.now()))) return null;
  const i = await runInspection(ctx, systemActor(INSPECTION_JOB), counts, 'scheduled');
  return i.id;
}
