import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';

/*
 * What a snapshot feed directory should turn into, computed straight from its CSV files without
 * any of the importer's code: per car park, the instants of its cells that ingest accepts
 * (integers), and the sync report's gaps by issue 4's definition. Tests compare the platform's
 * answers with these.
 */

export interface FeedPlace {
  placeId: string;
  sourceId: string;
  numAll: string;
  /** Instants (ms) of accepted cells, ascending, each once. */
  times: number[];
  /** Free counts by instant. */
  free: Map<number, number>;
}

export interface Gap {
  from: number;
  to: number;
  minutes: number;
}

const isInteger = (t: string) => /^[+-]?\d+(\.0+)?$/.test(t) && Math.abs(Number(t)) <= 100_000;
/** The feed writes UTC; a timestamp without an offset is UTC too. */
const instant = (t: string) => Date.parse(/(z|[+-]\d\d:?\d\d)$/i.test(t) ? t : `${t}Z`);

/** meta-data.csv places (first row wins) with their accepted cells; columns not in meta-data.csv under `unlisted`. */
export function readFeed(dir: string): { places: Map<string, FeedPlace>; unlisted: Map<string, number>; cells: number } {
  const meta = parse(readFileSync(path.join(dir, 'meta-data.csv')), { columns: true, bom: true, skip_empty_lines: true, relax_column_count: true }) as Record<string, string>[];
  const places = new Map<string, FeedPlace>();
  for (const m of meta) {
    // The real file ends in "\r\n\n": a last record that is only a line break.
    const id = (m.place_id ?? '').trim();
    if (id && (m.source_id ?? '').trim() && !places.has(id)) places.set(id, { placeId: id, sourceId: m.source_id!.trim(), numAll: (m.num_all ?? '').trim(), times: [], free: new Map() });
  }
  const unlisted = new Map<string, number>();
  let cells = 0;
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.csv') && n !== 'meta-data.csv').sort()) {
    const rows = parse(readFileSync(path.join(dir, name)), { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
    const header = rows[0]!.map((h) => h.trim());
    for (const row of rows.slice(1)) {
      const at = instant(row[0]!.trim());
      for (let i = 1; i < row.length; i++) {
        const text = row[i]!.trim();
        if (text === '') continue;
        cells += 1;
        const place = places.get(header[i]!);
        if (!place) {
          unlisted.set(header[i]!, (unlisted.get(header[i]!) ?? 0) + 1);
          continue;
        }
        if (!isInteger(text) || Number.isNaN(at)) continue;
        if (!place.free.has(at)) place.times.push(at);
        place.free.set(at, Number(text));
      }
    }
  }
  for (const p of places.values()) p.times.sort((a, b) => a - b);
  return { places, unlisted, cells };
}

/** A Shanghai calendar month 'YYYY-MM' as [start, end) instants. */
export function shanghaiMonth(month: string): { from: number; to: number } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return { from: Date.UTC(y, m - 1, 1) - 8 * 3600_000, to: Date.UTC(y, m, 1) - 8 * 3600_000 };
}

/**
 * Gaps by the words: between consecutive events, or from the last event to now, when
 * the whole interval is longer than the threshold; nothing before the first event; clipped to the
 * month; minutes rounded down.
 */
export function expectedGaps(times: number[], now: number, thresholdMinutes: number, month: { from: number; to: number }): Gap[] {
  if (times.length === 0) return [];
  const limit = thresholdMinutes * 60_000;
  const raw: [number, number][] = [];
  for (let i = 1; i < times.length; i++) if (times[i]! - times[i - 1]! > limit) raw.push([times[i - 1]!, times[i]!]);
  const last = times[times.length - 1]!;
  if (now - last > limit) raw.push([last, now]);
  return raw
    .filter(([a, b]) => b > month.from && a < month.to)
    .map(([a, b]) => {
      const from = Math.max(a, month.from);
      const to = Math.min(b, month.to);
      return { from, to, minutes: Math.floor((to - from) / 60_000) };
    });
}

/** Accepted cells of the month. */
export const recordsIn = (times: number[], month: { from: number; to: number }) => times.filter((t) => t >= month.from && t < month.to).length;
