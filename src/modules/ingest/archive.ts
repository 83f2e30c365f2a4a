import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { recordAudit } from '../../platform/audit/record.js';
import type { AppContext } from '../../platform/context.js';
import { copyTextRows } from '../../platform/copy-text.js';
import { badRequest, notFound } from '../../platform/errors.js';
import { dueMonths, lastDueEventMonth, lastDueQuarantineMonth, monthSpan } from './archive-plan.js';
import { ingestContext, type IngestContext } from './repo.js';
import type { ArchivedTable } from './tables.js';

/*
 * Data lifecycle (issue 22 §3, docs/decisions/0032-archive-by-batched-delete.md). Raw events older
 * than the retention (whole Shanghai months by occurred_at) and resolved quarantine rows (by
 * resolved_at) move to one gzip-compressed JSON Lines file per table and month in the archive
 * directory, with a manifest beside it (`<file>.manifest.json`: table, month, rows, bytes,
 * SHA-256 of the .gz file, id range). Then the archived rows are deleted by id, 5,000 a
 * statement, each statement its own transaction: no lock is held longer than one batch.
 * Sessions, status reports and every rollup stay. `restoreArchive` puts a file's rows back with
 * their own ids (`on conflict do nothing`): restoring twice adds nothing.
 *
 * Order of work, so that a crash loses nothing: the file is written under a temporary name,
 * renamed, its manifest written, its row recorded in `ingest_archives`; only then are rows
 * deleted, and only the ids that are in the file. A crash before the deletes leaves the rows in
 * the table; the next run writes them again into a second file of the month (restoring both adds
 * each row once).
 */

export const ARCHIVE_JOB = 'ingest.archive';
export const ARCHIVE_FORMAT = 'zhibo-archive/1';
export const DELETE_BATCH = 5_000;
/** A long backlog (the first run on a city's years) is worked off over several nights. */
const MONTHS_PER_RUN = 6;
const INSERT_BATCH = 1_000;
const HOUR_MS = 3_600_000;

export interface ArchiveSettings {
  /** Null: no data directory (an in-memory database) and ZHIBO_ARCHIVE_DIR unset — archiving is off. */
  dir: string | null;
  eventRetentionMonths: number;
  quarantineRetentionDays: number;
}

export function archiveSettings(ctx: Pick<AppContext, 'config'>): ArchiveSettings {
  const c = ctx.config;
  const dir = c.archiveDir ?? (c.dataDir && c.dataDir !== 'memory://' ? path.join(c.dataDir, 'archive') : null);
  return { dir, eventRetentionMonths: c.eventRetentionMonths ?? 13, quarantineRetentionDays: c.quarantineRetentionDays ?? 90 };
}

export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  table: ArchivedTable;
  month: string;
  /** The .jsonl.gz file's name (the manifest sits beside it). */
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
  minId: number | null;
  maxId: number | null;
  createdAt: string;
}

export interface ArchiveRunResult {
  files: ArchiveManifest[];
  deleted: number;
  /** Why nothing was done, when archiving is off. */
  skipped: string | null;
}

export interface ArchiveHooks {
  /** Called before a month of events is archived: the monthly sync report keeps its numbers of it (the app root passes monitoring's snapshot). */
  beforeEventMonth?: (month: string) => Promise<void>;
  /** Rows deleted per statement (default 5,000). */
  batchSize?: number;
  /** Hears each delete statement's rows and wall-clock milliseconds (the benchmark, bench/archive.ts). */
  onBatch?: (rows: number, ms: number) => void;
  /** Read the month with paged queries even on PostgreSQL (the test that proves both paths write the same file). */
  paged?: boolean;
}

type Row = Record<string, unknown> & { id: number };

/** A timestamp as `Date.toISOString()` writes it (milliseconds, truncated as the pg driver's dates are). */
const isoSql = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** COPY takes no parameters: a month's bounds as literals, made here from Dates (never input). */
const tsLiteral = (d: Date) => `timestamptz '${d.toISOString()}'`;

/*
 * The statements of the PostgreSQL path. Same columns, same order of rows as the paged path below
 * (events: by hour of the month, then id; quarantine: by id), so the same month gives the same
 * file, byte for byte — test/archive.test.ts compares them. Shanghai's hours are UTC hours, so
 * the hour of the month is the UTC hour.
 */
function copyStatement(table: ArchivedTable, start: Date, end: Date): string {
  const [from, to] = [tsLiteral(start), tsLiteral(end)];
  if (table === 'ingest_events') {
    return `copy (select id, source_code, event_id, type, lot_id, ${isoSql('occurred_at')}, ${isoSql('received_at')}, plate, via, payload
      from ingest_events where occurred_at >= ${from} and occurred_at < ${to}
      order by date_trunc('hour', occurred_at at time zone 'UTC'), id) to stdout`;
  }
  return `copy (select id, source_code, ${isoSql('received_at')}, via, encode(raw_body, 'hex'), reasons, rejected, status, ${isoSql('resolved_at')}, resolved_by, note
    from ingest_quarantine where status <> 'open' and resolved_at >= ${from} and resolved_at < ${to}
    order by id) to stdout`;
}

const num = (v: string | null) => (v === null ? null : Number(v));
const json = (v: string | null): unknown => (v === null ? null : JSON.parse(v));

/** A COPY row as the object the paged path makes of a query's row (the same keys in the same order). */
function copiedRow(table: ArchivedTable, f: (string | null)[]): Row {
  const at = (i: number): string | null => f[i] ?? null;
  if (table === 'ingest_events') {
    return { id: Number(f[0]), source_code: f[1], event_id: f[2], type: f[3], lot_id: num(at(4)), occurred_at: f[5], received_at: f[6], plate: f[7], via: f[8], payload: json(at(9)) };
  }
  return {
    id: Number(f[0]), source_code: f[1], received_at: f[2], via: f[3], raw_body: Buffer.from(f[4]!, 'hex').toString('base64'),
    reasons: json(at(5)), rejected: Number(f[6]), status: f[7], resolved_at: f[8], resolved_by: f[9], note: f[10],
  };
}

/**
 * Reads a month's rows of a table in pieces, oldest piece first. PostgreSQL streams the month with
 * one `COPY … TO STDOUT` (decision 0032's addendum: the paged queries took most of the file's
 * time); PGlite pages with queries.
 */
async function* monthRows(ctx: IngestContext, table: ArchivedTable, month: string, paged = false): AsyncGenerator<Row[]> {
  const { start, end } = monthSpan(month);
  const copyOut = ctx.database.copyOut;
  if (copyOut && !paged) {
    for await (const rows of copyTextRows(copyOut(copyStatement(table, start, end)), INSERT_BATCH)) yield rows.map((f) => copiedRow(table, f));
    return;
  }
  if (table === 'ingest_events') {
    // An hour at a time through the BRIN index (migration 0042): bounded memory on a city's month.
    for (let t = start.getTime(); t < end.getTime(); t += HOUR_MS) {
      const rows = await ctx.db.selectFrom('ingest_events')
        .select(['id', 'source_code', 'event_id', 'type', 'lot_id', 'occurred_at', 'received_at', 'plate', 'via', 'payload'])
        .where('occurred_at', '>=', new Date(t)).where('occurred_at', '<', new Date(Math.min(t + HOUR_MS, end.getTime())))
        .orderBy('id').execute();
      if (rows.length) yield rows.map((r) => ({ ...r, id: Number(r.id), occurred_at: new Date(r.occurred_at).toISOString(), received_at: new Date(r.received_at).toISOString() }));
    }
    return;
  }
  let after = 0;
  for (;;) {
    const rows = await ctx.db.selectFrom('ingest_quarantine')
      .select(['id', 'source_code', 'received_at', 'via', 'raw_body', 'reasons', 'rejected', 'status', 'resolved_at', 'resolved_by', 'note'])
      .where('status', '<>', 'open').where('resolved_at', '>=', start).where('resolved_at', '<', end).where('id', '>', after)
      .orderBy('id').limit(INSERT_BATCH).execute();
    if (!rows.length) return;
    after = Number(rows[rows.length - 1]!.id);
    yield rows.map((r) => ({
      ...r,
      id: Number(r.id),
      received_at: new Date(r.received_at).toISOString(),
      resolved_at: r.resolved_at ? new Date(r.resolved_at).toISOString() : null,
      raw_body: Buffer.from(r.raw_body).toString('base64'),
    }));
  }
}

/** The oldest row of a table that the archive would take (events: occurred_at; quarantine: resolved_at of resolved rows). */
async function oldestRow(ctx: IngestContext, table: ArchivedTable): Promise<Date | null> {
  const r = table === 'ingest_events'
    ? await ctx.db.selectFrom('ingest_events').select((eb) => eb.fn.min('occurred_at').as('at')).executeTakeFirst()
    : await ctx.db.selectFrom('ingest_quarantine').select((eb) => eb.fn.min('resolved_at').as('at')).where('status', '<>', 'open').executeTakeFirst();
  return r?.at ? new Date(r.at as Date | string) : null;
}

async function freeName(ctx: IngestContext, dir: string, table: ArchivedTable, month: string): Promise<string> {
  for (let n = 1; ; n++) {
    const name = `${table}-${month}${n === 1 ? '' : `.${n}`}.jsonl.gz`;
    const taken = await ctx.db.selectFrom('ingest_archives').select('id').where('file', '=', name).executeTakeFirst();
    if (!taken && !(await stat(path.join(dir, name)).catch(() => null))) return name;
  }
}

/**
 * Writes one month of one table to a new archive file and deletes what it wrote. Null when the
 * month holds no such rows.
 */
export async function archiveMonth(anyCtx: AppContext, dir: string, table: ArchivedTable, month: string, hooks: ArchiveHooks = {}): Promise<{ manifest: ArchiveManifest; deleted: number } | null> {
  const ctx = ingestContext(anyCtx);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const name = await freeName(ctx, dir, table, month);
  const file = path.join(dir, name);
  const tmp = `${file}.partial`;
  const ids: number[] = [];
  const hash = createHash('sha256');
  let bytes = 0;
  async function* lines() {
    for await (const rows of monthRows(ctx, table, month, hooks.paged)) {
      for (const r of rows) ids.push(r.id);
      yield rows.map((r) => `${JSON.stringify(r)}\n`).join('');
    }
  }
  const tee = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(lines, createGzip(), tee, createWriteStream(tmp, { mode: 0o600 }));
  if (ids.length === 0) {
    await rm(tmp, { force: true });
    return null;
  }
  await rename(tmp, file);
  const manifest: ArchiveManifest = {
    format: ARCHIVE_FORMAT, table, month, file: name, rows: ids.length, bytes, sha256: hash.digest('hex'),
    minId: ids.reduce((a, b) => Math.min(a, b), Infinity), maxId: ids.reduce((a, b) => Math.max(a, b), 0), createdAt: ctx.clock.now().toISOString(),
  };
  await writeFile(`${file}.manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  const { id } = await ctx.db.insertInto('ingest_archives').values({
    table_name: table, month, file: name, rows: manifest.rows, bytes, sha256: manifest.sha256, created_at: ctx.clock.now(),
  }).returning('id').executeTakeFirstOrThrow();

  const batch = hooks.batchSize ?? DELETE_BATCH;
  let deleted = 0;
  for (let i = 0; i < ids.length; i += batch) {
    const chunk = ids.slice(i, i + batch);
    const t0 = performance.now();
    const r = table === 'ingest_events'
      ? await sql`delete from ingest_events where id = any(${sql.val(chunk)}::bigint[])`.execute(ctx.db)
      : await sql`delete from ingest_quarantine where id = any(${sql.val(chunk)}::bigint[]) and status <> 'open'`.execute(ctx.db);
    deleted += Number(r.numAffectedRows ?? 0);
    hooks.onBatch?.(chunk.length, performance.now() - t0);
    await ctx.db.updateTable('ingest_archives').set({ deleted_rows: deleted }).where('id', '=', id).execute();
  }
  await ctx.db.updateTable('ingest_archives').set({ finished_at: ctx.clock.now() }).where('id', '=', id).execute();
  return { manifest, deleted };
}

/**
 * The nightly run (job `ingest.archive`, and `zhibo archive run`): every due month of events, then
 * of resolved quarantine, oldest first, a few months a run.
 */
export async function runArchive(anyCtx: AppContext, hooks: ArchiveHooks = {}): Promise<ArchiveRunResult> {
  const ctx = ingestContext(anyCtx);
  const s = archiveSettings(ctx);
  if (!s.dir) return { files: [], deleted: 0, skipped: '未设置归档目录（ZHIBO_ARCHIVE_DIR） / no archive directory (ZHIBO_ARCHIVE_DIR)' };
  const now = ctx.clock.now();
  const out: ArchiveRunResult = { files: [], deleted: 0, skipped: null };
  const plans: [ArchivedTable, string][] = [
    ['ingest_events', lastDueEventMonth(now, s.eventRetentionMonths)],
    ['ingest_quarantine', lastDueQuarantineMonth(now, s.quarantineRetentionDays)],
  ];
  for (const [table, lastDue] of plans) {
    const months = dueMonths(await oldestRow(ctx, table), lastDue, MONTHS_PER_RUN);
    // Every month's snapshot before any month's events go: a month's report reads the events of the month before it too (its leading gap).
    if (table === 'ingest_events') for (const month of months) await hooks.beforeEventMonth?.(month);
    for (const month of months) {
      const r = await archiveMonth(ctx, s.dir, table, month, hooks);
      if (r) {
        out.files.push(r.manifest);
        out.deleted += r.deleted;
      }
    }
  }
  return out;
}

export interface ArchiveView {
  id: number;
  table: ArchivedTable;
  month: string;
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
  createdAt: string;
  deletedRows: number;
  finishedAt: string | null;
  restoredAt: string | null;
  restoredRows: number | null;
  /** The command that puts the rows back. */
  restoreCommand: string;
}

/** The archive files written, newest month first. */
export async function listArchives(anyCtx: AppContext, page: { limit: number; offset: number } = { limit: 200, offset: 0 }): Promise<{ dir: string | null; eventRetentionMonths: number; quarantineRetentionDays: number; total: number; items: ArchiveView[] }> {
  const ctx = ingestContext(anyCtx);
  const s = archiveSettings(ctx);
  const [rows, total] = await Promise.all([
    ctx.db.selectFrom('ingest_archives').selectAll().orderBy('month', 'desc').orderBy('table_name').orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute(),
    ctx.db.selectFrom('ingest_archives').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    ...s,
    total: Number(total.n),
    items: rows.map((r) => ({
      id: r.id, table: r.table_name, month: r.month, file: r.file, rows: r.rows, bytes: Number(r.bytes), sha256: r.sha256,
      createdAt: new Date(r.created_at).toISOString(), deletedRows: r.deleted_rows, finishedAt: iso(r.finished_at),
      restoredAt: iso(r.restored_at), restoredRows: r.restored_rows,
      restoreCommand: `npx zhibo archive restore ${s.dir ? path.join(s.dir, r.file) : r.file}`,
    })),
  };
}

/** The manifest of an archive file, given the .jsonl.gz or its .manifest.json. */
export async function readManifest(file: string): Promise<{ data: string; manifest: ArchiveManifest }> {
  const data = file.endsWith('.manifest.json') ? file.slice(0, -'.manifest.json'.length) : file;
  const text = await readFile(`${data}.manifest.json`, 'utf8').catch(() => null);
  if (text === null) throw notFound(`归档清单 / archive manifest ${path.basename(data)}.manifest.json`);
  let manifest: ArchiveManifest;
  try {
    manifest = JSON.parse(text) as ArchiveManifest;
  } catch {
    throw badRequest('ARCHIVE_INVALID', `归档清单不是 JSON / the manifest is not JSON: ${path.basename(data)}.manifest.json`);
  }
  if (manifest.format !== ARCHIVE_FORMAT || (manifest.table !== 'ingest_events' && manifest.table !== 'ingest_quarantine')) {
    throw badRequest('ARCHIVE_INVALID', `不是智泊归档清单 / not a Zhibo archive manifest: ${path.basename(data)}.manifest.json`);
  }
  return { data, manifest };
}

export interface ArchiveVerifyResult {
  file: string;
  manifest: ArchiveManifest;
  sha256: string;
  rows: number;
  ok: boolean;
  problems: string[];
}

async function* fileRows(file: string): AsyncGenerator<Row> {
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of lines) if (line) yield JSON.parse(line) as Row;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Checks a file against its manifest: checksum, then that it decompresses to the stated number of rows. */
export async function verifyArchiveFile(file: string): Promise<ArchiveVerifyResult> {
  const { data, manifest } = await readManifest(file);
  const problems: string[] = [];
  const sha256 = await sha256Of(data).catch(() => '');
  if (sha256 !== manifest.sha256) problems.push(sha256 ? `SHA-256 不符 / checksum differs: ${sha256} ≠ ${manifest.sha256}` : `文件缺失 / file missing: ${data}`);
  let rows = 0;
  if (sha256) {
    try {
      for await (const _ of fileRows(data)) rows++;
    } catch (err) {
      problems.push(`无法读取 / unreadable: ${(err as Error).message}`);
    }
    if (rows !== manifest.rows) problems.push(`行数不符 / rows differ: ${rows} ≠ ${manifest.rows}`);
  }
  return { file: data, manifest, sha256, rows, ok: problems.length === 0, problems };
}

export interface RestoreResult {
  file: string;
  table: ArchivedTable;
  month: string;
  rows: number;
  /** Rows put back; the rest were in the table already (a second restore adds none). */
  inserted: number;
}

/**
 * Puts an archive file's rows back, with their own ids; refuses a file whose checksum or row
 * count differs from its manifest. Idempotent. Audited (`archive.restore`).
 */
export async function restoreArchive(anyCtx: AppContext, actor: Actor, file: string): Promise<RestoreResult> {
  const ctx = ingestContext(anyCtx);
  const check = await verifyArchiveFile(file);
  if (!check.ok) throw badRequest('ARCHIVE_INVALID', `归档文件与清单不符，未恢复 / the file does not match its manifest, nothing restored: ${check.problems.join('; ')}`);
  const { manifest } = check;
  let inserted = 0;
  let pending: Row[] = [];
  const flush = async () => {
    if (!pending.length) return;
    const r = manifest.table === 'ingest_events'
      ? await ctx.db.insertInto('ingest_events').values(pending.map((e) => ({
        id: e.id, source_code: e.source_code as string, event_id: e.event_id as string, type: e.type as never, lot_id: e.lot_id as number | null,
        occurred_at: new Date(e.occurred_at as string), received_at: new Date(e.received_at as string), plate: e.plate as string | null,
        via: e.via as never, payload: JSON.stringify(e.payload),
      }))).onConflict((oc) => oc.doNothing()).executeTakeFirst()
      : await ctx.db.insertInto('ingest_quarantine').values(pending.map((q) => ({
        id: q.id, source_code: q.source_code as string | null, received_at: new Date(q.received_at as string), via: q.via as never,
        raw_body: Buffer.from(q.raw_body as string, 'base64'), reasons: JSON.stringify(q.reasons), rejected: q.rejected as number,
        status: q.status as never, resolved_at: q.resolved_at ? new Date(q.resolved_at as string) : null, resolved_by: q.resolved_by as string | null, note: q.note as string | null,
      }))).onConflict((oc) => oc.doNothing()).executeTakeFirst();
    inserted += Number(r.numInsertedOrUpdatedRows ?? 0);
    pending = [];
  };
  for await (const row of fileRows(check.file)) {
    pending.push(row);
    if (pending.length >= INSERT_BATCH) await flush();
  }
  await flush();
  await ctx.db.updateTable('ingest_archives').set({ restored_at: ctx.clock.now(), restored_rows: inserted }).where('file', '=', manifest.file).execute();
  await recordAudit(ctx.db, ctx.clock, actor, { action: 'archive.restore', targetType: manifest.table, targetId: manifest.month, detail: { file: manifest.file, rows: manifest.rows, inserted } });
  return { file: check.file, table: manifest.table, month: manifest.month, rows: manifest.rows, inserted };
}
