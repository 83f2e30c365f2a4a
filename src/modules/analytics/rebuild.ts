import { alignOut, DAY_MS } from './periods.js';
import type { TimeRange } from './ranges.js';
import { addCounts, lockRollups, noCounts, recomputeGroups, recomputeLots, rollupSettings, type RecomputeCounts } from './recompute.js';
import type { AnalyticsContext } from './repo.js';

/*
 * `zhibo analytics rebuild`: recomputes every rollup row of [from, to), widened to whole
 * Shanghai days, with the same functions as the refresh, at as-of = now — so a rebuild gives
 * what the incremental refreshes gave (test: rebuild.test.ts). Chunks, each its own
 * transaction, so progress shows and no transaction holds a year: lots in batches over the
 * whole range (a lot's sessions are then read once, not once per month), then groups day by
 * day (a group's moment needs all its lots: a day of a city's reports is a sort that fits in
 * memory). Queued marks stay for the next refresh.
 */

const LOTS_PER_CHUNK = 10;

export interface RebuildResult extends RecomputeCounts {
  from: Date;
  to: Date;
  asOf: Date;
  lots: number;
  chunks: number;
}

export async function rebuildAnalytics(ctx: AnalyticsContext, from: Date, to: Date, onProgress?: (done: number, total: number) => void): Promise<RebuildResult> {
  const asOf = ctx.clock.now();
  const settings = rollupSettings(ctx, asOf);
  const range = alignOut('day', from, to);
  const lotIds = (await ctx.db.selectFrom('lots').select('id').orderBy('id').execute()).map((l) => l.id);
  const days: TimeRange[] = [];
  for (let d = range.from.getTime(); d < range.to.getTime(); d += DAY_MS) days.push({ from: d, to: d + DAY_MS });
  const lotChunks: number[][] = [];
  for (let i = 0; i < lotIds.length; i += LOTS_PER_CHUNK) lotChunks.push(lotIds.slice(i, i + LOTS_PER_CHUNK));
  const total = lotChunks.length + days.length;
  const counts = noCounts();
  let done = 0;
  onProgress?.(done, total);
  for (const chunk of lotChunks) {
    const ranges = chunk.map((lotId) => ({ lotId, from: range.from.getTime(), to: range.to.getTime() }));
    addCounts(counts, await ctx.db.transaction().execute(async (trx) => {
      await lockRollups(trx);
      return recomputeLots(trx, ranges, settings);
    }));
    onProgress?.(++done, total);
  }
  for (const day of days) {
    addCounts(counts, await ctx.db.transaction().execute(async (trx) => {
      await lockRollups(trx);
      return recomputeGroups(trx, [day], settings);
    }));
    onProgress?.(++done, total);
  }
  return { from: range.from, to: range.to, asOf, lots: lotIds.length, chunks: total, ...counts };
}
