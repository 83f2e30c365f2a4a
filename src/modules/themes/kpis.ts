import type { Actor } from '../../platform/auth/permissions.js';
import { AppError } from '../../platform/errors.js';
import { shanghaiDay, shanghaiDayStart } from '../../platform/time.js';
import { MeasureAccumulator, lotIntervals, pressureIndex, pressureLevel, type LotSeries, type MeasureWindow, type OccupancyMeasures, type PressureLevel, type StatusPoint } from './measures.js';
import * as repo from './repo.js';
import { measureWindow } from './rollup-read.js';
import type { ThemesContext } from './repo.js';
import { existingTheme, membersOf } from './service.js';

/*
 * GET /api/v1/themes/{code}/kpis (docs/市域专题接口.md): the theme's measures over Shanghai days
 * [from 00:00, to + 1 day 00:00), exact as on the raw status reports (measures.ts, docs/指标口径.md
 * section 5), read from the per-lot-hour rollup where it is certain and from the raw reports
 * elsewhere (rollup-read.ts, decision 0019), and on the parking records for entries, turnover and dwell.
 */

export const MAX_KPI_DAYS = 366;
const DAY_MS = 86_400_000;
/** Lots read per query: bounds the rows held at once. */
const LOT_CHUNK = 25;

export interface DayRange {
  from: string;
  to: string;
  start: Date;
  end: Date;
  days: number;
}

/** Shanghai days from/to ('YYYY-MM-DD', `to` included; each defaults to today). */
export function dayRange(q: { from?: string; to?: string }, now: Date): DayRange {
  const today = shanghaiDay(now);
  const from = q.from?.trim() || today;
  const to = q.to?.trim() || (q.from?.trim() ? from : today);
  const start = shanghaiDayStart(from);
  const last = shanghaiDayStart(to);
  if (!start || shanghaiDay(start) !== from) throw new AppError(400, 'INVALID_DATE', `from 须为上海日期 YYYY-MM-DD / from must be a date YYYY-MM-DD: ${from}`);
  if (!last || shanghaiDay(last) !== to) throw new AppError(400, 'INVALID_DATE', `to 须为上海日期 YYYY-MM-DD / to must be a date YYYY-MM-DD: ${to}`);
  if (last < start) throw new AppError(400, 'INVALID_RANGE', 'to 早于 from / to is before from');
  const days = Math.round((last.getTime() - start.getTime()) / DAY_MS) + 1;
  if (days > MAX_KPI_DAYS) throw new AppError(400, 'RANGE_TOO_LONG', `统计范围至多 ${MAX_KPI_DAYS} 天 / at most ${MAX_KPI_DAYS} days`);
  return { from, to, start, end: new Date(last.getTime() + DAY_MS), days };
}

/** Groups ordered reports into the series of each lot (reports of one lot are contiguous). */
export function seriesOf(lots: readonly repo.LotInfo[], reports: readonly repo.RawReport[]): LotSeries[] {
  const points = new Map<number, StatusPoint[]>();
  for (const r of reports) {
    let list = points.get(r.lotId);
    if (!list) points.set(r.lotId, (list = []));
    list.push({ at: r.at, total: r.total, free: r.free });
  }
  return lots.map((l) => ({ lotId: l.id, registeredTotal: l.totalSpaces, thresholdMinutes: l.thresholdMinutes, points: points.get(l.id) ?? [] }));
}

/** The occupancy measures of a set of lots over [start, end), read chunk by chunk. */
export async function measureLots(ctx: ThemesContext, lots: readonly repo.LotInfo[], w: MeasureWindow, each?: (lot: repo.LotInfo, s: LotSeries) => void): Promise<OccupancyMeasures> {
  const acc = new MeasureAccumulator();
  const from = new Date(w.from);
  const to = new Date(Math.min(w.to, w.asOf));
  if (to > from) {
    for (let i = 0; i < lots.length; i += LOT_CHUNK) {
      const chunk = lots.slice(i, i + LOT_CHUNK);
      const reports = await repo.statusReports(ctx.db, chunk, from, to);
      const series = seriesOf(chunk, reports);
      series.forEach((s, k) => {
        for (const iv of lotIntervals(s, w)) acc.add(iv);
        each?.(chunk[k]!, s);
      });
    }
  }
  return acc.result();
}

export interface ThemeKpis {
  code: string;
  from: string;
  to: string;
  lots: number;
  lotsKnown: number;
  totalSpaces: number;
  occupancyAvg: number | null;
  saturatedShare: number | null;
  peakOccupancy: number | null;
  peakAt: string | null;
  knownMinutes: number;
  saturatedMinutes: number;
  entries: number;
  exits: number;
  turnover: number | null;
  avgDwellMinutes: number | null;
  pressureIndex: number | null;
  pressureLevel: PressureLevel;
  hours: { at: string; occupancy: number; knownMinutes: number }[];
  asOf: string;
}

export async function themeKpis(ctx: ThemesContext, actor: Actor, code: string, q: { from?: string; to?: string }): Promise<ThemeKpis> {
  const now = ctx.clock.now();
  const range = dayRange(q, now);
  const theme = await existingTheme(ctx.db, actor, code);
  const members = (await membersOf(ctx, ctx.db, theme)).map((m) => m.lot);
  const w: MeasureWindow = { from: range.start.getTime(), to: range.end.getTime(), asOf: now.getTime() };
  const { measures: m } = await measureWindow(ctx.db, members, w);
  const ids = members.map((l) => l.id);
  const s = await repo.sessionFigures(ctx.db, ids, range.start, range.end);
  const spaces = members.reduce((sum, l) => sum + Math.max(0, l.totalSpaces), 0);
  // Turnover as analytics counts it (docs/指标口径.md 2.3): entries ÷ (spaces × days elapsed).
  const elapsedDays = (Math.min(range.end.getTime(), now.getTime()) - range.start.getTime()) / 86_400_000;
  const p = pressureIndex(m);
  return {
    code: theme.code, from: range.from, to: range.to,
    lots: members.length, lotsKnown: m.lotsKnown, totalSpaces: spaces,
    occupancyAvg: m.occupancyAvg, saturatedShare: m.saturatedShare,
    peakOccupancy: m.peakOccupancy, peakAt: m.peakAt === null ? null : new Date(m.peakAt).toISOString(),
    knownMinutes: m.knownMinutes, saturatedMinutes: m.saturatedMinutes,
    entries: s.entries, exits: s.exits,
    turnover: spaces > 0 && elapsedDays > 0 ? s.entriesAtSpaces / (spaces * elapsedDays) : null,
    avgDwellMinutes: s.exits > 0 ? s.dwellMinutesSum / s.exits : null,
    pressureIndex: p, pressureLevel: pressureLevel(p),
    hours: m.hours.map((h) => ({ at: new Date(h.at).toISOString(), occupancy: h.occupancy, knownMinutes: h.knownMinutes })),
    asOf: now.toISOString(),
  };
}
