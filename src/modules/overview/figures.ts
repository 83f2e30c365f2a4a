import type { Actor } from '../../platform/auth/permissions.js';
import { shanghaiDay } from '../../platform/time.js';
import { queryKpis, type KpiRow } from '../analytics/index.js';
import type { OverviewContext } from './repo.js';

/*
 * Today's and yesterday's flow and revenue, from the analytics rollups through the query API's
 * service (never raw sessions: the rollups are what every dashboard reads, and they already apply
 * the KPI definitions and the cleaning's exclusions). Periods are Shanghai days.
 *
 * "Yesterday so far" ends at the same time of day as today's figures: the rollups' as-of (their
 * last refresh, else now) minus 24 h. Rollups are hourly, so the hour that moment falls in counts
 * pro rata (at 10:20, yesterday's 10:00–11:00 counts one third): neither a whole hour more nor less
 * than today has had. Yesterday comes by hour in one query, which also gives the whole day.
 */

export interface DayFigures {
  entries: number;
  exits: number;
  receivableFen: number;
  paidFen: number;
}

/** What the overview reads of a KPI row: its key (hour, district or lot) and four figures. */
type Row = Pick<KpiRow, 'hour' | 'districtCode' | 'lotCode' | 'payChannel' | 'entries' | 'exits' | 'receivableFen' | 'paidFen'>;

export interface Figures {
  today: DayFigures;
  yesterday: DayFigures;
  yesterdayFull: DayFigures;
  /** Today's figures per district code. */
  todayByDistrict: Map<string, DayFigures>;
  /** Up to 10 lots with the most entries today (none with 0), most first. */
  busiest: { lotCode: string; entries: number }[];
  /** Today's figures per lot code (every lot in scope, zeros included). */
  todayByLot: Map<string, DayFigures>;
  /** Entries per Shanghai hour of day (0–23): today (null for hours not yet begun), yesterday, the same weekday a week ago. */
  hourly: { today: (number | null)[]; yesterday: number[]; lastWeek: number[] };
  /** Today's exits and revenue by pay channel ('' = none reported), most paid first. */
  payChannels: { channel: string; exits: number; receivableFen: number; paidFen: number }[];
  /** When the rollups were last brought up to date (the analytics as-of). */
  asOf: string | null;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const figuresOf = (r: Row): DayFigures => ({
  entries: Number(r.entries ?? 0),
  exits: Number(r.exits ?? 0),
  receivableFen: Number(r.receivableFen ?? 0),
  paidFen: Number(r.paidFen ?? 0),
});

const zero = (): DayFigures => ({ entries: 0, exits: 0, receivableFen: 0, paidFen: 0 });

function addTo(out: DayFigures, r: Row, weight = 1): DayFigures {
  const f = figuresOf(r);
  out.entries += f.entries * weight;
  out.exits += f.exits * weight;
  out.receivableFen += f.receivableFen * weight;
  out.paidFen += f.paidFen * weight;
  return out;
}

const rounded = (f: DayFigures): DayFigures => ({
  entries: Math.round(f.entries),
  exits: Math.round(f.exits),
  receivableFen: Math.round(f.receivableFen),
  paidFen: Math.round(f.paidFen),
});

export const sumFigures = (rows: readonly Row[]): DayFigures => rows.reduce((out, r) => addTo(out, r), zero());

/** Yesterday's hour rows summed up to `cut`, the hour it falls in pro rata. */
export function figuresUntil(hourRows: readonly Row[], cut: Date): DayFigures {
  const out = zero();
  for (const r of hourRows) {
    const start = r.hour ? Date.parse(r.hour) : NaN;
    if (Number.isNaN(start)) continue;
    const weight = Math.min(Math.max((cut.getTime() - start) / HOUR_MS, 0), 1);
    if (weight > 0) addTo(out, r, weight);
  }
  return rounded(out);
}

/**
 * Entries of hour rows by Shanghai hour of day (Shanghai has no daylight saving: hour index =
 * whole hours since the day's midnight). Hours without a row are 0; with `until`, hours starting
 * after it are null (not yet begun).
 */
export function entriesByHour(hourRows: readonly Row[], day: string, until?: Date): (number | null)[] {
  const midnight = Date.parse(`${day}T00:00:00+08:00`);
  const out: (number | null)[] = Array.from({ length: 24 }, (_, h) => (until && midnight + h * HOUR_MS > until.getTime() ? null : 0));
  for (const r of hourRows) {
    const start = r.hour ? Date.parse(r.hour) : NaN;
    const h = Math.floor((start - midnight) / HOUR_MS);
    if (h >= 0 && h < 24 && out[h] !== null) out[h] = (out[h] ?? 0) + Number(r.entries ?? 0);
  }
  return out;
}

export async function dayFigures(ctx: OverviewContext, actor: Actor, now: Date): Promise<Figures> {
  const today = shanghaiDay(now);
  const yesterday = shanghaiDay(new Date(now.getTime() - DAY_MS));
  const lastWeek = shanghaiDay(new Date(now.getTime() - 7 * DAY_MS));
  const [todayRes, yesterdayRes, lotsRes, todayHours, lastWeekHours, channels] = await Promise.all([
    // By district: the sum is the total, and the ranking needs the parts anyway.
    queryKpis(ctx, actor, { from: today, to: today, groupBy: ['district'] }),
    queryKpis(ctx, actor, { from: yesterday, to: yesterday, groupBy: ['hour'] }),
    // Every lot (on-street vs off-street needs them all; the busiest are the first ten of them).
    queryKpis(ctx, actor, { from: today, to: today, groupBy: ['lot'] }),
    queryKpis(ctx, actor, { from: today, to: today, groupBy: ['hour'] }),
    queryKpis(ctx, actor, { from: lastWeek, to: lastWeek, groupBy: ['hour'] }),
    queryKpis(ctx, actor, { from: today, to: today, groupBy: ['channel'] }),
  ]);
  const todayRows: Row[] = todayRes.rows;
  const todayByDistrict = new Map<string, DayFigures>();
  for (const r of todayRows) if (r.districtCode) todayByDistrict.set(r.districtCode, figuresOf(r));
  const todayByLot = new Map<string, DayFigures>();
  for (const r of lotsRes.rows) if (r.lotCode) todayByLot.set(r.lotCode, figuresOf(r));
  const busiest = lotsRes.rows
    .filter((r) => r.lotCode && Number(r.entries ?? 0) > 0)
    .map((r) => ({ lotCode: r.lotCode!, entries: Number(r.entries) }))
    .sort((a, b) => b.entries - a.entries || a.lotCode.localeCompare(b.lotCode))
    .slice(0, 10);
  const asOf = todayRes.asOf ? new Date(todayRes.asOf) : null;
  const todayUntil = asOf && asOf < now ? asOf : now;
  const hours: Row[] = yesterdayRes.rows;
  const payChannels = channels.rows
    .map((r) => ({ channel: r.payChannel ?? '', ...figuresOf(r) }))
    .filter((c) => c.exits > 0 || c.paidFen > 0 || c.receivableFen > 0)
    .map(({ channel, exits, receivableFen, paidFen }) => ({ channel, exits, receivableFen, paidFen }))
    .sort((a, b) => b.paidFen - a.paidFen || b.exits - a.exits || a.channel.localeCompare(b.channel));
  return {
    today: sumFigures(todayRows),
    yesterday: figuresUntil(hours, new Date(todayUntil.getTime() - DAY_MS)),
    yesterdayFull: sumFigures(hours),
    todayByDistrict,
    busiest,
    todayByLot,
    hourly: {
      today: entriesByHour(todayHours.rows, today, todayUntil),
      yesterday: entriesByHour(hours, yesterday) as number[],
      lastWeek: entriesByHour(lastWeekHours.rows, lastWeek) as number[],
    },
    payChannels,
    asOf: asOf ? asOf.toISOString() : null,
  };
}
