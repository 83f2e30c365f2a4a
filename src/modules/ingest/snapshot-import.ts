import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { AppError, badRequest } from '../../platform/errors.js';
import {
  coordinateProblem, createOperator, createSource, importLots, listDistricts, listOperators, lotRefs, sourceInfo, type LotRef,
} from '../registry/index.js';
import { ingestBatch, MAX_BATCH, previewBatch, type IngestOutcome } from './service.js';
import { cellValue, dayFiles, META_FILE, readDayFile, readMeta, registryCode, snapshotEventId, type PlaceMeta } from './snapshot-feed.js';
import type { IngestContext } from './repo.js';

/*
 * Import of an occupancy snapshot feed (issue 4 part 6): `zhibo import snapshots DIR`.
 *
 * Registry: every source_id of meta-data.csv becomes a data source (with an operator of the
 * same name whose remark holds the source's web address), every place_id a lot bound to it, in
 * the district the caller names (these are not Nantong lots). What exists already is used as
 * it is, never changed: a second import creates nothing.
 *
 * Events: every non-empty cell of the day files is a `status` event sent through ingestBatch
 * (via 'import'), the same checks as the push API: out-of-range counts are accepted and
 * flagged there, values it refuses are reported per cell and quarantined. Event ids are derived
 * from lot and timestamp, so a second import is all duplicates.
 *
 * Two streaming passes over the day files: the first learns, per car park, the largest free
 * count ever seen (the capacity estimate where num_all is missing) before any lot is made; the
 * second sends the events in batches of MAX_BATCH per source.
 *
 * Columns of the day files that meta-data.csv does not list are not registered by guesswork:
 * their cells go, under the source their id starts with, in batches of their own, and are refused
 * as UNKNOWN_LOT into quarantine, where staff can replay them once the lot is registered (a
 * later import accepts them too). A column that matches no source cannot be sent at all: it is
 * reported with its cell count.
 */

export const DEFAULT_SNAPSHOT_DISTRICT = '320602';
export const MAX_SNAPSHOT_ERRORS = 10_000;
const MAX_REMARK = 500;

export interface SnapshotImportOptions {
  dir: string;
  /** District of the lots and sources created (default 320602). */
  districtCode?: string;
  dryRun?: boolean;
  onProgress?: (progress: SnapshotProgress) => void;
  /** Events per ingestBatch call; at most MAX_BATCH (tests use smaller ones). */
  batchSize?: number;
  maxErrors?: number;
}

export interface SnapshotTotals {
  /** Non-empty cells read (= status events made). */
  cells: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Accepted events with free < 0 or free > total: stored, and flagged by ingest. */
  flagged: number;
}

export interface SnapshotProgress extends SnapshotTotals {
  phase: 'scan' | 'import';
  bytesRead: number;
  totalBytes: number;
}

export interface SnapshotCellError {
  fileName: string;
  row: number;
  placeId: string;
  eventId: string;
  code: string;
  message: string;
}

export interface SnapshotLotNote {
  placeId: string;
  lotCode: string;
  sourceCode: string;
  totalSpaces: number;
  /** Where totalSpaces came from: num_all of meta-data.csv, the largest free count observed, none (0), or the registry (lot existed). */
  capacity: 'num_all' | 'max_free_observed' | 'unknown' | 'registry';
  status: 'created' | 'existing' | 'failed';
  /** Set when the lot exists but is bound to another source: its cells are refused (LOT_NOT_BOUND). */
  boundTo?: string | null;
  error?: string;
}

export interface SnapshotImportResult extends SnapshotTotals {
  dryRun: boolean;
  dir: string;
  files: string[];
  districtCode: string;
  sources: { total: number; created: number; existing: number };
  operators: { created: number; existing: number };
  lots: {
    total: number;
    created: number;
    existing: number;
    failed: number;
    /** Lots whose code is not their place_id (too long or other characters); the place_id is in the remark. */
    renamed: number;
    withoutCoordinates: number;
    /** Capacity estimated from the largest free count observed (num_all missing or zero). */
    estimatedCapacity: number;
    /** Neither num_all nor any observation: created with 0 spaces. */
    unknownCapacity: number;
    /** Listed in meta-data.csv, no non-empty cell in the files. */
    silent: number;
    boundElsewhere: number;
  };
  /** Columns not in meta-data.csv sent under the source their id starts with (refused UNKNOWN_LOT unless registered since). */
  unlisted: { columns: number; cells: number };
  /** Columns that match no source: not sent. */
  unmapped: { columns: string[]; cells: number };
  quarantined: number;
  errors: SnapshotCellError[];
  truncated: boolean;
  /** Every lot of meta-data.csv (and unlisted columns that turned out to be registered), in file order. */
  lotNotes: SnapshotLotNote[];
  seconds: number;
}

/** What the first pass learns about a column. */
interface ColumnScan {
  cells: number;
  maxFree: number | null;
}

/** A column of the day files, resolved for sending. */
interface Target {
  placeId: string;
  lotCode: string;
  sourceCode: string;
  totalSpaces: number;
  /** Not in meta-data.csv: batched apart, so that its quarantine entries hold only its cells. */
  unlisted: boolean;
}

interface Pending {
  events: { type: 'status'; eventId: string; occurredAt: string; lotCode: string; totalSpaces: number; freeSpaces: number | string }[];
  cells: [string, number, string][];
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

async function assertReadable(dir: string): Promise<void> {
  const fail = (why: string) => badRequest('INVALID_FEED', why);
  try {
    if (!(await stat(dir)).isDirectory()) throw fail(`不是目录 / not a directory: ${dir}`);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw fail(`无法读取目录 / cannot read ${dir}: ${(err as Error).message}`);
  }
  try {
    await stat(path.join(dir, META_FILE));
  } catch {
    throw fail(`目录中没有 ${META_FILE} / ${META_FILE} is missing in ${dir}`);
  }
}

/** First pass: per column, how many cells and the largest integer free count. */
async function scanColumns(files: { file: string; bytes: number }[], progress: (bytes: number) => void): Promise<Map<string, ColumnScan>> {
  const columns = new Map<string, ColumnScan>();
  let done = 0;
  for (const f of files) {
    for await (const r of readDayFile(f.file, (b) => progress(done + b))) {
      for (const [col, text] of r.cells) {
        let c = columns.get(col);
        if (!c) columns.set(col, (c = { cells: 0, maxFree: null }));
        c.cells += 1;
        const v = cellValue(text);
        if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 100_000 && (c.maxFree === null || v > c.maxFree)) c.maxFree = v;
      }
    }
    done += f.bytes;
  }
  return columns;
}

function lotRemark(meta: PlaceMeta, lotCode: string, capacity: SnapshotLotNote['capacity'], totalSpaces: number, coordinates: 'ok' | 'missing' | 'invalid'): string {
  const parts: string[] = [];
  if (lotCode !== meta.placeId) parts.push(`原编号 place_id: ${meta.placeId}`);
  if (capacity === 'max_free_observed') parts.push(`总泊位缺失，按观测到的最大空位数 ${totalSpaces} 估算 / num_all missing: estimated as the largest free count observed (${totalSpaces})`);
  if (capacity === 'unknown') parts.push('总泊位缺失且无观测数据，暂记 0 / num_all missing and never reported: 0 until known');
  if (coordinates === 'missing') parts.push('数据源未提供坐标 / no coordinates in the feed');
  if (coordinates === 'invalid') parts.push('数据源坐标无效，未保存 / invalid coordinates in the feed, not stored');
  parts.push(`快照数据导入 / snapshot feed ${meta.sourceId}${meta.city ? `, ${meta.city}` : ''}`);
  if (meta.url) parts.push(meta.url);
  return clip(parts.join('; '), MAX_REMARK);
}

export async function importSnapshots(ctx: IngestContext, actor: Actor, opts: SnapshotImportOptions): Promise<SnapshotImportResult> {
  const started = performance.now();
  const dryRun = opts.dryRun === true;
  const districtCode = opts.districtCode ?? DEFAULT_SNAPSHOT_DISTRICT;
  const batchSize = Math.max(1, Math.min(opts.batchSize ?? MAX_BATCH, MAX_BATCH));
  const maxErrors = opts.maxErrors ?? MAX_SNAPSHOT_ERRORS;

  await assertReadable(opts.dir);
  if (!(await listDistricts(ctx, actor)).some((d) => d.code === districtCode)) {
    throw badRequest('UNKNOWN_DISTRICT', `未知县市区 / unknown district ${clip(districtCode, 32)}`);
  }
  const metaRows = await readMeta(opts.dir);
  const files = await dayFiles(opts.dir);
  const totalBytes = files.reduce((n, f) => n + f.bytes, 0);

  const totals: SnapshotTotals = { cells: 0, accepted: 0, duplicates: 0, rejected: 0, flagged: 0 };
  const progress = (phase: SnapshotProgress['phase'], bytesRead: number) => opts.onProgress?.({ phase, bytesRead, totalBytes, ...totals });
  const scan = await scanColumns(files, (b) => progress('scan', b));

  // meta-data.csv may name a place twice: the first row counts.
  const metas = new Map<string, PlaceMeta>();
  for (const m of metaRows) if (!metas.has(m.placeId)) metas.set(m.placeId, m);

  const result: SnapshotImportResult = {
    dryRun,
    dir: opts.dir,
    files: files.map((f) => f.name),
    districtCode,
    sources: { total: 0, created: 0, existing: 0 },
    operators: { created: 0, existing: 0 },
    lots: { total: metas.size, created: 0, existing: 0, failed: 0, renamed: 0, withoutCoordinates: 0, estimatedCapacity: 0, unknownCapacity: 0, silent: 0, boundElsewhere: 0 },
    unlisted: { columns: 0, cells: 0 },
    unmapped: { columns: [], cells: 0 },
    quarantined: 0,
    errors: [],
    truncated: false,
    lotNotes: [],
    seconds: 0,
    ...totals,
  };

  // Sources (and their operators), in order of first appearance.
  const sourceIds = [...new Set([...metas.values()].map((m) => m.sourceId))];
  const sourceUrl = new Map<string, string>();
  for (const m of metas.values()) if (!sourceUrl.get(m.sourceId)) sourceUrl.set(m.sourceId, m.sourceUrl);
  result.sources.total = sourceIds.length;
  const operators = new Map((await listOperators(ctx)).map((o) => [o.name, o.id]));
  const unwritten = new Set<string>(); // sources a dry run would create
  for (const sourceId of sourceIds) {
    const code = registryCode(sourceId);
    if (await sourceInfo(ctx, code)) {
      result.sources.existing += 1;
      continue;
    }
    result.sources.created += 1;
    if (dryRun) {
      unwritten.add(code);
      continue;
    }
    const name = clip(sourceId, 200);
    const url = sourceUrl.get(sourceId) ?? '';
    let operatorId = operators.get(name) ?? null;
    if (operatorId === null) {
      const op = await createOperator(ctx, actor, { name, remark: clip(`快照数据源网站 / feed web site: ${url || '-'}`, MAX_REMARK) });
      operators.set(name, (operatorId = op.id));
      result.operators.created += 1;
    } else result.operators.existing += 1;
    const remark = clip(`${code !== sourceId ? `原编号 source_id: ${sourceId}; ` : ''}快照数据导入 / snapshot feed; ${url}`, MAX_REMARK);
    await createSource(ctx, actor, { code, name, operatorId, districtCode, remark });
  }

  // Lots: those not registered yet, in one registry import (validated, audited, one transaction).
  const known = await lotRefs(ctx, [...metas.keys()].map(registryCode));
  const targets = new Map<string, Target>();
  const planned = new Set<string>(); // lots this import creates (or, in a dry run, would create)
  const newRows: { row: number; input: Record<string, unknown> }[] = [];
  const noteOfRow = new Map<number, SnapshotLotNote>();
  for (const meta of metas.values()) {
    const lotCode = registryCode(meta.placeId);
    const sourceCode = registryCode(meta.sourceId);
    const seen = scan.get(meta.placeId);
    if (!seen) result.lots.silent += 1;
    if (lotCode !== meta.placeId) result.lots.renamed += 1;
    const existing = known.get(lotCode);
    if (existing) {
      result.lots.existing += 1;
      const note: SnapshotLotNote = { placeId: meta.placeId, lotCode, sourceCode, totalSpaces: existing.totalSpaces, capacity: 'registry', status: 'existing' };
      if (existing.sourceCode !== sourceCode) {
        result.lots.boundElsewhere += 1;
        note.boundTo = existing.sourceCode;
      }
      result.lotNotes.push(note);
      targets.set(meta.placeId, { placeId: meta.placeId, lotCode, sourceCode, totalSpaces: existing.totalSpaces, unlisted: false });
      continue;
    }
    const capacity: SnapshotLotNote['capacity'] = meta.capacity !== null ? 'num_all' : seen?.maxFree != null ? 'max_free_observed' : 'unknown';
    const totalSpaces = meta.capacity ?? seen?.maxFree ?? 0;
    const coordinates = meta.lat === null ? 'missing' : coordinateProblem(meta.lng, meta.lat) ? 'invalid' : 'ok';
    const note: SnapshotLotNote = { placeId: meta.placeId, lotCode, sourceCode, totalSpaces, capacity, status: 'created' };
    result.lotNotes.push(note);
    noteOfRow.set(meta.row, note);
    targets.set(meta.placeId, { placeId: meta.placeId, lotCode, sourceCode, totalSpaces, unlisted: false });
    newRows.push({
      row: meta.row,
      input: {
        code: lotCode,
        name: clip(meta.name || meta.placeId, 200),
        districtCode,
        kind: 'off_street',
        category: 'other',
        totalSpaces,
        address: meta.address ? clip(meta.address, MAX_REMARK) : undefined,
        // A dry run checks the rest of the lot: its source does not exist yet.
        sourceCode: unwritten.has(sourceCode) ? undefined : sourceCode,
        operatorId: operators.get(clip(meta.sourceId, 200)) ?? undefined,
        // WGS-84 as the feed gives it; the registry converts (outside China gcoord leaves it as it is).
        ...(coordinates === 'ok' ? { lng: meta.lng, lat: meta.lat, coordSystem: 'wgs84' } : {}),
        remark: lotRemark(meta, lotCode, capacity, totalSpaces, coordinates),
      },
    });
  }
  if (newRows.length) {
    const created = await importLots(ctx, actor, { format: 'csv', rows: newRows, ignoredColumns: [] }, { dryRun, fileName: META_FILE, coordinatesOptional: true });
    for (const r of created.rows) {
      const note = noteOfRow.get(r.row)!;
      if (r.status === 'created') {
        planned.add(note.lotCode);
        result.lots.created += 1;
        if (note.capacity === 'max_free_observed') result.lots.estimatedCapacity += 1;
        if (note.capacity === 'unknown') result.lots.unknownCapacity += 1;
        if (r.warnings.some((w) => w.code === 'NO_COORDINATES')) result.lots.withoutCoordinates += 1;
      } else {
        // Its cells are still sent, and refused by ingest (UNKNOWN_LOT) into quarantine.
        result.lots.failed += 1;
        note.status = 'failed';
        note.error = r.errors.map((e) => `${e.code}: ${e.message}`).join('; ') || r.status;
      }
    }
  }

  // Columns meta-data.csv does not list: sent under the source their id starts with, if any.
  const bySourcePrefix = [...sourceIds].sort((a, b) => b.length - a.length);
  const unlistedCodes = new Map<string, string>();
  for (const col of scan.keys()) if (!metas.has(col)) unlistedCodes.set(col, registryCode(col));
  const unlistedKnown = await lotRefs(ctx, [...unlistedCodes.values()]);
  for (const [col, lotCode] of unlistedCodes) {
    const cells = scan.get(col)!.cells;
    const sourceId = bySourcePrefix.find((s) => col.startsWith(`${s}-`));
    if (!sourceId) {
      result.unmapped.columns.push(col);
      result.unmapped.cells += cells;
      continue;
    }
    const sourceCode = registryCode(sourceId);
    const lot: LotRef | undefined = unlistedKnown.get(lotCode);
    // Registered by staff since an earlier import, under this source: an ordinary lot now.
    if (lot && lot.sourceCode === sourceCode) {
      result.lotNotes.push({ placeId: col, lotCode, sourceCode, totalSpaces: lot.totalSpaces, capacity: 'registry', status: 'existing' });
      targets.set(col, { placeId: col, lotCode, sourceCode, totalSpaces: lot.totalSpaces, unlisted: false });
      continue;
    }
    result.unlisted.columns += 1;
    result.unlisted.cells += cells;
    targets.set(col, { placeId: col, lotCode, sourceCode, totalSpaces: lot?.totalSpaces ?? scan.get(col)!.maxFree ?? 0, unlisted: true });
  }

  // Second pass: the events.
  const pending = new Map<string, Pending>();
  const flush = async (key: string) => {
    const batch = pending.get(key);
    if (!batch || batch.events.length === 0) return;
    pending.delete(key);
    const sourceCode = key.slice(0, key.indexOf('\u0000'));
    let outcome: IngestOutcome;
    if (dryRun) {
      outcome = await previewBatch(ctx, sourceCode, batch.events);
      // A lot the dry run would create is unknown only because nothing was written.
      outcome.results.forEach((r, i) => {
        if (r.code === 'UNKNOWN_LOT' && planned.has(batch.events[i]!.lotCode)) outcome.results[i] = { eventId: r.eventId, status: 'accepted' };
      });
    } else {
      const rawBody = JSON.stringify({ events: batch.events, feed: path.basename(opts.dir), cells: batch.cells });
      outcome = await ingestBatch(ctx, sourceCode, batch.events, { via: 'import', rawBody });
      if (outcome.quarantineId) result.quarantined += 1;
    }
    outcome.results.forEach((r, i) => {
      const e = batch.events[i]!;
      if (r.status === 'accepted') {
        totals.accepted += 1;
        if (typeof e.freeSpaces === 'number' && (e.freeSpaces < 0 || e.freeSpaces > e.totalSpaces)) totals.flagged += 1;
      } else if (r.status === 'duplicate') totals.duplicates += 1;
      else {
        totals.rejected += 1;
        const [fileName, row, placeId] = batch.cells[i]!;
        if (result.errors.length < maxErrors) result.errors.push({ fileName, row, placeId, eventId: e.eventId, code: r.code ?? 'REJECTED', message: r.message ?? '' });
        else result.truncated = true;
      }
    });
  };

  let done = 0;
  for (const f of files) {
    for await (const r of readDayFile(f.file, (b) => progress('import', done + b))) {
      const occurredAt = r.at ? r.at.toISOString() : r.rawTime;
      for (const [col, text] of r.cells) {
        const t = targets.get(col);
        if (!t) continue; // unmapped: counted above
        totals.cells += 1;
        const key = `${t.sourceCode}\u0000${t.unlisted ? 'unlisted' : 'listed'}`;
        let batch = pending.get(key);
        if (!batch) pending.set(key, (batch = { events: [], cells: [] }));
        batch.events.push({ type: 'status', eventId: snapshotEventId(t.lotCode, r.rawTime, r.at), occurredAt, lotCode: t.lotCode, totalSpaces: t.totalSpaces, freeSpaces: cellValue(text) });
        batch.cells.push([r.fileName, r.row, col]);
        if (batch.events.length >= batchSize) await flush(key);
      }
    }
    done += f.bytes;
  }
  for (const key of [...pending.keys()]) await flush(key);
  progress('import', totalBytes);

  Object.assign(result, totals, { seconds: Math.round((performance.now() - started) / 100) / 10 });
  if (!dryRun) {
    await audit(ctx, ctx.db, actor, {
      action: 'ingest.import_snapshots',
      targetType: 'feed',
      targetId: path.basename(path.resolve(opts.dir)),
      detail: { files: result.files, districtCode, sources: result.sources, lots: result.lots, unlisted: result.unlisted, unmappedCells: result.unmapped.cells, ...totals, quarantined: result.quarantined },
    });
  }
  return result;
}
