import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { AppError, badRequest } from '../../platform/errors.js';
import { sourceInfo } from '../registry/index.js';
import { eventFileFormat, readEventFile, type EventFileFormat } from './event-file.js';
import { ingestBatch, MAX_BATCH, previewBatch, type IngestOutcome } from './service.js';
import { storableJson, type Rejection } from './validate.js';
import type { IngestContext } from './repo.js';

/*
 * Offline / historical data import (issue 3 part 4). A file of events is read as a stream and
 * sent in chunks of MAX_BATCH through ingestBatch, the one validation path: refused rows are
 * quarantined exactly as those of the API (via 'import'), accepted ones paired and counted, and
 * a re-import is all duplicates. Each chunk commits on its own, so a million-row file never sits
 * in memory or in one transaction. A dry run judges every row the same way and writes nothing.
 */

/** Error rows kept for the report; beyond it only the totals count (`truncated`). */
export const MAX_ERROR_ROWS = 10_000;

export interface RowError {
  /** Row of the sheet (header = 1) or line of a JSON lines file. */
  row: number;
  eventId: string | null;
  code: string;
  message: string;
}

export interface ImportTotals {
  rows: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

export interface ImportProgress extends ImportTotals {
  bytesRead: number;
  /** null when the size is not known in advance (an upload without a length). */
  totalBytes: number | null;
}

export interface EventImportResult extends ImportTotals {
  dryRun: boolean;
  fileName: string;
  format: EventFileFormat;
  /** The first MAX_ERROR_ROWS refused rows, in file order. */
  errors: RowError[];
  truncated: boolean;
  /** Headers that matched no event field (CSV/XLSX). */
  ignoredColumns: string[];
  /** Quarantine entries written (one per chunk with refused rows); 0 on a dry run. */
  quarantined: number;
}

export interface ImportEventsOptions {
  sourceCode: string;
  /** A path, or a stream of the file's bytes (an upload). */
  input: Readable | string;
  /** Decides the format by its extension: .csv/.tsv/.txt, .xlsx, .jsonl/.ndjson. */
  fileName: string;
  /** Size of a stream input, when known, for progress. */
  totalBytes?: number | null;
  dryRun?: boolean;
  /** Called after each chunk. */
  onProgress?: (progress: ImportProgress) => void;
  /** Rows per ingestBatch call (tests use smaller chunks); at most MAX_BATCH. */
  chunkSize?: number;
  maxErrors?: number;
}

/** Counts the bytes the reader has taken from the input. */
class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

export async function importEvents(ctx: IngestContext, actor: Actor, opts: ImportEventsOptions): Promise<EventImportResult> {
  const source = await sourceInfo(ctx, opts.sourceCode);
  if (!source) throw badRequest('UNKNOWN_SOURCE', `未知数据源 / unknown source ${opts.sourceCode.slice(0, 64)}`);
  const format = eventFileFormat(opts.fileName);
  const dryRun = opts.dryRun === true;
  const chunkSize = Math.max(1, Math.min(opts.chunkSize ?? MAX_BATCH, MAX_BATCH));
  const maxErrors = opts.maxErrors ?? MAX_ERROR_ROWS;

  let input: Readable;
  let totalBytes = opts.totalBytes ?? null;
  if (typeof opts.input === 'string') {
    totalBytes = (await stat(opts.input)).size;
    input = createReadStream(opts.input);
  } else input = opts.input;
  const counter = new ByteCounter();
  pipeline(input, counter, () => {}); // an input error ends the reader's iteration with it

  const totals: ImportTotals = { rows: 0, accepted: 0, duplicates: 0, rejected: 0 };
  const errors: RowError[] = [];
  let truncated = false;
  let quarantined = 0;
  let ignoredColumns: string[] = [];
  const addError = (e: RowError) => {
    if (errors.length < maxErrors) errors.push(e);
    else truncated = true;
  };

  // One chunk: the events (unreadable rows as their raw text), their rows, and what the reader refused.
  let events: unknown[] = [];
  let rows: number[] = [];
  let refused = new Map<number, Rejection>();

  const flush = async () => {
    if (events.length === 0) return;
    let outcome: IngestOutcome;
    if (dryRun) outcome = await previewBatch(ctx, opts.sourceCode, events, refused);
    else {
      // The chunk as JSON text: what quarantine keeps and staff may correct and replay (replay reads `events`).
      // Event by event: one nested too deeply to serialise must not lose the others.
      const rawBody = `{"events":[${events.map((e) => storableJson(e)).join(',')}],"fileName":${JSON.stringify(opts.fileName)},"rows":${JSON.stringify(rows)}}`;
      outcome = await ingestBatch(ctx, opts.sourceCode, events, { via: 'import', rawBody, refused });
    }
    totals.rows += events.length;
    totals.accepted += outcome.accepted;
    totals.duplicates += outcome.duplicates;
    totals.rejected += outcome.rejected;
    if (outcome.quarantineId) quarantined += 1;
    outcome.results.forEach((r, i) => {
      if (r.status === 'rejected') addError({ row: rows[i]!, eventId: r.eventId, code: r.code ?? 'REJECTED', message: r.message ?? '' });
    });
    events = [];
    rows = [];
    refused = new Map();
    opts.onProgress?.({ ...totals, bytesRead: counter.bytes, totalBytes });
  };

  try {
    const items = readEventFile(counter, format, { onColumns: (c) => (ignoredColumns = c.ignored) });
    for await (const item of items) {
      if ('error' in item) {
        refused.set(events.length, item.error);
        events.push(item.raw);
      } else events.push(item.event);
      rows.push(item.row);
      if (events.length >= chunkSize) await flush();
    }
    await flush();
  } catch (err) {
    counter.destroy();
    throw await stopped(ctx, actor, opts, dryRun, totals, err);
  }

  const result: EventImportResult = { dryRun, fileName: opts.fileName, format, ...totals, errors, truncated, ignoredColumns, quarantined };
  if (!dryRun) {
    await audit(ctx, ctx.db, actor, {
      action: 'ingest.import',
      targetType: 'source',
      targetId: opts.sourceCode,
      detail: { fileName: opts.fileName, format, ...totals, quarantined },
    });
  }
  return result;
}

/**
 * The file could not be read to its end. Chunks before the failure are committed (each is its
 * own transaction): the audit row and the error say how far the import got.
 */
async function stopped(ctx: IngestContext, actor: Actor, opts: ImportEventsOptions, dryRun: boolean, totals: ImportTotals, err: unknown): Promise<unknown> {
  if (dryRun || totals.rows === 0) return err;
  const e = err as { code?: string; message?: string; status?: number; statusCode?: number };
  const code = typeof e?.code === 'string' ? e.code : 'ERROR';
  try {
    await audit(ctx, ctx.db, actor, {
      action: 'ingest.import',
      targetType: 'source',
      targetId: opts.sourceCode,
      outcome: 'failed',
      detail: { fileName: opts.fileName, ...totals, error: code, message: String(e?.message ?? err).slice(0, 500) },
    });
  } catch {
    // the database itself may be what failed; the original error matters more
  }
  const status = err instanceof AppError ? err.status : typeof e?.statusCode === 'number' && e.statusCode < 500 ? e.statusCode : null;
  if (status === null) return err;
  const done = `前 ${totals.rows} 行已处理（接收 ${totals.accepted}，重复 ${totals.duplicates}，拒绝 ${totals.rejected}） / the first ${totals.rows} rows were processed (accepted ${totals.accepted}, duplicates ${totals.duplicates}, rejected ${totals.rejected})`;
  return new AppError(status, err instanceof AppError ? err.code : code.replace(/^FST_(ERR_)?/, ''), `${e.message ?? code}；${done}`, { ...totals });
}
