import { isYearCovered, listDays, type LocalDay } from '../../platform/calendar/index.js';

/*
 * The public holidays of a year for the holiday comparison view (docs/市域专题接口.md 2.3): the
 * platform calendar's 法定节假日 days grouped into runs of one festival, with the festival's 调休
 * make-up working days. Pure; no data for the year → no holidays and covered false.
 */

export interface HolidayRun {
  /** The run's main festival (most of its days), e.g. 国庆节 for 2025's 国庆节 with 中秋 inside; matches last year's run. */
  key: string;
  /** All festivals of the run, joined: { zh: '国庆节、中秋', en: 'National Day & Mid-autumn Festival' }. */
  festival: { zh: string; en: string };
  from: LocalDay;
  to: LocalDay;
  days: LocalDay[];
  makeupDays: LocalDay[];
}

export function holidaysOfYear(year: number): { year: number; covered: boolean; items: HolidayRun[] } {
  const days = listDays(`${year}-01-01`, `${year}-12-31`, 366);
  const runs: { days: LocalDay[]; festivals: { zh: string; en: string }[] }[] = [];
  let prevHoliday = false;
  for (const d of days) {
    const holiday = d.kind === 'holiday' && d.festival !== null;
    if (holiday) {
      if (!prevHoliday) runs.push({ days: [], festivals: [] });
      const run = runs[runs.length - 1]!;
      run.days.push(d.date);
      run.festivals.push(d.festival!);
    }
    prevHoliday = holiday;
  }
  const items = runs.map((r): HolidayRun => {
    const count = new Map<string, number>();
    for (const f of r.festivals) count.set(f.en, (count.get(f.en) ?? 0) + 1);
    const distinct = [...new Map(r.festivals.map((f) => [f.en, f])).values()];
    const key = [...count.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    return {
      key,
      festival: { zh: distinct.map((f) => f.zh).join('、'), en: distinct.map((f) => f.en).join(' & ') },
      from: r.days[0]!, to: r.days[r.days.length - 1]!, days: r.days,
      makeupDays: days.filter((d) => d.kind === 'makeup_workday' && distinct.some((f) => f.en === d.festival?.en)).map((d) => d.date),
    };
  });
  return { year, covered: isYearCovered(year), items };
}

/** Whether a day is an ordinary day for a "normal days" baseline: not a holiday and not a make-up working day. */
export function isOrdinaryDay(kind: string): boolean {
  return kind === 'workday' || kind === 'weekend';
}
