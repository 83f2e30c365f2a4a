import { sql, type Insertable } from 'kysely';
import { lotRefs, type LotRef } from '../registry/index.js';
import { pairBatch, type GateFact } from '../sessions/index.js';
import type { IngestVia, PaymentsTable, QuarantineReason } from './tables.js';
import { checkEvent, printable, storableJson, type Checked, type Rejection, type ValidEvent } from './validate.js';
import type { IngestContext, IngestDb } from './repo.js';

export const MAX_BATCH = 1000;

export interface EventResult {
  eventId: string | null;
  status: 'accepted' | 'duplicate' | 'rejected';
  code?: string;
  message?: string;
}

export interface IngestOutcome {
  accepted: number;
  duplicates: number;
  rejected: number;
  results: EventResult[];
  /** Set when rejected events were kept in quarantine. */
  quarantineId?: number;
}

export interface IngestOptions {
  via: IngestVia;
  /** The request body as sent, kept in quarantine when anything is rejected. */
  rawBody?: string;
  /**
   * Items the caller already refused by index (an import file's unreadable lines): they stay in
   * the batch, and so in the quarantined body, and are rejected with the given code.
   */
  refused?: ReadonlyMap<number, Rejection>;
  /**
   * When the source handed event i over, for recorded history written in bulk (the simulator's
   * backfill): stored as its receipt time, so that late deliveries in that history stay late and
   * punctual ones punctual. Default: now; never later than now.
   */
  receivedAt?: (index: number) => Date;
}

/** A batch judged without touching storage: what ingestBatch would do, before duplicates by id. */
export interface CheckedBatch {
  results: EventResult[];
  reasons: QuarantineReason[];
  /** Valid, bound, first in the batch: to be stored (or found to be duplicates of stored ones). */
  fresh: { event: ValidEvent; lot: LotRef | null; index: number }[];
}

/**
 * Validation and lot binding of one batch from one source: every event checked, lots resolved,
 * repeats within the batch marked as duplicates. Reads lots, writes nothing.
 */
export async function checkBatch(ctx: IngestContext, sourceCode: string, events: readonly unknown[], now: Date, refused?: ReadonlyMap<number, Rejection>): Promise<CheckedBatch> {
  const checked = events.map((e, i): Checked => {
    const pre = refused?.get(i);
    return pre ? { ok: false, eventId: null, rejection: pre } : checkEvent(e, now);
  });
  const lots = await lotRefs(ctx, checked.flatMap((c) => (c.ok && c.event.lotCode ? [c.event.lotCode] : [])));

  const results: EventResult[] = [];
  const reasons: QuarantineReason[] = [];
  const fresh: CheckedBatch['fresh'] = [];
  const seen = new Set<string>();
  checked.forEach((c, index) => {
    const reject = (code: string, message: string, eventId: string | null) => {
      results.push({ eventId, status: 'rejected', code, message });
      reasons.push({ index, eventId, code, message });
    };
    if (!c.ok) return reject(c.rejection.code, c.rejection.message, c.eventId);
    const { event } = c;
    let lot: LotRef | null = null;
    if (event.lotCode !== null) {
      lot = lots.get(event.lotCode) ?? null;
      if (!lot) return reject('UNKNOWN_LOT', `lotCode: 未登记的停车场 / unknown lot ${printable(event.lotCode)}`, event.eventId);
      if (lot.sourceCode !== sourceCode) return reject('LOT_NOT_BOUND', `lotCode: 停车场 ${event.lotCode} 未绑定到数据源 ${sourceCode} / lot not bound to this source`, event.eventId);
    }
    if (seen.has(event.eventId)) return results.push({ eventId: event.eventId, status: 'duplicate' });
    seen.add(event.eventId);
    results.push({ eventId: event.eventId, status: 'accepted' }); // may turn duplicate when stored
    fresh.push({ event, lot, index: results.length - 1 });
  });
  return { results, reasons, fresh };
}

const outcomeOf = (results: EventResult[], quarantineId?: number): IngestOutcome => {
  const count = (s: EventResult['status']) => results.filter((r) => r.status === s).length;
  return { accepted: count('accepted'), duplicates: count('duplicate'), rejected: count('rejected'), results, ...(quarantineId ? { quarantineId } : {}) };
};

/**
 * Validates, stores and applies one batch from one data source, all in one transaction: when
 * this returns, every accepted event is committed. Valid events are kept even when others are
 * rejected; an event id the source sent before is a duplicate with no further effect.
 */
export async function ingestBatch(ctx: IngestContext, sourceCode: string, events: readonly unknown[], opts: IngestOptions): Promise<IngestOutcome> {
  const now = ctx.clock.now();
  const { results, reasons, fresh } = await checkBatch(ctx, sourceCode, events, now, opts.refused);

  const quarantineId = await retryOnConflict(() => ctx.db.transaction().execute(async (trx) => {
    const handedOver = opts.receivedAt;
    const receipt = handedOver ? (i: number) => new Date(Math.min(handedOver(i).getTime(), now.getTime())) : () => now;
    const inserted = fresh.length ? await insertEvents(trx, sourceCode, fresh, receipt, opts.via) : new Set<string>();
    const applied = fresh.filter((f) => {
      if (inserted.has(f.event.eventId)) return true;
      results[f.index] = { eventId: f.event.eventId, status: 'duplicate' };
      return false;
    });
    // Only the source's own delivery (its push, or a connector's pull from it) shows that its link is alive; an import or a replay by staff does not.
    const receivedAt = opts.via === 'api' || opts.via === 'connector' ? now : null;
    await applyEffects(trx, sourceCode, applied, now, receivedAt);
    await touchSource(trx, sourceCode, applied, receivedAt);
    if (reasons.length === 0) return undefined;
    const row = await trx
      .insertInto('ingest_quarantine')
      .values({
        source_code: sourceCode,
        received_at: now,
        via: opts.via,
        raw_body: Buffer.from(opts.rawBody ?? storableJson({ events }), 'utf8'),
        reasons: JSON.stringify(reasons),
        rejected: reasons.length,
        resolved_at: null,
        resolved_by: null,
        note: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }));

  return outcomeOf(results, quarantineId);
}

/**
 * What ingestBatch would answer, committing nothing: the same checks, and ids the source sent
 * before reported as duplicates. For dry runs of imports.
 */
export async function previewBatch(ctx: IngestContext, sourceCode: string, events: readonly unknown[], refused?: ReadonlyMap<number, Rejection>): Promise<IngestOutcome> {
  const { results, fresh } = await checkBatch(ctx, sourceCode, events, ctx.clock.now(), refused);
  if (fresh.length) {
    const stored = await ctx.db
      .selectFrom('ingest_events')
      .select('event_id')
      .where('source_code', '=', sourceCode)
      .where('event_id', 'in', fresh.map((f) => f.event.eventId))
      .execute();
    const known = new Set(stored.map((r) => r.event_id));
    for (const f of fresh) if (known.has(f.event.eventId)) results[f.index] = { eventId: f.event.eventId, status: 'duplicate' };
  }
  return outcomeOf(results);
}

/** Runs a transaction again when PostgreSQL aborted it for a deadlock or serialization conflict. */
async function retryOnConflict<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (i >= attempts || (code !== '40P01' && code !== '40001')) throw err;
    }
  }
}

/**
 * Inserts the events; returns the ids that were new (the others were sent before). One statement
 * with one array parameter per column (unnest), not one parameter per value: the batch travels as
 * nine arrays, and neither the query builder nor PostgreSQL's parser walks 4,500 placeholders
 * (docs/performance.md, ingest experiments).
 */
async function insertEvents(db: IngestDb, sourceCode: string, fresh: CheckedBatch['fresh'], receivedAt: (index: number) => Date, via: IngestVia): Promise<Set<string>> {
  const ids: string[] = [], types: string[] = [], lots: (number | null)[] = [], occurred: string[] = [], received: string[] = [], plates: (string | null)[] = [], payloads: string[] = [];
  for (const { event, lot, index } of fresh) {
    ids.push(event.eventId);
    types.push(event.type);
    lots.push(lot?.id ?? null);
    occurred.push(event.occurredAt.toISOString());
    received.push(receivedAt(index).toISOString());
    plates.push('plate' in event ? event.plate : null);
    payloads.push(JSON.stringify(event.raw));
  }
  const { rows } = await sql<{ event_id: string }>`
    insert into ingest_events (source_code, event_id, type, lot_id, occurred_at, received_at, plate, via, payload)
    select ${sourceCode}, e.id, e.type, e.lot, e.occurred, e.received, e.plate, ${via}, e.payload::jsonb
    from unnest(${sql.val(ids)}::text[], ${sql.val(types)}::text[], ${sql.val(lots)}::int[], ${sql.val(occurred)}::timestamptz[],
                ${sql.val(received)}::timestamptz[], ${sql.val(plates)}::text[], ${sql.val(payloads)}::text[])
      as e(id, type, lot, occurred, received, plate, payload)
    on conflict (source_code, event_id) do nothing
    returning event_id`.execute(db);
  return new Set(rows.map((r) => r.event_id));
}

/** What accepted events change: sessions, space status, payments, each lot's freshness. */
async function applyEffects(db: IngestDb, sourceCode: string, applied: { event: ValidEvent; lot: LotRef | null }[], now: Date, receivedAt: Date | null): Promise<void> {
  const ordered = [...applied].sort((a, b) => a.event.occurredAt.getTime() - b.event.occurredAt.getTime());
  const gate: GateFact[] = [];
  const statuses: StatusFact[] = [];
  const payments: Insertable<PaymentsTable>[] = [];
  const latestByLot = new Map<number, Date>();
  for (const { event, lot } of ordered) {
    if (!lot) continue;
    latestByLot.set(lot.id, event.occurredAt);
    switch (event.type) {
      case 'entry':
        gate.push({ kind: 'entry', lotId: lot.id, sourceCode, eventId: event.eventId, plate: event.plate, plateRaw: event.plateRaw, plateColor: event.plateColor, berthCode: event.berthCode, at: event.occurredAt, photo: event.photo });
        break;
      case 'exit':
        gate.push({ kind: 'exit', lotId: lot.id, sourceCode, eventId: event.eventId, plate: event.plate, plateRaw: event.plateRaw, at: event.occurredAt, entryEventId: event.entryEventId, enteredAt: event.enteredAt, receivableFen: event.receivableFen, paidFen: event.paidFen, payChannel: event.payChannel, photo: event.photo });
        break;
      case 'status':
        statuses.push({ lotId: lot.id, at: event.occurredAt, total: event.totalSpaces, free: event.freeSpaces });
        break;
      case 'payment':
        payments.push({ lot_id: lot.id, order_no: event.orderNo, plate: event.plate, amount_fen: event.amountFen, channel: event.channel, paid_at: event.paidAt, event_id: event.eventId });
        break;
    }
  }
  await pairBatch(db, gate, now);
  await applyStatuses(db, statuses);
  if (payments.length) {
    await db.insertInto('payments').values(payments).onConflict((oc) => oc.columns(['lot_id', 'order_no']).doNothing()).execute();
  }
  if (latestByLot.size === 0) return;
  // One statement for all lots, in lot order so that concurrent batches cannot deadlock.
  const lots = [...latestByLot].sort((a, b) => a[0] - b[0]);
  await db
    .insertInto('lot_live')
    .values(lots.map(([lotId, occurredAt]) => ({ lot_id: lotId, last_occurred_at: occurredAt, last_received_at: receivedAt, total_spaces: null, free_spaces: null, status_at: null })))
    .onConflict((oc) =>
      oc.column('lot_id').doUpdateSet({
        last_occurred_at: sql`greatest(lot_live.last_occurred_at, excluded.last_occurred_at)`,
        last_received_at: sql`coalesce(excluded.last_received_at, lot_live.last_received_at)`,
      }),
    )
    .execute();
}

interface StatusFact {
  lotId: number;
  at: Date;
  total: number;
  free: number;
}

/** Status reports are kept in the history; each lot's live count follows its newest report. */
async function applyStatuses(db: IngestDb, reports: StatusFact[]): Promise<void> {
  if (reports.length === 0) return;
  // Out-of-range counts are real feed errors: kept, and flagged.
  const flagged = (r: StatusFact) => r.free < 0 || r.free > r.total;
  await db
    .insertInto('lot_status_reports')
    .values(reports.map((r) => ({ lot_id: r.lotId, occurred_at: r.at, total_spaces: r.total, free_spaces: r.free, flagged: flagged(r) })))
    .execute();
  const newest = new Map<number, StatusFact>();
  for (const r of reports) newest.set(r.lotId, r); // reports come in time order
  await db
    .insertInto('lot_live')
    .values([...newest.values()].sort((a, b) => a.lotId - b.lotId).map((r) => ({
      lot_id: r.lotId, total_spaces: r.total, free_spaces: r.free, status_at: r.at, status_flagged: flagged(r), last_occurred_at: null, last_received_at: null,
    })))
    .onConflict((oc) =>
      oc
        .column('lot_id')
        .doUpdateSet({
          total_spaces: sql`excluded.total_spaces`,
          free_spaces: sql`excluded.free_spaces`,
          status_at: sql`excluded.status_at`,
          status_flagged: sql`excluded.status_flagged`,
        })
        .where(sql<boolean>`lot_live.status_at is null or lot_live.status_at <= excluded.status_at`),
    )
    .execute();
}

/** The source was heard from now (even if all it sent was refused or old); receivedAt null: data only, no contact. */
async function touchSource(db: IngestDb, sourceCode: string, applied: { event: ValidEvent }[], receivedAt: Date | null): Promise<void> {
  const latest = applied.reduce<Date | null>((m, a) => (a.event.type !== 'heartbeat' && (!m || a.event.occurredAt > m) ? a.event.occurredAt : m), null);
  await db
    .insertInto('source_live')
    .values({ source_code: sourceCode, last_occurred_at: latest, last_received_at: receivedAt })
    .onConflict((oc) =>
      oc.column('source_code').doUpdateSet({
        last_occurred_at: sql`greatest(source_live.last_occurred_at, excluded.last_occurred_at)`,
        last_received_at: sql`coalesce(excluded.last_received_at, source_live.last_received_at)`,
      }),
    )
    .execute();
}
