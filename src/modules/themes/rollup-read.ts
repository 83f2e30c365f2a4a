import { sql } from 'kysely';
import { MeasureAccumulator, addInterval, noSums, type HourSums, type Interval, type MeasureWindow, type OccupancyMeasures } from './measures.js';
import type { LotInfo, LotSpan, ThemesDb } from './repo.js';
import { ceilHour, floorHour, intervalsOfSpans, markHours, mergeSpans } from './rollup.js';

/*
 * Reading the theme measures of a set of lots over a window (docs/decisions/0019-theme-lot-hour-rollup.md):
 * per lot, the whole hours that the rollup holds for certain — before the lot's complete_until,
 * computed with the lot's present threshold and spaces, not reached by a pending mark — come
 * from theme_lot_hours summed in the database; the rest of the window (the hour in progress, a
 * window edge inside an hour, hours with pending marks, lots not rolled up yet) from the raw
 * reports by the raw path's own code. Both give integer milliseconds, so the sums, and the
 * ratios made of them, are the raw path's to the last bit.
 */

export interface Span {
  from: number;
  to: number;
}

/** Whether the sorted spans cover s. */
export function covers(spans: readonly Span[], s: Span): boolean {
  return spans.some((x) => x.from <= s.from && x.to >= s.to);
}

/** base minus cuts (cuts sorted and merged). */
export function subtract(base: Span, cuts: readonly Span[]): Span[] {
  const out: Span[] = [];
  let at = base.from;
  for (const c of cuts) {
    if (c.to <= at || c.from >= base.to) continue;
    if (c.from > at) out.push({ from: at, to: c.from });
    at = Math.max(at, c.to);
  }
  if (at < base.to) out.push({ from: at, to: base.to });
  return out;
}

export interface WindowRead {
  /** Rollup sums by hour start, over all the lots. */
  hours: Map<number, HourSums>;
  /** Rollup sums by lot. */
  lots: Map<number, HourSums>;
  /** Raw intervals of the rest of the window. */
  raw: { lot: LotInfo; iv: Interval }[];
  /** Per lot, the hours under pending marks (merged). */
  pending: Map<number, Span[]>;
  /** Per lot, the spans read raw (sorted). */
  rawSpans: Map<number, Span[]>;
}

/** The window's sums of the lots, rollup where it is certain, raw elsewhere. */
export async function readWindow(db: ThemesDb, lots: readonly LotInfo[], w: MeasureWindow): Promise<WindowRead> {
  const out: WindowRead = { hours: new Map(), lots: new Map(), raw: [], pending: new Map(), rawSpans: new Map() };
  const end = Math.min(w.to, w.asOf);
  if (end <= w.from || !lots.length) return out;
  const ids = lots.map((l) => l.id);
  const idList = sql<number>`any(${sql.val(ids)}::int[])`;
  // One round trip: each lot's basis row, and its pending marks grouped by hour.
  const { rows: state } = await sql<{ lot_id: number; thr: number | null; total: number | null; until_ms: number | null; a: number | null; b: number | null }>`
    select lot_id, threshold_minutes as thr, registered_total as total, (extract(epoch from complete_until) * 1000)::float8 as until_ms,
           null::float8 as a, null::float8 as b
    from theme_rollup_lots where lot_id = ${idList}
    union all
    select lot_id, null, null, null, (extract(epoch from min(from_at)) * 1000)::float8, (extract(epoch from max(to_at)) * 1000)::float8
    from theme_rollup_dirty where lot_id = ${idList}
    group by lot_id, date_bin('1 hour', from_at, timestamptz '2000-01-01 00:00:00+00')`.execute(db);
  const basis = new Map<number, { thr: number; total: number; until: number }>();
  const marks: { lot_id: number; a: number; b: number }[] = [];
  for (const r of state) {
    if (r.a === null) basis.set(r.lot_id, { thr: Number(r.thr), total: Number(r.total), until: Math.round(Number(r.until_ms)) });
    else marks.push({ lot_id: r.lot_id, a: Number(r.a), b: Number(r.b) });
  }
  const byId = new Map(lots.map((l) => [l.id, l]));
  for (const m of marks) {
    const lot = byId.get(m.lot_id)!;
    const list = out.pending.get(lot.id) ?? [];
    list.push(markHours(Number(m.a), Number(m.b), lot.thresholdMinutes));
    out.pending.set(lot.id, list);
  }
  for (const [id, list] of out.pending) out.pending.set(id, mergeSpans(list));

  const rollup: LotSpan[] = [];
  const raw: LotSpan[] = [];
  const owner: LotInfo[] = [];
  for (const lot of lots) {
    const b = basis.get(lot.id);
    let certain: Span[] = [];
    if (b && b.thr === lot.thresholdMinutes && b.total === lot.totalSpaces) {
      const upTo = Math.min(floorHour(end), b.until);
      const from = ceilHour(w.from);
      if (upTo > from) certain = subtract({ from, to: upTo }, out.pending.get(lot.id) ?? []);
    }
    for (const s of certain) rollup.push({ lotId: lot.id, thresholdMinutes: lot.thresholdMinutes, ...s });
    const rest = subtract({ from: w.from, to: end }, certain);
    out.rawSpans.set(lot.id, rest);
    for (const s of rest) {
      raw.push({ lotId: lot.id, thresholdMinutes: lot.thresholdMinutes, ...s });
      owner.push(lot);
    }
  }
  if (rollup.length) {
    const iso = (ms: number) => new Date(ms).toISOString();
    const { rows } = await sql<{ lot_id: number | null; at_ms: number | null; known: number; sat: number; occ: number; tot: number }>`
      select h.lot_id, (extract(epoch from h.at) * 1000)::float8 as at_ms,
             sum(h.known_ms)::int8 as known, sum(h.saturated_ms)::int8 as sat, sum(h.occupied_space_ms)::int8 as occ, sum(h.total_space_ms)::int8 as tot
      from unnest(${sql.val(rollup.map((s) => s.lotId))}::int[], ${sql.val(rollup.map((s) => iso(s.from)))}::timestamptz[],
                  ${sql.val(rollup.map((s) => iso(s.to)))}::timestamptz[]) as r(lot_id, a, b)
      cross join lateral (
        select t.lot_id, t.at, t.known_ms, t.saturated_ms, t.occupied_space_ms, t.total_space_ms from theme_lot_hours t
        where t.lot_id = r.lot_id and t.at >= r.a and t.at < r.b
        offset 0 -- an index range per lot, never a hash join over the table (repo.statusReportsInSpans)
      ) h
      group by grouping sets ((h.at), (h.lot_id))`.execute(db);
    for (const r of rows) {
      const s: HourSums = { known: Number(r.known), saturated: Number(r.sat), occupied: Number(r.occ), total: Number(r.tot) };
      if (r.lot_id === null) out.hours.set(Math.round(Number(r.at_ms)), s);
      else out.lots.set(r.lot_id, s);
    }
  }
  out.raw = await intervalsOfSpans(db, raw, owner, w.asOf);
  return out;
}

/** The theme measures of the lots over the window (equal to occupancyMeasures on all their raw reports). */
export async function measureWindow(db: ThemesDb, lots: readonly LotInfo[], w: MeasureWindow): Promise<{ measures: OccupancyMeasures; perLot: Map<number, HourSums> }> {
  const r = await readWindow(db, lots, w);
  const acc = new MeasureAccumulator();
  for (const [at, s] of r.hours) acc.addHour(at, s);
  const perLot = new Map<number, HourSums>();
  for (const [id, s] of r.lots) {
    if (s.known > 0) acc.addLot(id);
    perLot.set(id, { ...s });
  }
  for (const { lot, iv } of r.raw) {
    acc.add(iv);
    let s = perLot.get(lot.id);
    if (!s) perLot.set(lot.id, (s = noSums()));
    addInterval(s, iv);
  }
  return { measures: acc.result(), perLot };
}
