import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import { badRequest } from '../../platform/errors.js';
import { parseBusinessTime } from '../../platform/time.js';
import { CODE_PATTERN } from '../registry/index.js';

/*
 * Reader of occupancy snapshot feeds in the layout of the public parking-data scrapes
 * (../shared/data/de-parking-2021-03): `meta-data.csv` with one row per car park, and day files
 * `YYYY-MM-DD.csv` whose first column is the timestamp and every other column a car park's
 * free-space count at that moment (empty = no new value). Everything here streams: a day file
 * is read row by row, and only per-car-park figures are kept. The mapping onto registry codes
 * is pure, so that a second import finds the same sources, lots and event ids.
 */

export const META_FILE = 'meta-data.csv';
const DAY_FILE = /^\d{4}-\d{2}-\d{2}.*\.csv$/i;
const MAX_RECORD_CHARS = 1_000_000;

export interface PlaceMeta {
  /** Row of meta-data.csv (header = 1). */
  row: number;
  placeId: string;
  name: string;
  city: string;
  /** num_all as given: a positive integer, or null when missing, zero or not a number. */
  capacity: number | null;
  address: string;
  /** WGS-84; null when either is missing or not a number. */
  lat: number | null;
  lng: number | null;
  url: string;
  sourceId: string;
  sourceUrl: string;
}

/** The day files of a feed directory, in name (= date) order. */
export async function dayFiles(dir: string): Promise<{ file: string; name: string; bytes: number }[]> {
  const names = (await readdir(dir)).filter((n) => DAY_FILE.test(n)).sort();
  const out = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const s = await stat(file);
    if (s.isFile()) out.push({ file, name, bytes: s.size });
  }
  return out;
}

const numberOrNull = (v: string | undefined): number | null => {
  const t = (v ?? '').trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
};

/** meta-data.csv, parsed. Refuses a file without place_id and source_id columns. */
export async function readMeta(dir: string): Promise<PlaceMeta[]> {
  const parser = createReadStream(path.join(dir, META_FILE)).pipe(parseCsv({ bom: true, columns: true, relax_column_count: true, skip_empty_lines: true, max_record_size: MAX_RECORD_CHARS }));
  const out: PlaceMeta[] = [];
  let row = 1;
  for await (const rec of parser as AsyncIterable<Record<string, string | undefined>>) {
    row += 1;
    if (row === 2 && (!('place_id' in rec) || !('source_id' in rec))) {
      throw badRequest('MISSING_COLUMNS', `${META_FILE} 缺少 place_id 或 source_id 列 / ${META_FILE} needs the columns place_id and source_id`);
    }
    const placeId = (rec.place_id ?? '').trim();
    const sourceId = (rec.source_id ?? '').trim();
    if (!placeId || !sourceId) continue;
    const capacity = numberOrNull(rec.num_all);
    const lat = numberOrNull(rec.latitude);
    const lng = numberOrNull(rec.longitude);
    out.push({
      row,
      placeId,
      name: (rec.place_name ?? '').trim(),
      city: (rec.city_name ?? '').trim(),
      capacity: capacity !== null && Number.isInteger(capacity) && capacity > 0 ? capacity : null,
      address: (rec.address ?? '').split(/\s*[\r\n]+\s*/).map((s) => s.trim()).filter(Boolean).join(', '),
      lat: lat !== null && lng !== null ? lat : null,
      lng: lat !== null && lng !== null ? lng : null,
      url: (rec.place_url ?? '').trim(),
      sourceId,
      sourceUrl: (rec.source_web_url ?? '').trim(),
    });
  }
  return out;
}

const shortHash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 8);

/**
 * The registry code for a feed id (place_id or source_id): the id itself when it is a valid
 * code, else an ASCII slug cut to fit plus a hash of the whole id, so that two long ids with
 * the same beginning stay apart and the same id always maps to the same code.
 */
export function registryCode(id: string): string {
  if (CODE_PATTERN.test(id)) return id;
  const slug = id
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // ä → a
    .replace(/ß/g, 'ss')
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .slice(0, 64 - 9)
    .replace(/^[-.]+|[-.]+$/g, '');
  return `${slug ? `${slug}-` : 'x-'}${shortHash(id)}`;
}

/**
 * The feed's timestamp as an instant. The feed writes UTC (ISO 8601 with an offset); one
 * without an offset is UTC too, as the feed documents, not Shanghai time as docs/接入规范.md §6.1 assumes
 * for Chinese lot systems.
 */
export function feedTime(raw: string): Date | null {
  const t = raw.trim();
  return parseBusinessTime(/(?:z|[+-]\d{2}(?::?\d{2})?)$/i.test(t) ? t : `${t}Z`);
}

/** Stable and unique per car park and moment: a second import of the same cell is a duplicate. */
export function snapshotEventId(lotCode: string, rawTime: string, at: Date | null): string {
  if (!at) return `${lotCode}@x${shortHash(rawTime)}`;
  const iso = at.toISOString().replace(/[-:]/g, '');
  return `${lotCode}@${iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso}`;
}

/**
 * A cell's free count as the event carries it: an integer when it reads as one, else the
 * text itself, so that the ingest checks refuse it (and quarantine keeps it) like any bad value.
 */
export function cellValue(text: string): number | string {
  const n = Number(text);
  return /^[+-]?\d+(\.\d+)?$/.test(text) && Number.isFinite(n) ? n : text;
}

export interface SnapshotRow {
  fileName: string;
  /** Row in the day file (header = 1). */
  row: number;
  rawTime: string;
  at: Date | null;
  /** The non-empty cells: [column header (place_id), trimmed text]. */
  cells: [string, string][];
}

/** Counts the bytes taken from a file, for progress. */
class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

/**
 * The rows of one day file, one at a time. `onBytes` hears how many bytes of the file have
 * been read so far.
 */
export async function* readDayFile(file: string, onBytes?: (bytes: number) => void): AsyncGenerator<SnapshotRow> {
  const fileName = path.basename(file);
  const counter = new ByteCounter();
  const parser = createReadStream(file).pipe(counter).pipe(parseCsv({ bom: true, relax_column_count: true, skip_empty_lines: true, max_record_size: MAX_RECORD_CHARS }));
  let header: string[] | null = null;
  let row = 0;
  for await (const rec of parser as AsyncIterable<string[]>) {
    row += 1;
    if (!header) {
      header = rec.map((h) => h.trim());
      continue;
    }
    const rawTime = (rec[0] ?? '').trim();
    const cells: [string, string][] = [];
    for (let i = 1; i < rec.length && i < header.length; i++) {
      const v = rec[i]!.trim();
      if (v !== '' && header[i]) cells.push([header[i]!, v]);
    }
    onBytes?.(counter.bytes);
    if (cells.length) yield { fileName, row, rawTime, at: feedTime(rawTime), cells };
  }
  onBytes?.(counter.bytes);
}
