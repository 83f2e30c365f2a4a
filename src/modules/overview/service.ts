import type { Actor } from '../../platform/auth/permissions.js';
import { dayFigures } from './figures.js';
import { liveCount, ratioOf, sumLive, type LiveCount } from './live.js';
import { districtsInScope } from '../registry/index.js';
import { overviewLots } from './lots.js';
import { openIncidents, openTickets, tickerItems } from './open-work.js';
import type { Overview } from './schemas.js';
import { judgedLots } from '../monitoring/index.js';
import type { OverviewContext } from './repo.js';

const LOT_KINDS = ['off_street', 'on_street'] as const;

/*
 * The city overview (全局概览): one document for the big screen, within the actor's district
 * scope. Each part comes from the module that owns it — registry facts and live status (read-only,
 * lots.ts), sync states and late thresholds (monitoring), today's and yesterday's flow and revenue
 * (analytics rollups), open incidents and work orders (their filtered queries) — read in parallel.
 */

export async function buildOverview(ctx: OverviewContext, actor: Actor): Promise<Overview> {
  const now = ctx.clock.now();
  const [lots, districts, sync, figures, incidents, tickets, ticker] = await Promise.all([
    overviewLots(ctx.db, actor),
    districtsInScope(ctx.db, actor),
    judgedLots(ctx, actor, now),
    dayFigures(ctx, actor, now),
    openIncidents(ctx, actor),
    openTickets(ctx, actor),
    tickerItems(ctx, actor),
  ]);

  // Monitoring's effective threshold (lot → source → default) for lots bound to a source; a lot
  // without one can only hold a status from when it had one: its own threshold, else the default.
  const thresholds = new Map(sync.lots.map((l) => [l.lotId, l.thresholdMinutes]));
  const live = new Map<number, LiveCount | null>();
  for (const lot of lots) live.set(lot.id, liveCount(lot, thresholds.get(lot.id) ?? lot.thresholdMinutes ?? ctx.config.lateThresholdMinutes, now));

  const districtName = new Map(districts.map((d) => [d.code, d.name]));
  const lotByCode = new Map(lots.map((l) => [l.code, l]));

  const districtRanking = districts
    .map((d) => {
      const own = lots.filter((l) => l.districtCode === d.code);
      const today = figures.todayByDistrict.get(d.code);
      return {
        districtCode: d.code,
        districtName: d.name,
        lots: own.length,
        spaces: own.reduce((n, l) => n + l.totalSpaces, 0),
        occupancy: sumLive(own.map((l) => live.get(l.id) ?? null)).ratio,
        entriesToday: today?.entries ?? 0,
        receivableFenToday: today?.receivableFen ?? 0,
      };
    })
    .sort((a, b) => b.entriesToday - a.entriesToday || b.receivableFenToday - a.receivableFenToday || b.spaces - a.spaces || a.districtCode.localeCompare(b.districtCode));

  const busiestLots = figures.busiest.flatMap(({ lotCode, entries }) => {
    const lot = lotByCode.get(lotCode);
    if (!lot) return []; // out of scope or deleted since the rollup
    return [{ lotCode, lotName: lot.name, districtName: districtName.get(lot.districtCode) ?? lot.districtCode, entries, occupancy: ratioOf(live.get(lot.id) ?? null) }];
  });

  const points = lots.flatMap((l) =>
    l.lng === null || l.lat === null
      ? []
      : [{ lotCode: l.code, lotName: l.name, lng: l.lng, lat: l.lat, totalSpaces: l.totalSpaces, occupancy: ratioOf(live.get(l.id) ?? null), category: l.category, kind: l.kind, districtCode: l.districtCode }],
  );

  // 路内 vs 场库: both kinds always listed (a city without on-street berths shows zeros).
  const byKind = LOT_KINDS.map((kind) => {
    const own = lots.filter((l) => l.kind === kind);
    return {
      kind,
      lots: own.length,
      spaces: own.reduce((n, l) => n + l.totalSpaces, 0),
      occupancy: sumLive(own.map((l) => live.get(l.id) ?? null)).ratio,
      entriesToday: own.reduce((n, l) => n + (figures.todayByLot.get(l.code)?.entries ?? 0), 0),
      receivableFenToday: own.reduce((n, l) => n + (figures.todayByLot.get(l.code)?.receivableFen ?? 0), 0),
    };
  });

  const { ok, late, never, paused, total } = sync.counts;
  return {
    asOf: now.toISOString(),
    figuresAsOf: figures.asOf,
    lots: lots.length,
    spaces: lots.reduce((n, l) => n + l.totalSpaces, 0),
    districts: districts.length,
    lotsWithoutCoordinates: lots.length - points.length,
    live: sumLive(live.values()),
    today: figures.today,
    yesterday: figures.yesterday,
    yesterdayFull: figures.yesterdayFull,
    districtRanking,
    busiestLots,
    points,
    hourly: figures.hourly,
    byKind,
    payChannels: figures.payChannels,
    ticker,
    sync: { total, ok, late, never, paused },
    incidents,
    tickets,
  };
}
