import type { Actor } from '../../platform/auth/permissions.js';
import { notFound } from '../../platform/errors.js';
import { shanghaiDay } from '../../platform/time.js';
import { queryKpis } from '../analytics/index.js';
import { judgedLots } from '../monitoring/index.js';
import { districtsInScope } from '../registry/index.js';
import { sumFigures } from './figures.js';
import { liveCount, ratioOf } from './live.js';
import { overviewLots } from './lots.js';
import type { OverviewContext } from './repo.js';
import type { LotCard } from './schemas.js';

/*
 * One lot as the big screen's card and the lot detail page show it: registry facts, live
 * occupancy (the overview's rule, live.ts), sync state (monitoring's judgement), today's figures
 * and today's hours against yesterday's from the analytics rollups (occupancy = the hour's
 * time-weighted average from status reports, docs/指标口径.md). District-scoped: a lot outside
 * the actor's district is 404, as in the registry.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

type HourRow = { hour?: string; entries?: number | null; exits?: number | null; occupancyAvg?: number | null; occupancyPeak?: number | null };

/** Rows by Shanghai hour of day 0–23 (rows outside the day are dropped). */
function byHour(rows: readonly HourRow[], day: string): Map<number, HourRow> {
  const midnight = Date.parse(`${day}T00:00:00+08:00`);
  const out = new Map<number, HourRow>();
  for (const r of rows) {
    const h = r.hour ? Math.floor((Date.parse(r.hour) - midnight) / HOUR_MS) : -1;
    if (h >= 0 && h < 24) out.set(h, r);
  }
  return out;
}

const round4 = (x: number | null | undefined) => (x === null || x === undefined ? null : Math.round(x * 10_000) / 10_000);

export async function lotCard(ctx: OverviewContext, actor: Actor, code: string): Promise<LotCard> {
  const now = ctx.clock.now();
  const [lot] = await overviewLots(ctx.db, actor, code);
  if (!lot) throw notFound(`停车场 ${code}`);
  const today = shanghaiDay(now);
  const yesterday = shanghaiDay(new Date(now.getTime() - DAY_MS));
  const [sync, todayRes, yesterdayRes, districts] = await Promise.all([
    judgedLots(ctx, actor, now),
    queryKpis(ctx, actor, { from: today, to: today, groupBy: ['hour'], lot: [code] }),
    queryKpis(ctx, actor, { from: yesterday, to: yesterday, groupBy: ['hour'], lot: [code] }),
    districtsInScope(ctx.db, actor),
  ]);
  const judged = sync.lots.find((l) => l.lotId === lot.id) ?? null;
  const live = liveCount(lot, judged?.thresholdMinutes ?? lot.thresholdMinutes ?? ctx.config.lateThresholdMinutes, now);
  const asOf = todayRes.asOf ? new Date(todayRes.asOf) : now;
  const until = asOf < now ? asOf : now;
  const midnight = Date.parse(`${today}T00:00:00+08:00`);
  const todayHours = byHour(todayRes.rows, today);
  const yesterdayHours = byHour(yesterdayRes.rows, yesterday);
  const hours = Array.from({ length: 24 }, (_, h) => {
    const begun = midnight + h * HOUR_MS <= until.getTime();
    const r = todayHours.get(h);
    const y = yesterdayHours.get(h);
    return {
      hour: h,
      entries: begun ? Number(r?.entries ?? 0) : null,
      exits: begun ? Number(r?.exits ?? 0) : null,
      occupancyAvg: begun ? round4(r?.occupancyAvg) : null,
      occupancyPeak: begun ? round4(r?.occupancyPeak) : null,
      yesterdayOccupancyAvg: round4(y?.occupancyAvg),
      yesterdayEntries: Number(y?.entries ?? 0),
    };
  });
  return {
    lotCode: lot.code,
    lotName: lot.name,
    districtCode: lot.districtCode,
    districtName: districts.find((d) => d.code === lot.districtCode)?.name ?? lot.districtCode,
    kind: lot.kind,
    category: lot.category,
    totalSpaces: lot.totalSpaces,
    lng: lot.lng,
    lat: lot.lat,
    live: live ? { occupied: live.occupied, total: live.total, ratio: ratioOf(live) } : null,
    statusAt: lot.status ? lot.status.at.toISOString() : null,
    sync: judged ? { state: judged.state, lateMinutes: judged.lateMinutes, thresholdMinutes: judged.thresholdMinutes } : null,
    today: sumFigures(todayRes.rows),
    hours,
    figuresAsOf: todayRes.asOf ? new Date(todayRes.asOf).toISOString() : null,
    asOf: now.toISOString(),
  };
}
