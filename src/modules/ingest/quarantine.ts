import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { AppError, badRequest, notFound } from '../../platform/errors.js';
import { ingestBatch, MAX_BATCH, type IngestOutcome } from './service.js';
import type { QuarantineReason } from './tables.js';
import type { IngestContext } from './repo.js';

/** Keeps a whole refused body (bad JSON, wrong shape, too many events) from an authenticated source. */
export async function quarantineBody(ctx: IngestContext, sourceCode: string, rawBody: string, code: string, message: string): Promise<void> {
  const reasons: QuarantineReason[] = [{ index: null, eventId: null, code, message }];
  await ctx.db
    .insertInto('ingest_quarantine')
    .values({ source_code: sourceCode, received_at: ctx.clock.now(), raw_body: Buffer.from(rawBody, 'utf8'), reasons: JSON.stringify(reasons), rejected: 0, resolved_at: null, resolved_by: null, note: null })
    .execute();
}

export interface QuarantineItem {
  id: number;
  sourceCode: string | null;
  receivedAt: string;
  via: string;
  rejected: number;
  reasons: QuarantineReason[];
  status: 'open' | 'replayed' | 'discarded';
  resolvedAt: string | null;
  resolvedBy: string | null;
  note: string | null;
  bodyBytes: number;
}

type Row = {
  id: number;
  source_code: string | null;
  received_at: Date;
  via: string;
  rejected: number;
  reasons: QuarantineReason[];
  status: 'open' | 'replayed' | 'discarded';
  resolved_at: Date | null;
  resolved_by: string | null;
  note: string | null;
  body_bytes: number;
};

const view = (r: Row): QuarantineItem => ({
  id: r.id,
  sourceCode: r.source_code,
  receivedAt: r.received_at.toISOString(),
  via: r.via,
  rejected: r.rejected,
  reasons: r.reasons,
  status: r.status,
  resolvedAt: r.resolved_at?.toISOString() ?? null,
  resolvedBy: r.resolved_by,
  note: r.note,
  bodyBytes: Number(r.body_bytes),
});

function selectItems(ctx: IngestContext) {
  return ctx.db
    .selectFrom('ingest_quarantine')
    .select(['id', 'source_code', 'received_at', 'via', 'rejected', 'reasons', 'status', 'resolved_at', 'resolved_by', 'note'])
    .select((eb) => eb.fn<number>('octet_length', ['raw_body']).as('body_bytes'));
}

/** Which entries a list or a bulk action covers: status, source, a reason code. */
export interface QuarantineFilter {
  status?: string;
  sourceCode?: string;
  /** One of the entry's reasons has this code (INVALID_PLATE, UNKNOWN_LOT, …). */
  code?: string;
}

function filtered<Q extends ReturnType<typeof selectItems>>(qb: Q, q: QuarantineFilter): Q {
  return qb
    .$if(!!q.status, (b) => b.where('status', '=', q.status as 'open'))
    .$if(!!q.sourceCode, (b) => b.where('source_code', '=', q.sourceCode!))
    .$if(!!q.code, (b) => b.where(sql<boolean>`reasons @> ${JSON.stringify([{ code: q.code }])}::jsonb`)) as Q;
}

/** Newest first, keyset-paged by id. Bodies are not listed: they hold plates. */
export async function listQuarantine(ctx: IngestContext, q: QuarantineFilter & { beforeId?: number; limit?: number }) {
  const limit = Math.min(q.limit ?? 50, 200);
  const rows = await filtered(selectItems(ctx), q)
    .$if(!!q.beforeId, (qb) => qb.where('id', '<', q.beforeId!))
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit) as Row[];
  return { items: page.map(view), nextCursor: rows.length > limit ? String(page[page.length - 1]!.id) : null };
}

/** Most entries one bulk action takes (the console replays them in chunks of MAX_BULK_CHUNK). */
export const MAX_BULK_MATCH = 5000;
export const MAX_BULK_CHUNK = 50;

/**
 * The open entries a filter matches, oldest first (a replay keeps the order the data came in):
 * their number and the ids of the first MAX_BULK_MATCH — the preview of a bulk replay or discard.
 */
export async function matchQuarantine(ctx: IngestContext, q: Omit<QuarantineFilter, 'status'>): Promise<{ count: number; ids: number[] }> {
  const scope = { ...q, status: 'open' };
  const [counted, rows] = await Promise.all([
    filtered(selectItems(ctx), scope).clearSelect().select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    filtered(selectItems(ctx), scope).clearSelect().select('id').orderBy('id').limit(MAX_BULK_MATCH).execute(),
  ]);
  return { count: Number(counted.n), ids: rows.map((r) => r.id) };
}

export interface BulkResult {
  id: number;
  ok: boolean;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** The new entry holding what was still refused. */
  requarantinedId: number | null;
  error: { code: string; message: string } | null;
}

/**
 * Replays (as they are, after a correction elsewhere: a lot bound, a rule changed) or discards
 * each entry in turn; one entry's failure (already resolved, gone, bad body) is its row's
 * result, not the chunk's. Each replay or discard is audited as the single one is.
 */
export async function bulkQuarantine(ctx: IngestContext, actor: Actor, ids: readonly number[], action: { kind: 'replay' } | { kind: 'discard'; note: string }): Promise<BulkResult[]> {
  const out: BulkResult[] = [];
  for (const id of ids) {
    const row: BulkResult = { id, ok: true, accepted: 0, duplicates: 0, rejected: 0, requarantinedId: null, error: null };
    try {
      if (action.kind === 'replay') {
        const o = await replayQuarantine(ctx, actor, id, null);
        Object.assign(row, { accepted: o.accepted, duplicates: o.duplicates, rejected: o.rejected, requarantinedId: o.quarantineId ?? null });
      } else {
        await discardQuarantine(ctx, actor, id, action.note);
      }
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      Object.assign(row, { ok: false, error: { code: err.code, message: err.message } });
    }
    out.push(row);
  }
  return out;
}

/** One entry with its raw body; reading a body (it holds plates) is audited. */
export async function getQuarantine(ctx: IngestContext, actor: Actor, id: number): Promise<QuarantineItem & { rawBody: string }> {
  const row = await selectItems(ctx).select('raw_body').where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`隔离记录 ${id}`);
  await audit(ctx, ctx.db, actor, { action: 'quarantine.read_body', targetType: 'quarantine', targetId: id });
  return { ...view(row as Row), rawBody: Buffer.from(row.raw_body).toString('utf8') };
}

/**
 * Runs the body again (as corrected by staff, or as it was) through the same ingest path.
 * Events accepted the first time come back as duplicates; anything still refused is
 * quarantined anew. The entry is then closed as replayed.
 */
export async function replayQuarantine(ctx: IngestContext, actor: Actor, id: number, correctedBody: string | null): Promise<IngestOutcome> {
  const row = await ctx.db.selectFrom('ingest_quarantine').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`隔离记录 ${id}`);
  if (row.status !== 'open') throw new AppError(409, 'ALREADY_RESOLVED', `该记录已处理（${row.status}） / already ${row.status}`);
  if (!row.source_code) throw badRequest('NO_SOURCE', '该记录没有数据源，无法重放 / no source to replay as');
  const body = correctedBody ?? Buffer.from(row.raw_body).toString('utf8');
  let events: unknown;
  try {
    events = (JSON.parse(body) as { events?: unknown })?.events;
  } catch {
    throw badRequest('INVALID_JSON', '请求体不是合法 JSON / body is not valid JSON');
  }
  if (!Array.isArray(events)) throw badRequest('INVALID_BODY', '请求体应为 { "events": [...] } / body must be { "events": [...] }');
  if (events.length > MAX_BATCH) throw badRequest('TOO_MANY_EVENTS', `一批最多 ${MAX_BATCH} 条 / at most ${MAX_BATCH} events`);

  const outcome = await ingestBatch(ctx, row.source_code, events, { via: 'replay', rawBody: body });
  const note = `重放 / replayed: accepted ${outcome.accepted}, duplicates ${outcome.duplicates}, rejected ${outcome.rejected}${outcome.quarantineId ? ` → #${outcome.quarantineId}` : ''}`;
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('ingest_quarantine').set({ status: 'replayed', resolved_at: ctx.clock.now(), resolved_by: actor.username, note }).where('id', '=', id).execute();
    await audit(ctx, trx, actor, { action: 'quarantine.replay', targetType: 'quarantine', targetId: id, detail: { corrected: correctedBody !== null, accepted: outcome.accepted, duplicates: outcome.duplicates, rejected: outcome.rejected, requarantined: outcome.quarantineId ?? null } });
  });
  return outcome;
}

export async function discardQuarantine(ctx: IngestContext, actor: Actor, id: number, note: string): Promise<QuarantineItem> {
  return ctx.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('ingest_quarantine')
      .set({ status: 'discarded', resolved_at: ctx.clock.now(), resolved_by: actor.username, note })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .returning('id')
      .executeTakeFirst();
    if (!updated) {
      const exists = await trx.selectFrom('ingest_quarantine').select('status').where('id', '=', id).executeTakeFirst();
      if (!exists) throw notFound(`隔离记录 ${id}`);
      throw new AppError(409, 'ALREADY_RESOLVED', `该记录已处理（${exists.status}） / already ${exists.status}`);
    }
    await audit(ctx, trx, actor, { action: 'quarantine.discard', targetType: 'quarantine', targetId: id, detail: { note } });
    const row = await selectItems({ ...ctx, db: trx }).where('id', '=', id).executeTakeFirstOrThrow();
    return view(row as Row);
  });
}
