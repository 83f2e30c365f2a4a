import chineseDays from 'chinese-days';
import type { LotCategory, LotKind } from '../registry/index.js';
import type { Rng } from './random.js';
import { HOUR, localHourOfDay, localParts, midnightOf, DAY, MINUTE } from './time.js';

/*
 * When cars come and how long they stay, per lot category, hour of day (Asia/Shanghai) and kind
 * of day. Day kinds follow the State Council calendar through chinese-days: a public holiday is
 * a holiday even on a Tuesday, and a 调休 make-up Saturday or Sunday is a working day.
 *
 * Rates are arrivals per space per hour, so a lot's traffic scales with its size. They are tuned
 * so that busy lots run at 80–100 % at their peak (and turn cars away now and then), as Nantong's
 * hospitals and shopping centres do.
 */

export type DayType = 'workday' | 'weekend' | 'holiday';

const dayTypes = new Map<string, DayType>();

/** Kind of a Shanghai calendar day 'YYYY-MM-DD'. */
export function dayTypeOf(date: string): DayType {
  let t = dayTypes.get(date);
  if (!t) {
    if (chineseDays.isWorkday(date)) t = 'workday';
    else {
      // A non-working day is a public holiday when the calendar names a festival for it;
      // plain weekends are named 'Saturday' / 'Sunday'.
      const name = chineseDays.getDayDetail(date).name;
      t = name.includes(',') ? 'holiday' : 'weekend';
    }
    dayTypes.set(date, t);
  }
  return t;
}

export const dayTypeAt = (ms: number): DayType => dayTypeOf(localParts(ms).date);

type Profile = readonly number[];
const h24 = (values: number[]): Profile => {
  if (values.length !== 24) throw new Error('a day profile has 24 hours');
  return values;
};

/* Hour:             0      1      2      3      4      5      6     7     8     9     10    11    12    13    14    15    16    17    18    19    20    21    22    23 */
const PROFILES: Record<LotCategory, Record<DayType, Profile>> = {
  hospital: {
    workday: h24([0.015, 0.01, 0.01, 0.01, 0.01, 0.02, 0.06, 0.25, 0.45, 0.45, 0.40, 0.25, 0.12, 0.25, 0.30, 0.25, 0.15, 0.08, 0.05, 0.04, 0.04, 0.03, 0.02, 0.02]),
    weekend: h24([0.015, 0.01, 0.01, 0.01, 0.01, 0.02, 0.04, 0.15, 0.28, 0.30, 0.28, 0.18, 0.10, 0.15, 0.18, 0.15, 0.10, 0.06, 0.05, 0.04, 0.04, 0.03, 0.02, 0.02]),
    holiday: h24([0.015, 0.01, 0.01, 0.01, 0.01, 0.02, 0.03, 0.10, 0.18, 0.20, 0.18, 0.12, 0.08, 0.10, 0.12, 0.10, 0.08, 0.05, 0.04, 0.04, 0.03, 0.03, 0.02, 0.02]),
  },
  commercial: {
    workday: h24([0.01, 0.005, 0.005, 0.005, 0.005, 0.005, 0.01, 0.03, 0.05, 0.05, 0.10, 0.15, 0.20, 0.15, 0.12, 0.12, 0.15, 0.22, 0.30, 0.30, 0.20, 0.10, 0.04, 0.02]),
    weekend: h24([0.01, 0.005, 0.005, 0.005, 0.005, 0.005, 0.01, 0.03, 0.06, 0.12, 0.22, 0.30, 0.30, 0.30, 0.33, 0.33, 0.33, 0.35, 0.40, 0.40, 0.28, 0.14, 0.05, 0.02]),
    holiday: h24([0.01, 0.005, 0.005, 0.005, 0.005, 0.005, 0.01, 0.03, 0.07, 0.14, 0.25, 0.32, 0.32, 0.32, 0.35, 0.35, 0.35, 0.37, 0.42, 0.42, 0.30, 0.15, 0.06, 0.02]),
  },
  office: {
    workday: h24([0.005, 0.003, 0.003, 0.003, 0.003, 0.005, 0.02, 0.12, 0.40, 0.18, 0.05, 0.04, 0.03, 0.05, 0.05, 0.04, 0.03, 0.02, 0.01, 0.01, 0.008, 0.005, 0.005, 0.005]),
    weekend: h24([0.003, 0.002, 0.002, 0.002, 0.002, 0.003, 0.005, 0.01, 0.04, 0.03, 0.02, 0.015, 0.01, 0.015, 0.015, 0.01, 0.008, 0.005, 0.004, 0.004, 0.003, 0.003, 0.003, 0.003]),
    holiday: h24([0.002, 0.002, 0.002, 0.002, 0.002, 0.002, 0.003, 0.005, 0.01, 0.01, 0.008, 0.006, 0.005, 0.006, 0.006, 0.005, 0.004, 0.003, 0.003, 0.003, 0.002, 0.002, 0.002, 0.002]),
  },
  residential: {
    workday: h24([0.01, 0.005, 0.004, 0.004, 0.004, 0.005, 0.01, 0.02, 0.03, 0.03, 0.03, 0.03, 0.04, 0.03, 0.03, 0.03, 0.05, 0.09, 0.17, 0.17, 0.10, 0.07, 0.04, 0.025]),
    weekend: h24([0.01, 0.005, 0.004, 0.004, 0.004, 0.005, 0.008, 0.015, 0.03, 0.04, 0.05, 0.06, 0.06, 0.05, 0.05, 0.05, 0.07, 0.09, 0.13, 0.13, 0.10, 0.07, 0.04, 0.025]),
    holiday: h24([0.01, 0.005, 0.004, 0.004, 0.004, 0.005, 0.008, 0.012, 0.025, 0.035, 0.045, 0.05, 0.05, 0.045, 0.045, 0.05, 0.07, 0.10, 0.14, 0.14, 0.11, 0.08, 0.05, 0.03]),
  },
  school: {
    workday: h24([0.002, 0.001, 0.001, 0.001, 0.001, 0.002, 0.02, 0.60, 0.20, 0.03, 0.03, 0.10, 0.05, 0.05, 0.03, 0.05, 0.50, 0.40, 0.05, 0.02, 0.01, 0.005, 0.002, 0.002]),
    weekend: h24([0.002, 0.001, 0.001, 0.001, 0.001, 0.002, 0.005, 0.03, 0.05, 0.04, 0.03, 0.03, 0.02, 0.03, 0.03, 0.03, 0.03, 0.02, 0.01, 0.005, 0.003, 0.002, 0.002, 0.002]),
    holiday: h24([0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.002, 0.005, 0.01, 0.01, 0.01, 0.01, 0.005, 0.005, 0.005, 0.005, 0.005, 0.005, 0.003, 0.002, 0.002, 0.001, 0.001, 0.001]),
  },
  scenic: {
    workday: h24([0.002, 0.001, 0.001, 0.001, 0.001, 0.002, 0.005, 0.02, 0.04, 0.08, 0.09, 0.08, 0.05, 0.06, 0.06, 0.04, 0.02, 0.01, 0.01, 0.01, 0.005, 0.003, 0.002, 0.002]),
    weekend: h24([0.002, 0.001, 0.001, 0.001, 0.001, 0.002, 0.01, 0.05, 0.12, 0.25, 0.30, 0.25, 0.15, 0.20, 0.20, 0.10, 0.05, 0.03, 0.03, 0.02, 0.01, 0.005, 0.003, 0.002]),
    holiday: h24([0.002, 0.001, 0.001, 0.001, 0.001, 0.002, 0.015, 0.07, 0.16, 0.32, 0.38, 0.30, 0.18, 0.24, 0.22, 0.12, 0.06, 0.04, 0.04, 0.03, 0.015, 0.005, 0.003, 0.002]),
  },
  transport: {
    workday: h24([0.01, 0.008, 0.008, 0.008, 0.01, 0.03, 0.10, 0.25, 0.25, 0.18, 0.14, 0.14, 0.14, 0.14, 0.14, 0.14, 0.16, 0.22, 0.22, 0.15, 0.12, 0.10, 0.05, 0.02]),
    weekend: h24([0.01, 0.008, 0.008, 0.008, 0.01, 0.03, 0.08, 0.18, 0.22, 0.20, 0.17, 0.16, 0.15, 0.15, 0.16, 0.17, 0.20, 0.22, 0.20, 0.15, 0.12, 0.10, 0.05, 0.02]),
    holiday: h24([0.01, 0.008, 0.008, 0.008, 0.01, 0.04, 0.10, 0.22, 0.28, 0.26, 0.22, 0.20, 0.18, 0.18, 0.20, 0.22, 0.25, 0.26, 0.22, 0.16, 0.13, 0.10, 0.05, 0.02]),
  },
  government: {
    workday: h24([0.003, 0.002, 0.002, 0.002, 0.002, 0.003, 0.01, 0.10, 0.30, 0.30, 0.28, 0.15, 0.05, 0.10, 0.25, 0.20, 0.10, 0.04, 0.01, 0.01, 0.005, 0.003, 0.003, 0.003]),
    weekend: h24([0.002, 0.001, 0.001, 0.001, 0.001, 0.002, 0.003, 0.01, 0.02, 0.02, 0.02, 0.015, 0.01, 0.01, 0.01, 0.01, 0.005, 0.004, 0.003, 0.003, 0.002, 0.002, 0.002, 0.002]),
    holiday: h24([0.002, 0.001, 0.001, 0.001, 0.001, 0.002, 0.002, 0.005, 0.01, 0.01, 0.01, 0.008, 0.006, 0.006, 0.006, 0.006, 0.004, 0.003, 0.003, 0.002, 0.002, 0.002, 0.002, 0.002]),
  },
  other: {
    workday: h24([0.01, 0.005, 0.005, 0.005, 0.005, 0.01, 0.03, 0.08, 0.15, 0.15, 0.12, 0.12, 0.10, 0.10, 0.12, 0.12, 0.12, 0.14, 0.14, 0.10, 0.06, 0.04, 0.02, 0.01]),
    weekend: h24([0.01, 0.005, 0.005, 0.005, 0.005, 0.01, 0.02, 0.05, 0.08, 0.12, 0.14, 0.14, 0.12, 0.12, 0.14, 0.14, 0.12, 0.12, 0.12, 0.10, 0.06, 0.04, 0.02, 0.01]),
    holiday: h24([0.01, 0.005, 0.005, 0.005, 0.005, 0.01, 0.02, 0.05, 0.08, 0.12, 0.14, 0.14, 0.12, 0.12, 0.14, 0.14, 0.12, 0.12, 0.12, 0.10, 0.06, 0.04, 0.02, 0.01]),
  },
};

/** School summer and winter vacations (roughly): schools then see a fifth of their traffic. */
export function isSchoolVacation(date: string): boolean {
  const md = date.slice(5);
  return (md >= '07-05' && md <= '08-31') || (md >= '01-22' && md <= '02-20');
}

/** On-street berths turn over about twice as fast as garages: more arrivals, shorter stays. */
const ON_STREET_RATE = 2;
const ON_STREET_DWELL = 0.5;

/** Arrivals per space per hour for a category at a local hour on a kind of day. */
export function arrivalRate(category: LotCategory, kind: LotKind, hour: number, dayType: DayType): number {
  const profile = PROFILES[category][dayType];
  const h = Math.min(23, Math.max(0, Math.floor(hour)));
  // Residents parking on the street overnight stay as long as in a garage: no faster turnover.
  return profile[h]! * (kind === 'on_street' && category !== 'residential' ? ON_STREET_RATE : 1);
}

/** Arrivals per space per hour for a lot at an instant. */
export function arrivalIntensity(category: LotCategory, kind: LotKind, ms: number): number {
  const p = localParts(ms);
  const rate = arrivalRate(category, kind, p.hour, dayTypeOf(p.date));
  return category === 'school' && isSchoolVacation(p.date) ? rate * 0.2 : rate;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** Minutes from `fromMs` to a local clock time (hours, fractional) on the day `daysAhead` after fromMs's day. */
function minutesUntil(fromMs: number, daysAhead: number, localHour: number): number {
  const target = midnightOf(localParts(fromMs).date) + daysAhead * DAY + localHour * HOUR;
  return (target - fromMs) / MINUTE;
}

/** When a resident arriving at `ms` drives off again: a morning 1 day later (sometimes 2–3: weekend, trip). */
function morningDeparture(rng: Rng, ms: number, afterMidnight: boolean): { daysAhead: number; hour: number } {
  const daysAhead = (afterMidnight ? 0 : 1) + rng.weighted([[0, 88], [1, 9], [2, 3]] as const);
  const day = localParts(midnightOf(localParts(ms).date) + daysAhead * DAY + 12 * HOUR).date;
  const hour = dayTypeOf(day) === 'workday' ? clamp(rng.normal(7.75, 0.5), 6.3, 9.5) : clamp(rng.normal(10, 1.8), 7, 16);
  return { daysAhead, hour };
}

/**
 * How long a car arriving at `arrivalMs` stays, in minutes. Hospital 1–3 h, commercial 1–4 h,
 * office commuters until the evening (8–10 h), residents overnight until the next morning,
 * transport hubs short pick-ups plus long stays of travellers, schools short drop-offs.
 */
export function sampleDwellMinutes(rng: Rng, category: LotCategory, kind: LotKind, arrivalMs: number): number {
  const hour = localHourOfDay(arrivalMs);
  const dayType = dayTypeAt(arrivalMs);
  const quick = () => rng.uniform(3, 14); // drop-off, looking for a space, free period
  let minutes: number;
  switch (category) {
    case 'hospital':
      minutes = rng.chance(0.08) ? quick() : clamp(rng.logNormal(105, 0.45), 20, 540);
      break;
    case 'commercial':
      minutes = rng.chance(0.06) ? quick() : clamp(rng.logNormal(115, 0.5), 20, 480);
      break;
    case 'office':
      if (dayType === 'workday' && hour >= 6.5 && hour < 10.5 && rng.chance(0.85)) {
        minutes = minutesUntil(arrivalMs, 0, clamp(rng.normal(17.9, 0.7), 16.5, 21.5));
        if (minutes < 6 * 60) minutes = rng.uniform(8 * 60, 10 * 60);
      } else minutes = clamp(rng.logNormal(80, 0.6), 15, 300);
      break;
    case 'residential':
      if (hour >= 16 || hour < 3) {
        const { daysAhead, hour: leave } = morningDeparture(rng, arrivalMs, hour < 3);
        minutes = minutesUntil(arrivalMs, daysAhead, leave);
        if (minutes < 60) minutes = rng.uniform(6 * 60, 12 * 60);
      } else minutes = rng.chance(0.1) ? quick() : clamp(rng.logNormal(150, 0.6), 20, 600);
      break;
    case 'school':
      if ((hour >= 6.5 && hour < 8) || (hour >= 15.5 && hour < 18)) minutes = rng.chance(0.85) ? rng.uniform(4, 25) : rng.uniform(7 * 60, 9.5 * 60);
      else if (hour >= 8 && hour < 9) minutes = rng.uniform(7 * 60, 9 * 60);
      else minutes = clamp(rng.logNormal(60, 0.5), 10, 240);
      break;
    case 'scenic':
      minutes = clamp(rng.logNormal(170, 0.4), 40, 480);
      break;
    case 'transport':
      minutes = rng.chance(0.84) ? clamp(rng.logNormal(22, 0.5), 4, 90) : clamp(rng.logNormal(10 * 60, 0.9), 3 * 60, 4 * 24 * 60);
      break;
    case 'government':
      if (dayType === 'workday' && hour >= 7 && hour < 9 && rng.chance(0.5)) minutes = minutesUntil(arrivalMs, 0, clamp(rng.normal(17.5, 0.4), 16.5, 20));
      else minutes = clamp(rng.logNormal(50, 0.5), 10, 240);
      break;
    default:
      minutes = clamp(rng.logNormal(90, 0.6), 10, 600);
  }
  if (kind === 'on_street' && category !== 'residential') minutes = Math.max(3, minutes * ON_STREET_DWELL);
  return Math.max(2, minutes);
}
