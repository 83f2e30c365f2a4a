/*
 * Service calendars: when an SLA clock runs. A calendar is plain data so that modules can define
 * more (a 7×12 help desk, a longer day for the 12345 desk): the Shanghai wall-clock periods it is
 * open each day, and whether it is open only on working days (法定工作日, 调休 included).
 */

export interface CalendarPeriod {
  /** 'HH:MM', Shanghai wall clock. */
  start: string;
  /** 'HH:MM' after start; '24:00' is the end of the day. Periods never cross midnight: split them. */
  end: string;
}

export interface CalendarDef {
  id: string;
  name?: { zh: string; en: string };
  periods: readonly CalendarPeriod[];
  /** Open on working days only (else every day of the year). */
  workingDaysOnly: boolean;
}

/** A validated calendar with its periods as ms since Shanghai midnight. */
export interface Calendar extends CalendarDef {
  readonly spans: readonly (readonly [number, number])[];
  /** Open time of one open day, in minutes (450 for the default business day). */
  readonly minutesPerDay: number;
}

const HHMM = /^([01]\d|2[0-4]):([0-5]\d)$/;

function minutesOf(text: string, what: string): number {
  const m = HHMM.exec(text);
  const minutes = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  if (!m || minutes > 24 * 60) throw new RangeError(`calendar ${what}: expected 'HH:MM' from 00:00 to 24:00, got '${text}'`);
  return minutes;
}

/** Checks a calendar definition: ordered, non-overlapping, non-empty periods within one day. */
export function compileCalendar(def: CalendarDef): Calendar {
  if (!/^[a-z0-9][a-z0-9_x-]{0,31}$/.test(def.id)) throw new RangeError(`calendar id '${def.id}': lower-case letters, digits, '_', '-' (≤ 32)`);
  if (!def.periods.length) throw new RangeError(`calendar ${def.id}: at least one period`);
  const spans: [number, number][] = [];
  let last = -1;
  for (const p of def.periods) {
    const start = minutesOf(p.start, `${def.id} start`);
    const end = minutesOf(p.end, `${def.id} end`);
    if (end <= start) throw new RangeError(`calendar ${def.id}: period ${p.start}–${p.end} must end after it starts`);
    if (start < last) throw new RangeError(`calendar ${def.id}: periods must be in order and not overlap`);
    last = end;
    spans.push([start * 60_000, end * 60_000]);
  }
  const minutesPerDay = spans.reduce((sum, [s, e]) => sum + (e - s) / 60_000, 0);
  return Object.freeze({ ...def, periods: def.periods.map((p) => ({ ...p })), spans, minutesPerDay });
}

/** 08:30–12:00 and 13:30–17:30 on working days: 7.5 hours a day (the city's office hours). */
export const BUSINESS = compileCalendar({
  id: 'business',
  name: { zh: '工作时间（工作日 08:30–12:00、13:30–17:30）', en: 'business hours (working days 08:30–12:00, 13:30–17:30)' },
  periods: [{ start: '08:30', end: '12:00' }, { start: '13:30', end: '17:30' }],
  workingDaysOnly: true,
});

/** Around the clock, every day: plain elapsed time. */
export const ALWAYS = compileCalendar({
  id: '24x7',
  name: { zh: '7×24 小时', en: '24×7' },
  periods: [{ start: '00:00', end: '24:00' }],
  workingDaysOnly: false,
});

const registry = new Map<string, Calendar>([[BUSINESS.id, BUSINESS], [ALWAYS.id, ALWAYS]]);

/**
 * Adds a calendar (or replaces one, e.g. other business hours for 'business'; '24x7' is fixed).
 * Due times already stored keep the calendar they were computed with until recomputed.
 */
export function defineCalendar(def: CalendarDef): Calendar {
  if (def.id === ALWAYS.id) throw new RangeError(`calendar '${ALWAYS.id}' cannot be redefined`);
  const calendar = compileCalendar(def);
  registry.set(calendar.id, calendar);
  return calendar;
}

/** The calendar of an id; throws for an unknown one (a stored id must stay defined). */
export function getCalendar(id: string): Calendar {
  const calendar = registry.get(id);
  if (!calendar) throw new RangeError(`unknown calendar '${id}'`);
  return calendar;
}

export function hasCalendar(id: string): boolean {
  return registry.has(id);
}

export function listCalendars(): Calendar[] {
  return [...registry.values()];
}

/** A calendar given by id or definition. */
export function resolveCalendar(calendar: Calendar | string): Calendar {
  return typeof calendar === 'string' ? getCalendar(calendar) : calendar;
}
