import type { WindowKind, WindowScope } from './tables.js';

/*
 * When a maintenance window is in force, in Shanghai time (UTC+8, no daylight saving). Pure, so
 * the evaluator, the freshness view and tests agree on one reading of the rules.
 *
 * A weekly window runs on its days of week from start to end (Shanghai clock); an end at or
 * before the start runs past midnight, so "Sat 22:00–02:00" covers Saturday night into Sunday.
 * The validity dates bound the day an occurrence starts on.
 */

export interface WindowRule {
  id: number;
  scope: WindowScope;
  lotId: number | null;
  sourceCode: string | null;
  districtCode: string | null;
  kind: WindowKind;
  startsAt: Date | null;
  endsAt: Date | null;
  /** ISO days, 1 = Monday … 7 = Sunday. */
  daysOfWeek: number[];
  startMinute: number | null;
  endMinute: number | null;
  validFrom: string | null;
  validTo: string | null;
}

const SHANGHAI_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 24 * 3600_000;

interface LocalDay {
  date: string;
  isoDay: number;
}

function localDay(ms: number): LocalDay {
  const local = new Date(ms + SHANGHAI_OFFSET_MS);
  return { date: local.toISOString().slice(0, 10), isoDay: local.getUTCDay() === 0 ? 7 : local.getUTCDay() };
}

function validOn(w: WindowRule, date: string): boolean {
  return (w.validFrom === null || date >= w.validFrom) && (w.validTo === null || date <= w.validTo);
}

export function isWindowActive(w: WindowRule, now: Date): boolean {
  const t = now.getTime();
  if (w.kind === 'once') return w.startsAt !== null && w.endsAt !== null && w.startsAt.getTime() <= t && t < w.endsAt.getTime();
  if (w.startMinute === null || w.endMinute === null) return false;
  const minute = Math.floor(((t + SHANGHAI_OFFSET_MS) % DAY_MS) / 60_000);
  const today = localDay(t);
  const startsToday = (d: LocalDay) => w.daysOfWeek.includes(d.isoDay) && validOn(w, d.date);
  if (w.startMinute < w.endMinute) return startsToday(today) && minute >= w.startMinute && minute < w.endMinute;
  // Past midnight: tonight's occurrence, or the tail of last night's.
  return (startsToday(today) && minute >= w.startMinute) || (startsToday(localDay(t - DAY_MS)) && minute < w.endMinute);
}

/** Whether a window can still be in force at or after `now` (for lists: expired ones are hidden by default). */
export function isWindowExpired(w: WindowRule, now: Date): boolean {
  if (w.kind === 'once') return w.endsAt !== null && w.endsAt.getTime() <= now.getTime();
  if (w.validTo === null) return false;
  // The last occurrence starts on valid_to and may run past midnight into the next day.
  const lastDay = localDay(now.getTime() - DAY_MS).date;
  return w.validTo < lastDay;
}

/** The windows in force now, indexed by what they cover. */
export interface ActiveWindows {
  all: number | null;
  lots: Map<number, number>;
  sources: Map<string, number>;
  districts: Map<string, number>;
}

export function activeWindows(rules: readonly WindowRule[], now: Date): ActiveWindows {
  const out: ActiveWindows = { all: null, lots: new Map(), sources: new Map(), districts: new Map() };
  for (const w of rules) {
    if (!isWindowActive(w, now)) continue;
    if (w.scope === 'all') out.all ??= w.id;
    else if (w.scope === 'lot' && w.lotId !== null && !out.lots.has(w.lotId)) out.lots.set(w.lotId, w.id);
    else if (w.scope === 'source' && w.sourceCode !== null && !out.sources.has(w.sourceCode)) out.sources.set(w.sourceCode, w.id);
    else if (w.scope === 'district' && w.districtCode !== null && !out.districts.has(w.districtCode)) out.districts.set(w.districtCode, w.id);
  }
  return out;
}

/** The id of a window in force over the lot (its own, its source's, its district's, or a city-wide one), or null. */
export function windowOverLot(active: ActiveWindows, lot: { lotId: number; sourceCode: string; districtCode: string }): number | null {
  return active.lots.get(lot.lotId) ?? active.sources.get(lot.sourceCode) ?? active.districts.get(lot.districtCode) ?? active.all;
}

/** A window in force over a whole source (its own or a city-wide one), or null. */
export function windowOverSource(active: ActiveWindows, sourceCode: string): number | null {
  return active.sources.get(sourceCode) ?? active.all;
}
