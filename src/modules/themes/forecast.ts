import { dayInfo } from '../../platform/calendar/index.js';
import type { Interval } from './measures.js';

/*
 * The theme's occupancy forecast (docs/指标口径.md 5.9), without I/O. Time is cut into 15-minute
 * slots (Shanghai clock); a slot's occupancy is the theme's occupancyAvg inside it (Σ occupied-
 * space-time ÷ Σ total-space-time over known time), null when nothing is known.
 *
 * - Day type from the official calendar: working (ordinary workdays and make-up working days),
 *   weekend, holiday. The usual curve of a day type = per slot, the mean over the last 8 earlier
 *   days of that type (looking back at most 56 days) that have a value in the slot.
 * - "Now" = the theme's occupancy over the last 15 minutes. Its difference from the usual value of
 *   that slot carries into the forecast and fades with time: forecast(t) = usual(t) +
 *   (now − usual(now)) · e^(−(t − now) / 90 min), clamped to [0, 1]. Without a usual value the
 *   forecast is "now"; without "now", the usual curve.
 * - Band: the lowest and highest value of the comparable days in the slot.
 */

export const SLOT_MS = 15 * 60_000;
const DAY_MS = 86_400_000;
const SHANGHAI_MS = 8 * 3_600_000;
export const SLOTS_PER_DAY = DAY_MS / SLOT_MS;
export const COMPARABLE_DAYS = 8;
export const LOOKBACK_DAYS = 56;
export const FADE_MINUTES = 90;

export type DayClass = 'working' | 'weekend' | 'holiday';

/** 'YYYY-MM-DD' (Shanghai) of an instant. */
export const shanghaiDate = (ms: number) => new Date(ms + SHANGHAI_MS).toISOString().slice(0, 10);
/** Start (instant) of the Shanghai day of an instant. */
export const dayStartOf = (ms: number) => Math.floor((ms + SHANGHAI_MS) / DAY_MS) * DAY_MS - SHANGHAI_MS;

export function dayClass(day: string): DayClass {
  const k = dayInfo(day).kind;
  return k === 'holiday' ? 'holiday' : k === 'weekend' ? 'weekend' : 'working';
}

/** Slot occupancies of [from, from + n·15 min) from the theme's intervals (from on a slot edge). */
export function slotSeries(intervals: readonly Interval[], from: number, n: number): (number | null)[] {
  const occ = new Float64Array(n);
  const tot = new Float64Array(n);
  for (const iv of intervals) {
    const a = Math.max(iv.start, from);
    const b = Math.min(iv.end, from + n * SLOT_MS);
    for (let k = Math.floor((a - from) / SLOT_MS); k < n && from + k * SLOT_MS < b; k++) {
      const s = from + k * SLOT_MS;
      const d = Math.min(b, s + SLOT_MS) - Math.max(a, s);
      if (d <= 0) continue;
      occ[k] = occ[k]! + iv.occupied * d;
      tot[k] = tot[k]! + iv.total * d;
    }
  }
  return Array.from(occ, (o, k) => (tot[k]! > 0 ? o / tot[k]! : null));
}

/** The last `count` days before `day` of the given class, newest first, within the lookback. */
export function comparableDays(day: string, cls: DayClass, count = COMPARABLE_DAYS, lookback = LOOKBACK_DAYS): string[] {
  const out: string[] = [];
  const start = Date.parse(`${day}T00:00:00Z`);
  for (let i = 1; i <= lookback && out.length < count; i++) {
    const d = new Date(start - i * DAY_MS).toISOString().slice(0, 10);
    if (dayClass(d) === cls) out.push(d);
  }
  return out;
}

/** Per class, per slot of the day: the values of the comparable days. */
export type Profiles = Map<string, (number | null)[]>;

export interface ForecastStep {
  /** Start of the 15-minute slot forecast. */
  at: number;
  occupancy: number | null;
  usual: number | null;
  low: number | null;
  high: number | null;
}

export interface ForecastInput {
  /** A slot edge. */
  now: number;
  /** The theme's occupancy over [now − 15 min, now); null when unknown. */
  recent: number | null;
  /** Slot values by day ('YYYY-MM-DD' → 96 values), for every day the profiles may need. */
  days: Profiles;
  steps?: number;
}

/** The usual value of the slot starting at t: from the comparable days before t's day that `days` holds (the caller gives only days before today). */
function usualAt(t: number, days: Profiles): { usual: number | null; low: number | null; high: number | null } {
  const day = shanghaiDate(t);
  const slot = Math.floor((t - dayStartOf(t)) / SLOT_MS);
  const values = comparableDays(day, dayClass(day))
    .map((d) => days.get(d)?.[slot] ?? null)
    .filter((v): v is number => v !== null);
  if (!values.length) return { usual: null, low: null, high: null };
  return { usual: values.reduce((s, v) => s + v, 0) / values.length, low: Math.min(...values), high: Math.max(...values) };
}

/** The next `steps` (24: six hours) 15-minute slots from `now`. */
export function forecastSteps(input: ForecastInput): ForecastStep[] {
  const base = usualAt(input.now - SLOT_MS, input.days).usual;
  const deviation = input.recent !== null && base !== null ? input.recent - base : null;
  const out: ForecastStep[] = [];
  for (let k = 0; k < (input.steps ?? 24); k++) {
    const at = input.now + k * SLOT_MS;
    const u = usualAt(at, input.days);
    let occupancy: number | null;
    if (u.usual === null) occupancy = input.recent;
    else if (deviation === null) occupancy = u.usual;
    else occupancy = u.usual + deviation * Math.exp(-(at + SLOT_MS - input.now) / (FADE_MINUTES * 60_000));
    out.push({ at, occupancy: occupancy === null ? null : Math.min(1, Math.max(0, occupancy)), ...u });
  }
  return out;
}

/**
 * Backtest over a slot series starting at a Shanghai midnight: at every slot edge with a known
 * "now", forecast the slot starting `aheadSlots` later (4: one hour) from the earlier days only,
 * and compare with what happened. Returns the mean absolute error, and that of persistence
 * ("as now") on the same points for comparison.
 */
export function backtest(slots: readonly (number | null)[], from: number, aheadSlots = 4): { mae: number | null; persistenceMae: number | null; points: number } {
  const days: Profiles = new Map();
  for (let d = 0; d * SLOTS_PER_DAY < slots.length; d++) days.set(shanghaiDate(from + d * DAY_MS), slots.slice(d * SLOTS_PER_DAY, (d + 1) * SLOTS_PER_DAY) as (number | null)[]);
  let err = 0;
  let perr = 0;
  let n = 0;
  for (let k = 1; k + aheadSlots < slots.length; k++) {
    const recent = slots[k - 1] ?? null;
    const actual = slots[k + aheadSlots] ?? null;
    if (recent === null || actual === null) continue;
    const now = from + k * SLOT_MS;
    // Only the days before today are known to the forecast.
    const today = shanghaiDate(now - 1);
    const known: Profiles = new Map([...days].filter(([d]) => d < today));
    const f = forecastSteps({ now, recent, days: known, steps: aheadSlots + 1 })[aheadSlots]!;
    if (f.occupancy === null) continue;
    err += Math.abs(f.occupancy - actual);
    perr += Math.abs(recent - actual);
    n += 1;
  }
  return { mae: n ? err / n : null, persistenceMae: n ? perr / n : null, points: n };
}
