// The offer form's rules, pure (tested in OfferDialog.test.ts): prices typed in yuan become fen in
// the body (docs/共享停车接口.md: money in fen), windows keep their days sorted, empty fields are
// left out rather than sent as null.
import type { BodyOf } from '../../api/client';

export type OfferBody = BodyOf<'sharingCreateOffer'>;
export type OfferWindow = OfferBody['windows'][number];
export type OwnerBody = BodyOf<'sharingCreateOwner'>;

export interface WindowDraft { days: number[]; start: string; end: string; on: '' | 'workdays' | 'rest_days' }
export interface OfferDraft {
  lotCode: string;
  name: string;
  spaces: number;
  windows: WindowDraft[];
  /** Yuan as typed (e.g. '2.5'); empty: free. */
  priceYuanPerHour: string;
  graceMinutes: number | null;
  maxMinutes: number | null;
  cancelCutoffMinutes: number | null;
  newEnergyOnly: boolean;
}

export const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$/;

/** '2.5' → 250; '' → null; not a non-negative amount with at most 2 decimals → NaN. */
export function yuanToFen(text: string): number | null {
  const s = text.trim();
  if (s === '') return null;
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(s)) return Number.NaN;
  const [whole, frac = ''] = s.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

export function emptyWindow(): WindowDraft {
  return { days: [1, 2, 3, 4, 5], start: '18:00', end: '08:00', on: '' };
}

export function emptyOffer(): OfferDraft {
  return { lotCode: '', name: '', spaces: 1, windows: [emptyWindow()], priceYuanPerHour: '', graceMinutes: null, maxMinutes: null, cancelCutoffMinutes: null, newEnergyOnly: false };
}

/** Why the draft cannot be sent (an i18n key under sharing.form.errors), or null. */
export function offerProblem(d: OfferDraft): string | null {
  if (!d.lotCode.trim() || !d.name.trim()) return 'required';
  if (d.windows.length === 0) return 'noWindow';
  for (const w of d.windows) {
    if (w.days.length === 0) return 'noDays';
    if (!HHMM.test(w.start) || w.start === '24:00' || !HHMM.test(w.end)) return 'time';
  }
  if (Number.isNaN(yuanToFen(d.priceYuanPerHour))) return 'price';
  return null;
}

export function offerBody(d: OfferDraft): OfferBody {
  const windows: OfferWindow[] = d.windows.map((w) => ({ days: [...new Set(w.days)].sort((a, b) => a - b), start: w.start, end: w.end, ...(w.on ? { on: w.on } : {}) }));
  const body: OfferBody = { lotCode: d.lotCode.trim(), name: d.name.trim(), spaces: d.spaces, windows };
  const fen = yuanToFen(d.priceYuanPerHour);
  if (fen !== null) body.priceFenPerHour = fen;
  const rules: NonNullable<OfferBody['rules']> = {};
  if (d.graceMinutes !== null) rules.graceMinutes = d.graceMinutes;
  if (d.maxMinutes !== null) rules.maxMinutes = d.maxMinutes;
  if (d.cancelCutoffMinutes !== null) rules.cancelCutoffMinutes = d.cancelCutoffMinutes;
  if (d.newEnergyOnly) rules.newEnergyOnly = true;
  if (Object.keys(rules).length) body.rules = rules;
  return body;
}

/** 'A, B，C' → ['A','B','C'] (commas of either width, blanks dropped). */
export function listOf(text: string): string[] {
  return text.split(/[,，\s]+/).map((s) => s.trim()).filter(Boolean);
}

/** A block of the week calendar: weekday 1–7, minutes from that day's midnight. */
export interface CalendarBlock { day: number; from: number; to: number; index: number; continued: boolean }

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * The blocks of weekly windows on a Mon–Sun calendar: a window whose end is not after its start
 * crosses midnight and is drawn on its day up to 24:00 and on the next day (Sunday → Monday) from 0:00.
 */
export function calendarBlocks(windows: readonly { days: readonly number[]; start: string; end: string }[]): CalendarBlock[] {
  const out: CalendarBlock[] = [];
  windows.forEach((w, index) => {
    const from = minutesOf(w.start);
    const to = minutesOf(w.end);
    for (const day of w.days) {
      if (to > from) {
        out.push({ day, from, to, index, continued: false });
      } else {
        out.push({ day, from, to: 1440, index, continued: false });
        if (to > 0) out.push({ day: (day % 7) + 1, from: 0, to, index, continued: true });
      }
    }
  });
  return out;
}
