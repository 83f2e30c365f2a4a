import { isWorkingDay } from '../../platform/calendar/index.js';
import type { Calendar } from './windows.js';

/** An offer's calendar for the window rules: its dates, exceptions and the official working-day calendar. */
export function calendarOf(o: { date_from: string | null; date_to: string | null; exception_dates: string[] }): Calendar {
  return { dateFrom: o.date_from, dateTo: o.date_to, exceptionDates: o.exception_dates, isWorkingDay: (day) => isWorkingDay(day) };
}
