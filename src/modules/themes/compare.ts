import type { Actor } from '../../platform/auth/permissions.js';
import { AppError } from '../../platform/errors.js';
import { listDays } from '../../platform/calendar/index.js';
import { shanghaiDay } from '../../platform/time.js';
import { isOrdinaryDay } from './holidays.js';
import { themeKpis, type ThemeKpis } from './kpis.js';
import type { ThemesContext } from './repo.js';
import { existingTheme } from './service.js';

/*
 * Before and after (docs/市域专题接口.md 2.4): a period of a theme (an event theme's own dates by
 * default) against the same weekdays of the weeks before it — the period shifted back by 7, 14 …
 * days. The baseline of each figure is the mean over the earlier periods that have a value.
 * ordinaryOnly (the holiday view's "normal days"): earlier periods holding a public holiday or a
 * 调休 make-up working day are skipped, and the search goes back further (at most weeks × 4 steps).
 */

export const MAX_COMPARE_WEEKS = 8;
const FIGURES = ['occupancyAvg', 'saturatedShare', 'peakOccupancy', 'pressureIndex', 'entries', 'avgDwellMinutes'] as const;
type Figure = (typeof FIGURES)[number];

const shift = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const pick = (k: ThemeKpis) => Object.fromEntries(FIGURES.map((f) => [f, k[f]])) as Record<Figure, number | null>;

/** How far back an ordinary-days comparison looks for its weeks: `weeks` × this many steps at most. */
const ORDINARY_REACH = 4;

export async function themeCompare(ctx: ThemesContext, actor: Actor, code: string, q: { from?: string; to?: string; weeks?: number; ordinaryOnly?: boolean }) {
  const theme = await existingTheme(ctx.db, actor, code);
  const today = shanghaiDay(ctx.clock.now());
  const from = q.from ?? theme.eventFrom ?? today;
  const to = q.to ?? (q.from ? from : (theme.eventTo ?? from));
  const weeks = q.weeks ?? 4;
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > MAX_COMPARE_WEEKS) throw new AppError(400, 'INVALID_WEEKS', `weeks 须为 1–${MAX_COMPARE_WEEKS} / weeks must be 1–${MAX_COMPARE_WEEKS}`);
  const current = await themeKpis(ctx, actor, code, { from, to });
  const span = Math.round((Date.parse(`${current.to}T00:00:00Z`) - Date.parse(`${current.from}T00:00:00Z`)) / 86_400_000) + 1;
  const step = Math.ceil(span / 7) * 7; // whole weeks, and no overlap with the period itself
  const earlier: ({ from: string; to: string } & Record<Figure, number | null>)[] = [];
  const ordinary = (from: string, to: string) => listDays(from, to).every((d) => isOrdinaryDay(d.kind));
  for (let k = 1; earlier.length < weeks && k <= (q.ordinaryOnly ? weeks * ORDINARY_REACH : weeks); k++) {
    // ordinaryOnly: skip earlier periods that hold a public holiday or a make-up working day.
    if (q.ordinaryOnly && !ordinary(shift(current.from, -k * step), shift(current.to, -k * step))) continue;
    const e = await themeKpis(ctx, actor, code, { from: shift(current.from, -k * step), to: shift(current.to, -k * step) });
    earlier.push({ from: e.from, to: e.to, ...pick(e) });
  }
  const baseline = Object.fromEntries(FIGURES.map((f) => {
    const vs = earlier.map((e) => e[f]).filter((v): v is number => v !== null);
    return [f, vs.length ? vs.reduce((s, v) => s + v, 0) / vs.length : null];
  })) as Record<Figure, number | null>;
  return { code: theme.code, period: { from: current.from, to: current.to, ...pick(current) }, baseline, earlier };
}
