import type { Actor } from '../../platform/auth/permissions.js';
import { shanghaiDay, shanghaiDayStart } from '../../platform/time.js';
import { availabilityOf, publicLotsByIds } from '../public/index.js';
import { isSaturated, lotIntervals, msAtOrAbove, themeSteps, type Interval } from './measures.js';
import { covers, readWindow, subtract, type Span, type WindowRead } from './rollup-read.js';
import { floorHour, HOUR_MS, memberSig, mergeSpans, rawIntervals } from './rollup.js';
import { measureLots } from './kpis.js';
import { comparableDays, dayClass, forecastSteps, shanghaiDate, SLOT_MS, SLOTS_PER_DAY, slotSeries, type Profiles } from './forecast.js';
import type { LotInfo, ThemeRow, ThemesContext } from './repo.js';
import { existingTheme, membersOf } from './service.js';
import * as repo from './repo.js';
import { notFound } from '../../platform/errors.js';

/*
 * GET /api/v1/themes/{code}/live (docs/市域专题接口.md): each member's availability by the public
 * service's rule (a number only when its newest status report is within its late threshold, read
 * from lot_live: no history), the theme's occupancy now over its live members, and the minutes
 * saturated so far today (per member from the lot-hour rollup, for the theme from theme_hours,
 * the hour in progress from the raw reports: decision 0019).
 */

export async function themeLive(ctx: ThemesContext, actor: Actor, code: string) {
  const now = ctx.clock.now();
  const theme = await existingTheme(ctx.db, actor, code);
  const members = (await membersOf(ctx, ctx.db, theme)).map((m) => m.lot);
  const dayStart = shanghaiDayStart(shanghaiDay(now))!.getTime();
  const w = { from: dayStart, to: dayStart + 86_400_000, asOf: now.getTime() };
  // Each member's saturated minutes today: rollup hours and raw for the rest (rollup-read.ts).
  const read = await readWindow(ctx.db, members, w);
  const saturatedMs = new Map<number, number>();
  for (const [id, s] of read.lots) saturatedMs.set(id, s.saturated);
  for (const { lot, iv } of read.raw) {
    if (isSaturated(iv.occupied, iv.total)) saturatedMs.set(lot.id, (saturatedMs.get(lot.id) ?? 0) + iv.end - iv.start);
  }
  const themeSaturatedMs = await themeMsAtOrAbove(ctx, theme, members, read, dayStart, now.getTime());
  let occ = 0;
  let tot = 0;
  let free = 0;
  const counts = { live: 0, stale: 0, unknown: 0 };
  const rows = members.map((l) => {
    const a = availabilityOf(l.status, l.totalSpaces, l.thresholdMinutes, now);
    counts[a.availability] += 1;
    let occupancy: number | null = null;
    if (a.availability === 'live' && a.freeSpaces !== null) {
      const cap = l.status.total !== null && l.status.total > 0 ? l.status.total : l.totalSpaces;
      if (cap > 0) {
        const o = Math.min(Math.max(cap - a.freeSpaces, 0), cap);
        occupancy = o / cap;
        occ += o;
        tot += cap;
        free += cap - o;
      }
    }
    return {
      code: l.code, name: l.name, totalSpaces: l.totalSpaces, availability: a.availability, freeSpaces: a.freeSpaces, occupancy,
      updatedAt: a.updatedAt, saturatedMinutesToday: (saturatedMs.get(l.id) ?? 0) / 60_000,
    };
  });
  const state = await ctx.db.selectFrom('theme_alert_state as s').leftJoin('theme_alert_episodes as e', 'e.id', 's.episode_id')
    .select(['s.episode_id', 'e.started_at']).where('s.theme_id', '=', theme.id).executeTakeFirst();
  return {
    code: theme.code, name: theme.name, at: now.toISOString(),
    occupancy: tot > 0 ? occ / tot : null, freeSpaces: tot > 0 ? free : null,
    liveLots: counts.live, staleLots: counts.stale, unknownLots: counts.unknown,
    saturatedMinutesToday: themeSaturatedMs / 60_000,
    alert: {
      threshold: theme.alertThreshold, minutes: theme.alertMinutes, enabled: theme.alertEnabled,
      active: !!state?.episode_id, since: state?.started_at ? new Date(state.started_at).toISOString() : null,
    },
    members: rows.sort((a, b) => (b.occupancy ?? -1) - (a.occupancy ?? -1) || a.code.localeCompare(b.code)),
  };
}

/**
 * The ms since dayStart at which the theme's occupancy (Σ occupied ÷ Σ total over the members
 * known at each instant) was at or above its alert threshold: whole hours from theme_hours while
 * their row is valid (same threshold and members, no pending mark of a member on them), the
 * rest from the raw reports — the same step function either way (rollup.ts, refreshThemeHours).
 */
async function themeMsAtOrAbove(ctx: ThemesContext, theme: ThemeRow, members: LotInfo[], read: WindowRead, dayStart: number, now: number): Promise<number> {
  const sig = memberSig(members);
  const dirty = mergeSpans([...read.pending.values()].flat());
  const cached = await ctx.db.selectFrom('theme_hours').select(['at', 'threshold', 'member_sig', 'above_ms']).where('theme_id', '=', theme.id)
    .where('at', '>=', new Date(dayStart)).where('at', '<', new Date(floorHour(now))).execute();
  let ms = 0;
  const used: Span[] = [];
  for (const c of cached) {
    const at = new Date(c.at).getTime();
    if (c.member_sig !== sig || Number(c.threshold) !== theme.alertThreshold || at + HOUR_MS > now) continue;
    if (dirty.some((d) => d.from < at + HOUR_MS && d.to > at)) continue;
    ms += Number(c.above_ms);
    used.push({ from: at, to: at + HOUR_MS });
  }
  const rest = subtract({ from: dayStart, to: now }, mergeSpans(used));
  if (!rest.length) return ms;
  // Usually the hour in progress, which readWindow has read raw for every member already.
  const readRaw = members.every((l) => rest.every((r) => covers(read.rawSpans.get(l.id) ?? [], r)));
  const ivs: Interval[] = [];
  if (readRaw) {
    for (const { iv } of read.raw) {
      for (const r of rest) {
        const start = Math.max(iv.start, r.from);
        const end = Math.min(iv.end, r.to);
        if (end > start) ivs.push({ ...iv, start, end });
      }
    }
  } else {
    for (const x of await rawIntervals(ctx.db, members, rest, now)) ivs.push(x.iv);
  }
  return ms + msAtOrAbove(themeSteps(ivs), theme.alertThreshold);
}

/**
 * GET /api/v1/themes/{code}/forecast: the next 6 hours in 15-minute slots (forecast.ts), from the
 * usual curve of the same day type over the last 8 comparable days blended with the last 15 minutes.
 */
export async function themeForecast(ctx: ThemesContext, actor: Actor, code: string) {
  const now = ctx.clock.now().getTime();
  const theme = await existingTheme(ctx.db, actor, code);
  const lots = (await membersOf(ctx, ctx.db, theme)).map((m) => m.lot);
  const edge = Math.floor(now / SLOT_MS) * SLOT_MS;
  const slotsOf = async (from: number, n: number) => {
    const w = { from, to: from + n * SLOT_MS, asOf: now };
    const ivs: Interval[] = [];
    await measureLots(ctx, lots, w, (_l, s) => ivs.push(...lotIntervals(s, w)));
    return slotSeries(ivs, from, n);
  };
  const recent = (await slotsOf(edge - SLOT_MS, 1))[0] ?? null;
  const today = shanghaiDate(edge - 1);
  const targets = new Set<string>();
  for (let k = 0; k < 24; k++) targets.add(shanghaiDate(edge + k * SLOT_MS));
  const needed = new Set<string>();
  for (const d of targets) for (const c of comparableDays(d, dayClass(d))) if (c < today) needed.add(c);
  const days: Profiles = new Map();
  for (const d of [...needed].sort()) days.set(d, await slotsOf(shanghaiDayStart(d)!.getTime(), SLOTS_PER_DAY));
  const steps = forecastSteps({ now: edge, recent, days });
  return {
    code: theme.code, at: new Date(edge).toISOString(), recent,
    dayClass: dayClass(shanghaiDate(edge)),
    comparableDays: comparableDays(shanghaiDate(edge), dayClass(shanghaiDate(edge))).filter((d) => days.get(d)?.some((v) => v !== null)),
    steps: steps.map((s) => ({ at: new Date(s.at).toISOString(), occupancy: s.occupancy, usual: s.usual, low: s.low, high: s.high })),
  };
}

/**
 * GET /api/v1/public/themes/{code} (no account): a published theme with its members' public view
 * by the public service's own rules — hidden lots left out, free spaces only when live.
 */
export async function publicTheme(ctx: ThemesContext, code: string) {
  const [theme] = await repo.themes(ctx.db, null, code);
  if (!theme || !theme.published) throw notFound(`专题 ${code}`);
  const ids = (await membersOf(ctx, ctx.db, theme)).map((m) => m.lot.id);
  const lots = await publicLotsByIds(ctx, ids);
  const live = lots.filter((l) => l.availability === 'live');
  return {
    code: theme.code, name: theme.name, kind: theme.kind,
    freeSpaces: live.length ? live.reduce((s, l) => s + (l.freeSpaces ?? 0), 0) : null,
    liveLots: live.length,
    lots: lots.map((l) => ({ code: l.code, name: l.name, category: l.category, address: l.address, lng: l.lng, lat: l.lat, totalSpaces: l.totalSpaces, freeSpaces: l.freeSpaces, availability: l.availability, updatedAt: l.updatedAt })),
  };
}
