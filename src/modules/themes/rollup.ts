import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import { shanghaiDay, shanghaiDayStart } from '../../platform/time.js';
import { addInterval, forEachHourPart, lotIntervals, msAtOrAbove, noSums, themeSteps, type HourSums, type Interval, type LotSeries, type StatusPoint } from './measures.js';
import * as repo from './repo.js';
import { themesContext, type LotSpan, type ThemesContext, type ThemesDb, type ThemeRow } from './repo.js';
import { membersOf } from './service.js';

/*
 * The per-lot-hour rollup of the theme measures (migration 0027, docs/decisions/0019-theme-lot-hour-rollup.md).
 *
 * theme_lot_hours holds, per lot and Shanghai hour, the integer milliseconds the measures are
 * sums of (measures.ts: known, saturated, occupied-space, total-space), made by the very code of
 * the raw path (lotIntervals, split per hour) from the reports that can hold in the hour. The
 * job themes.rollup (every minute, under its lease) keeps it current:
 * - each lot's hours up to the last whole hour (theme_rollup_lots.complete_until);
 * - the hours a report written, changed or removed since can change (theme_rollup_dirty, filled
 *   by triggers): a report at t changes its lot's known intervals only within [t, t + threshold);
 * - a lot whose late threshold or registered spaces changed is recomputed whole.
 * Readers (rollup-read.ts) take a lot's hours from here only before its complete_until and not
 * under a pending mark, and the raw reports for the rest, so every answer equals the raw path's.
 */

export const THEMES_ROLLUP_JOB = 'themes.rollup';
export const HOUR_MS = 3_600_000;
const ROLLUP_LOCK = 7_140_027;
/** Lot-hours read per statement when recomputing. */
const HOURS_PER_CHUNK = 24 * 31 * 8;

export const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;
export const ceilHour = (ms: number) => Math.ceil(ms / HOUR_MS) * HOUR_MS;

export interface RollupLot {
  id: number;
  thresholdMinutes: number;
  totalSpaces: number;
}

export interface RollupResult {
  marks: number;
  /** Lots recomputed whole (new, or threshold / spaces changed). */
  rebuiltLots: number;
  lotHours: number;
  rows: number;
  themeHours: number;
}

/** Per Shanghai hour, the sums of one lot's series over [from, to) (to ≤ now). */
export function lotHourSums(s: LotSeries, from: number, to: number): Map<number, HourSums> {
  const out = new Map<number, HourSums>();
  for (const iv of lotIntervals(s, { from, to, asOf: to })) {
    forEachHourPart(iv.start, iv.end, (h, part) => {
      let sums = out.get(h);
      if (!sums) out.set(h, (sums = noSums()));
      addInterval(sums, iv, part);
    });
  }
  return out;
}

/** Sorted, merged, hour-aligned. */
export function mergeSpans(spans: readonly { from: number; to: number }[]): { from: number; to: number }[] {
  const sorted = spans.filter((r) => r.to > r.from).sort((a, b) => a.from - b.from);
  const out: { from: number; to: number }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.from <= last.to) last.to = Math.max(last.to, r.to);
    else out.push({ from: r.from, to: r.to });
  }
  return out;
}

/** The hours a pending mark of reports at [from, to] can change: [from, to + threshold), hour-aligned. */
export const markHours = (fromMs: number, toMs: number, thresholdMinutes: number) => ({ from: floorHour(fromMs), to: ceilHour(toMs + thresholdMinutes * 60_000 + 1) });

const iso = (ms: number) => new Date(ms).toISOString();

/** The lots with their effective late threshold and registered spaces. */
export async function rollupLots(ctx: ThemesContext, db: ThemesDb): Promise<RollupLot[]> {
  return (await repo.lotInfos(db, ctx.config.lateThresholdMinutes)).map((l) => ({ id: l.id, thresholdMinutes: l.thresholdMinutes, totalSpaces: l.totalSpaces }));
}

/** Recomputes the rows of the spans (hour-aligned, ending at or before now, disjoint per lot). Returns rows written. */
async function recompute(db: ThemesDb, lots: Map<number, RollupLot>, spans: readonly LotSpan[]): Promise<number> {
  let rows = 0;
  let chunk: LotSpan[] = [];
  let hours = 0;
  const flush = async () => {
    if (!chunk.length) return;
    await sql`
      delete from theme_lot_hours t
      using unnest(${sql.val(chunk.map((s) => s.lotId))}::int[], ${sql.val(chunk.map((s) => iso(s.from)))}::timestamptz[],
                   ${sql.val(chunk.map((s) => iso(s.to)))}::timestamptz[]) as r(lot_id, a, b)
      where t.lot_id = r.lot_id and t.at >= r.a and t.at < r.b`.execute(db);
    const reports = await repo.statusReportsInSpans(db, chunk);
    const points: StatusPoint[][] = chunk.map(() => []);
    for (const r of reports) points[r.span]!.push({ at: r.at, total: r.total, free: r.free });
    const values: { lot_id: number; at: Date; known_ms: number; saturated_ms: number; occupied_space_ms: number; total_space_ms: number }[] = [];
    chunk.forEach((span, k) => {
      const lot = lots.get(span.lotId)!;
      const series: LotSeries = { lotId: lot.id, registeredTotal: lot.totalSpaces, thresholdMinutes: lot.thresholdMinutes, points: points[k]! };
      for (const [at, s] of lotHourSums(series, span.from, span.to)) {
        values.push({ lot_id: lot.id, at: new Date(at), known_ms: s.known, saturated_ms: s.saturated, occupied_space_ms: s.occupied, total_space_ms: s.total });
      }
    });
    for (let i = 0; i < values.length; i += 2000) await db.insertInto('theme_lot_hours').values(values.slice(i, i + 2000)).execute();
    rows += values.length;
    chunk = [];
    hours = 0;
  };
  for (const s of spans) {
    chunk.push(s);
    hours += (s.to - s.from) / HOUR_MS;
    if (hours >= HOURS_PER_CHUNK || chunk.length >= 2000) await flush();
  }
  await flush();
  return rows;
}

/**
 * One run of the job themes.rollup (also called by `zhibo analytics rebuild`, with `all`: every
 * lot recomputed whole). One transaction: the marks taken come back if it fails.
 */
export async function refreshThemeRollup(appCtx: AppContext, opts: { all?: boolean } = {}): Promise<RollupResult> {
  const ctx = themesContext(appCtx);
  const now = ctx.clock.now().getTime();
  const until = floorHour(now);
  return ctx.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${ROLLUP_LOCK})`.execute(trx);
    const marks = (await sql<{ lot_id: number; a: number; b: number }>`
      with taken as (delete from theme_rollup_dirty returning lot_id, from_at, to_at)
      select lot_id, (extract(epoch from min(from_at)) * 1000)::float8 as a, (extract(epoch from max(to_at)) * 1000)::float8 as b
      from taken group by lot_id, date_bin('1 hour', from_at, timestamptz '2000-01-01 00:00:00+00')`.execute(trx)).rows;
    const lots = new Map((await rollupLots(ctx, trx)).map((l) => [l.id, l]));
    const basis = new Map((await trx.selectFrom('theme_rollup_lots').selectAll().execute()).map((b) => [b.lot_id, b]));
    const whole = [...lots.values()].filter((l) => {
      const b = basis.get(l.id);
      return opts.all || !b || b.threshold_minutes !== l.thresholdMinutes || b.registered_total !== l.totalSpaces;
    });
    const wholeIds = new Set(whole.map((l) => l.id));
    const spans = new Map<number, { from: number; to: number }[]>();
    const addSpan = (lotId: number, from: number, to: number) => {
      if (to <= from) return;
      const list = spans.get(lotId) ?? [];
      list.push({ from, to });
      spans.set(lotId, list);
    };
    if (whole.length) {
      await trx.deleteFrom('theme_lot_hours').where('lot_id', '=', sql<number>`any(${sql.val(whole.map((l) => l.id))}::int[])`).execute();
      const first = (await sql<{ lot_id: number; at: number }>`
        select lot_id, (extract(epoch from min(occurred_at)) * 1000)::float8 as at from lot_status_reports
        where lot_id = any(${sql.val(whole.map((l) => l.id))}::int[]) and excluded_by is null group by lot_id`.execute(trx)).rows;
      for (const f of first) addSpan(f.lot_id, floorHour(Number(f.at)), until);
    }
    // Late and corrected reports: the hours they reach before where the lot had got to.
    const late: { from: number; to: number }[] = [];
    for (const m of marks) {
      const lot = lots.get(m.lot_id);
      if (!lot || wholeIds.has(lot.id)) continue;
      const done = new Date(basis.get(lot.id)!.complete_until).getTime();
      const h = markHours(Number(m.a), Number(m.b), lot.thresholdMinutes);
      const to = Math.min(h.to, done, until);
      addSpan(lot.id, h.from, to);
      if (to > h.from) late.push({ from: h.from, to });
    }
    // The hours that have ended since the last run.
    for (const l of lots.values()) {
      if (wholeIds.has(l.id)) continue;
      addSpan(l.id, new Date(basis.get(l.id)!.complete_until).getTime(), until);
    }
    const list: LotSpan[] = [];
    for (const [lotId, s] of [...spans].sort((a, b) => a[0] - b[0])) {
      for (const r of mergeSpans(s)) list.push({ lotId, thresholdMinutes: lots.get(lotId)!.thresholdMinutes, from: r.from, to: r.to });
    }
    const rows = await recompute(trx, lots, list);
    if (lots.size) {
      const ls = [...lots.values()];
      await sql`
        insert into theme_rollup_lots (lot_id, threshold_minutes, registered_total, complete_until)
        select lot_id, thr, total, ${iso(until)}::timestamptz
        from unnest(${sql.val(ls.map((l) => l.id))}::int[], ${sql.val(ls.map((l) => l.thresholdMinutes))}::int[], ${sql.val(ls.map((l) => l.totalSpaces))}::int[]) as x(lot_id, thr, total)
        on conflict (lot_id) do update set threshold_minutes = excluded.threshold_minutes, registered_total = excluded.registered_total,
          complete_until = excluded.complete_until`.execute(trx);
    }
    // A theme's cached hours that late reports reach are stale (for any theme: membership may lag).
    for (const r of mergeSpans(late)) {
      await trx.deleteFrom('theme_hours').where('at', '>=', new Date(r.from)).where('at', '<', new Date(r.to)).execute();
    }
    const themeHours = await refreshThemeHours(ctx, trx, now);
    return {
      marks: marks.length, rebuiltLots: whole.length,
      lotHours: list.reduce((n, s) => n + (s.to - s.from) / HOUR_MS, 0), rows, themeHours,
    };
  });
}

/** What a theme's cached hours depend on besides the reports: its members with their threshold and spaces. */
export function memberSig(lots: readonly { id: number; thresholdMinutes: number; totalSpaces: number }[]): string {
  const text = [...lots].sort((a, b) => a.id - b.id).map((l) => `${l.id}:${l.thresholdMinutes}:${l.totalSpaces}`).join(',');
  return createHash('sha1').update(text).digest('hex');
}

/** The ms at or above the threshold of the theme's occupancy step function, per hour, from intervals. */
export function aboveByHour(intervals: readonly Interval[], threshold: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const st of themeSteps(intervals)) {
    if (msAtOrAbove([st], threshold) === 0) continue;
    forEachHourPart(st.start, st.end, (h, part) => out.set(h, (out.get(h) ?? 0) + part));
  }
  return out;
}

/** The raw intervals of lots in spans [from, to) of time, as of asOf. */
export async function rawIntervals(db: ThemesDb, lots: readonly repo.LotInfo[], ranges: readonly { from: number; to: number }[], asOf: number): Promise<{ lot: repo.LotInfo; iv: Interval }[]> {
  const spans: LotSpan[] = [];
  const owner: repo.LotInfo[] = [];
  for (const r of ranges) {
    for (const l of lots) {
      spans.push({ lotId: l.id, thresholdMinutes: l.thresholdMinutes, from: r.from, to: r.to });
      owner.push(l);
    }
  }
  return intervalsOfSpans(db, spans, owner, asOf);
}

/** Raw intervals of spans (owner[k]: the lot of spans[k]). */
export async function intervalsOfSpans(db: ThemesDb, spans: readonly LotSpan[], owner: readonly repo.LotInfo[], asOf: number): Promise<{ lot: repo.LotInfo; iv: Interval }[]> {
  const out: { lot: repo.LotInfo; iv: Interval }[] = [];
  let i = 0;
  while (i < spans.length) {
    // Bounded reads: about 25 lot-months of reports at most per statement.
    let hours = 0;
    let j = i;
    while (j < spans.length && j - i < 1000 && hours < 25 * 24 * 31) {
      hours += (spans[j]!.to - spans[j]!.from) / HOUR_MS;
      j += 1;
    }
    const part = spans.slice(i, j);
    const reports = await repo.statusReportsInSpans(db, part);
    const points: StatusPoint[][] = part.map(() => []);
    for (const r of reports) points[r.span]!.push({ at: r.at, total: r.total, free: r.free });
    part.forEach((s, k) => {
      const lot = owner[i + k]!;
      if (!points[k]!.length) return;
      const series: LotSeries = { lotId: lot.id, registeredTotal: lot.totalSpaces, thresholdMinutes: lot.thresholdMinutes, points: points[k]! };
      for (const iv of lotIntervals(series, { from: s.from, to: s.to, asOf })) out.push({ lot, iv });
    });
    i = j;
  }
  return out;
}

/**
 * Fills theme_hours for today's whole hours (Shanghai day of now) that have no valid row: each
 * theme's ms at or above its alert threshold, from the raw reports of its members now. Rows
 * older than yesterday are dropped. Returns rows written.
 */
export async function refreshThemeHours(ctx: ThemesContext, db: ThemesDb, now: number): Promise<number> {
  const until = floorHour(now);
  const dayStart = shanghaiDayStart(shanghaiDay(new Date(now)))!.getTime();
  await db.deleteFrom('theme_hours').where('at', '<', new Date(dayStart - 86_400_000)).execute();
  let written = 0;
  for (const theme of await repo.themes(db, null)) written += await fillThemeHours(ctx, db, theme, dayStart, until, now);
  return written;
}

async function fillThemeHours(ctx: ThemesContext, db: ThemesDb, theme: ThemeRow, from: number, until: number, now: number): Promise<number> {
  if (until <= from) return 0;
  const lots = (await membersOf(ctx, db, theme)).map((m) => m.lot);
  const sig = memberSig(lots);
  const have = await db.selectFrom('theme_hours').select(['at', 'threshold', 'member_sig']).where('theme_id', '=', theme.id)
    .where('at', '>=', new Date(from)).where('at', '<', new Date(until)).execute();
  const valid = new Set(have.filter((h) => h.member_sig === sig && Number(h.threshold) === theme.alertThreshold).map((h) => new Date(h.at).getTime()));
  const missing: { from: number; to: number }[] = [];
  for (let h = from; h < until; h += HOUR_MS) if (!valid.has(h)) missing.push({ from: h, to: h + HOUR_MS });
  if (!missing.length) return 0;
  const ranges = mergeSpans(missing);
  const ivs = (await rawIntervals(db, lots, ranges, now)).map((x) => x.iv);
  const above = aboveByHour(ivs, theme.alertThreshold);
  const values = missing.map((m) => ({ theme_id: theme.id, at: new Date(m.from), threshold: theme.alertThreshold, member_sig: sig, above_ms: above.get(m.from) ?? 0 }));
  await db.deleteFrom('theme_hours').where('theme_id', '=', theme.id).where('at', 'in', values.map((v) => v.at)).execute();
  await db.insertInto('theme_hours').values(values).execute();
  return values.length;
}
