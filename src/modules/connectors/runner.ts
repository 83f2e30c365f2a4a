import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import { runExclusive } from '../../platform/jobs.js';
import { ingestPulled, MAX_BATCH } from '../ingest/index.js';
import { SourceError, type Adapter } from './adapters/types.js';
import { mapRecord, type Mapping } from './mapping.js';
import { cursorReached, isDue, nextPullDelayMs, pagesPerRun, scrub } from './plan.js';
import { connectorsContext, type ConnectorsContext } from './repo.js';
import { openAdapter, openConnector, pageSizeOf, type OpenConnector } from './service.js';
import type { Cursor } from './tables.js';
import { pullLease } from './vocab.js';

/*
 * A connector's pull (docs/数据对接.md §4): page by page, each page's records mapped and handed
 * to ingest's ingestBatch (validation, quarantine, idempotency by event id) — and only after
 * that batch has committed does the cursor move past the page, in a transaction of its own that
 * also counts the page in the connector's health. A crash before the cursor moves re-reads the
 * page: its events are then duplicates by id and change nothing. So a crash never skips a record
 * (the cursor never passes an uncommitted one) nor doubles one (ids are unique per source).
 */

/** The lease a pull holds; longer than any run (a run reads a bounded number of pages). */
export const PULL_LEASE_MS = 10 * 60_000;

export interface PageReport {
  records: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  cursor: Cursor | null;
}

export interface PullResult {
  pages: number;
  records: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  cursor: Cursor | null;
  /** True when the source had nothing more when the run ended. */
  caughtUp: boolean;
  error: string | null;
}

/** A page's records as ingest items: each record's events, or the record itself refused with why. */
export function toItems(records: readonly unknown[], mapping: Mapping): { items: unknown[]; refused: Map<number, { code: string; message: string }>; rowOf: number[] } {
  const items: unknown[] = [];
  const refused = new Map<number, { code: string; message: string }>();
  const rowOf: number[] = [];
  records.forEach((record, row) => {
    const m = mapRecord(record, mapping);
    if (!m.ok) {
      refused.set(items.length, { code: m.code, message: m.message });
      items.push(record);
      rowOf.push(row);
      return;
    }
    for (const e of m.events) {
      items.push(e);
      rowOf.push(row);
    }
  });
  return { items, refused, rowOf };
}

const newest = (items: readonly unknown[]): Date | null => {
  let max: number | null = null;
  for (const i of items) {
    const t = Date.parse(String((i as { occurredAt?: unknown }).occurredAt ?? ''));
    if (Number.isFinite(t) && (max === null || t > max)) max = t;
  }
  return max === null ? null : new Date(max);
};

const hourOf = (d: Date) => new Date(Math.floor(d.getTime() / 3600_000) * 3600_000);
const cursorJson = (c: Cursor | null) => (c === null ? null : JSON.stringify(c));

/**
 * Moves the cursor from `from` to `to` and counts the page, in one transaction — only if the
 * cursor still stands at `from` (an operator's re-read may have moved it meanwhile: then the
 * run stops and the next one starts from there).
 */
async function advance(ctx: ConnectorsContext, c: OpenConnector, from: Cursor | null, to: Cursor | null, page: PageReport, lastRecordAt: Date | null): Promise<boolean> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const moved = await trx
      .updateTable('connectors')
      .set({ cursor: cursorJson(to) })
      .where('id', '=', c.id)
      .where(from === null ? sql<boolean>`cursor is null` : sql<boolean>`cursor = ${cursorJson(from)}::jsonb`)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) return false;
    await trx.updateTable('connector_health').set({
      records_total: sql`records_total + ${page.records}`,
      rejected_total: sql`rejected_total + ${page.rejected}`,
      last_record_at: lastRecordAt ? sql`greatest(last_record_at, ${lastRecordAt})` : sql`last_record_at`,
      last_success_at: now,
    }).where('connector_id', '=', c.id).execute();
    if (page.records > 0) {
      await trx.insertInto('connector_hourly').values({ connector_id: c.id, hour: hourOf(now), records: page.records, rejected: page.rejected, errors: 0 })
        .onConflict((oc) => oc.columns(['connector_id', 'hour']).doUpdateSet({ records: sql`connector_hourly.records + excluded.records`, rejected: sql`connector_hourly.rejected + excluded.rejected` }))
        .execute();
    }
    // A re-read under way follows the cursor and ends where the live cursor stood when it was asked for.
    const backfill = await trx.selectFrom('connector_backfills').select(['id', 'until_cursor']).where('connector_id', '=', c.id).where('status', '=', 'running').executeTakeFirst();
    if (backfill) {
      const done = cursorReached(to, backfill.until_cursor);
      await trx.updateTable('connector_backfills').set({
        position: cursorJson(to), records: sql`records + ${page.records}`, accepted: sql`accepted + ${page.accepted}`,
        ...(done ? { status: 'done' as const, finished_at: now } : {}),
      }).where('id', '=', backfill.id).execute();
    }
    return true;
  });
}

/** A source caught up during a re-read: the re-read is done. */
async function finishBackfill(ctx: ConnectorsContext, connectorId: number): Promise<void> {
  await ctx.db.updateTable('connector_backfills').set({ status: 'done', finished_at: ctx.clock.now() }).where('connector_id', '=', connectorId).where('status', '=', 'running').execute();
}

async function recordOutcome(ctx: ConnectorsContext, c: OpenConnector, error: string | null): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const h = await trx.selectFrom('connector_health').select('consecutive_errors').where('connector_id', '=', c.id).forUpdate().executeTakeFirst();
    const errors = error ? (h?.consecutive_errors ?? 0) + 1 : 0;
    const next = new Date(now.getTime() + nextPullDelayMs(c.intervalSeconds, errors));
    await trx.updateTable('connector_health').set({
      last_pull_at: now, consecutive_errors: errors, next_pull_at: next, ...(error ? { last_error: error, last_error_at: now } : {}),
    }).where('connector_id', '=', c.id).execute();
    if (error) {
      await trx.insertInto('connector_hourly').values({ connector_id: c.id, hour: hourOf(now), records: 0, rejected: 0, errors: 1 })
        .onConflict((oc) => oc.columns(['connector_id', 'hour']).doUpdateSet({ errors: sql`connector_hourly.errors + 1` }))
        .execute();
    }
  });
}

export interface PullOptions {
  /** Pages at most (default: the connector's budget per run). */
  maxPages?: number;
  /** Heard after each page is committed. */
  onPage?: (page: PageReport) => void;
}

/** One run of a connector, without its lease (the caller holds it). Never throws for the source's failures: they are recorded. */
async function pull(ctx: ConnectorsContext, c: OpenConnector, opts: PullOptions): Promise<PullResult> {
  const result: PullResult = { pages: 0, records: 0, accepted: 0, duplicates: 0, rejected: 0, cursor: c.cursor, caughtUp: false, error: null };
  const budget = opts.maxPages ?? pagesPerRun(c.kind, c.intervalSeconds, c.config.ratePerMinute as number | undefined);
  const limit = pageSizeOf(c.config);
  let adapter: Adapter | null = null;
  try {
    adapter = await openAdapter(ctx, c.kind, c.config, c.secrets);
    let cursor = c.cursor;
    while (result.pages < budget) {
      const page = await adapter.fetch(cursor, limit);
      result.pages++;
      const { items, refused } = toItems(page.records, c.mapping);
      const report: PageReport = { records: page.records.length, accepted: 0, duplicates: 0, rejected: 0, cursor: page.next };
      for (let i = 0; i < items.length; i += MAX_BATCH) {
        const chunkRefused = new Map([...refused].filter(([k]) => k >= i && k < i + MAX_BATCH).map(([k, v]) => [k - i, v]));
        const outcome = await ingestPulled(ctx, c.sourceCode, items.slice(i, i + MAX_BATCH), { via: 'connector', refused: chunkRefused });
        report.accepted += outcome.accepted;
        report.duplicates += outcome.duplicates;
        report.rejected += outcome.rejected;
      }
      // The batch has committed: now, and only now, the cursor moves past the page.
      if (!(await advance(ctx, c, cursor, page.next, report, newest(items)))) break;
      cursor = page.next;
      result.cursor = cursor;
      result.records += report.records;
      result.accepted += report.accepted;
      result.duplicates += report.duplicates;
      result.rejected += report.rejected;
      opts.onPage?.(report);
      if (!page.more) {
        result.caughtUp = true;
        await finishBackfill(ctx, c.id);
        break;
      }
    }
  } catch (err) {
    if (!(err instanceof SourceError) && !isSourceFailure(err)) throw err;
    result.error = scrub((err as Error).message, Object.values(c.secrets));
  } finally {
    await adapter?.close();
  }
  await recordOutcome(ctx, c, result.error);
  if (result.error) ctx.log.warn({ connector: c.code, error: result.error }, '连接器拉取失败 / connector pull failed');
  return result;
}

/** Errors of the outbound guard and the network are the source's, not ours. */
function isSourceFailure(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'OUTBOUND_TARGET_FORBIDDEN' || (typeof code === 'string' && /^E[A-Z]+$/.test(code));
}

/**
 * Pulls one connector now under its lease (the job, the CLI and "pull now" alike): null when
 * another node or process holds it.
 */
export async function pullConnector(anyCtx: AppContext, code: string, opts: PullOptions = {}): Promise<PullResult | null> {
  const ctx = connectorsContext(anyCtx);
  let result: PullResult | null = null;
  await runExclusive(anyCtx, pullLease(code), PULL_LEASE_MS, async () => {
    result = await pull(ctx, await openConnector(ctx, code), opts);
  });
  return result;
}

/** How many connectors one sweep pulls at the same time. */
const PARALLEL = 4;

/** The job connectors.pull: every enabled connector that is due, each under its own lease. */
export async function pullDueConnectors(anyCtx: AppContext): Promise<void> {
  const ctx = connectorsContext(anyCtx);
  const now = ctx.clock.now();
  const rows = await ctx.db
    .selectFrom('connectors')
    .leftJoin('connector_health', 'connector_health.connector_id', 'connectors.id')
    .select(['connectors.code', 'connector_health.next_pull_at'])
    .where('connectors.enabled', '=', true)
    .orderBy('connectors.code')
    .execute();
  const due = rows.filter((r) => isDue(r.next_pull_at, now)).map((r) => r.code);
  for (let i = 0; i < due.length; i += PARALLEL) {
    await Promise.all(due.slice(i, i + PARALLEL).map(async (code) => {
      try {
        await pullConnector(anyCtx, code);
      } catch (err) {
        ctx.log.error({ err, connector: code }, 'connector pull failed');
      }
    }));
  }
}
