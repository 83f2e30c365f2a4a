import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { AppContext } from '../../platform/context.js';
import { lotRefs, type LotRef } from '../registry/service.js';
import { applyEntry, applyExit } from '../sessions/pairing.js';
import type { IngestVia, QuarantineReason } from './tables.js';
import { checkEvent, type ValidEvent } from './validate.js';

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
}

/**
 * Validates, stores and applies one batch from one data source, all in one transaction: when
 * this returns, every accepted event is committed. Valid events are kept even when others are
 * rejected; an event id the source sent before is a duplicate with no further effect.
 */
export async function ingestBatch(ctx: AppContext, sourceCode: string, events: readonly unknown[], opts: IngestOptions): Promise<IngestOutcome> {
  const now = ctx.clock.now();
  const checked = events.map((e) => checkEvent(e, now));
  const lots = await lotRefs(ctx, checked.flatMap((c) => (c.ok && c.event.lotCode ? [c.event.lotCode] : [])));

  const results: EventResult[] = [];
  const reasons: QuarantineReason[] = [];
  const fresh: { event: ValidEvent; lot: LotRef | null; index: number }[] = [];
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
      if (!lot) return reject('UNKNOWN_LOT', `lotCode: 未登记的停车场 / unknown lot ${event.lotCode}`, event.eventId);
      if (lot.sourceCode !== sourceCode) return reject('LOT_NOT_BOUND', `lotCode: 停车场 ${event.lotCode} 未绑定到数据源 ${sourceCode} / lot not bound to this source`, event.eventId);
    }
    if (seen.has(event.eventId)) return results.push({ eventId: event.eventId, status: 'duplicate' });
    seen.add(event.eventId);
    results.push({ eventId: event.eventId, status: 'accepted' }); // may turn duplicate below
    fresh.push({ event, lot, index: results.length - 1 });
  });

  const quarantineId = await ctx.db.transaction().execute(async (trx) => {
    const inserted = fresh.length ? await insertEvents(trx, sourceCode, fresh, now, opts.via) : new Set<string>();
    const applied = fresh.filter((f) => {
      if (inserted.has(f.event.eventId)) return true;
      results[f.index] = { eventId: f.event.eventId, status: 'duplicate' };
      return false;
    });
    await applyEffects(trx, sourceCode, applied, now);
    await touchSource(trx, sourceCode, applied, now);
    if (reasons.length === 0) return undefined;
    const row = await trx
      .insertInto('ingest_quarantine')
      .values({
        source_code: sourceCode,
        received_at: now,
        via: opts.via,
        raw_body: opts.rawBody ?? JSON.stringify({ events }),
        reasons: JSON.stringify(reasons),
        rejected: reasons.length,
        resolved_at: null,
        resolved_by: null,
        note: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });

  const count = (s: EventResult['status']) => results.filter((r) => r.status === s).length;
  return { accepted: count('accepted'), duplicates: count('duplicate'), rejected: count('rejected'), results, ...(quarantineId ? { quarantineId } : {}) };
}

/** Inserts the events; returns the ids that were new (the others were sent before). */
async function insertEvents(db: Kysely<DB>, sourceCode: string, fresh: { event: ValidEvent; lot: LotRef | null }[], now: Date, via: IngestVia): Promise<Set<string>> {
  const rows = await db
    .insertInto('ingest_events')
    .values(
      fresh.map(({ event, lot }) => ({
        source_code: sourceCode,
        event_id: event.eventId,
        type: event.type,
        lot_id: lot?.id ?? null,
        occurred_at: event.occurredAt,
        received_at: now,
        plate: 'plate' in event ? event.plate : null,
        via,
        payload: JSON.stringify(event.raw),
      })),
    )
    .onConflict((oc) => oc.columns(['source_code', 'event_id']).doNothing())
    .returning('event_id')
    .execute();
  return new Set(rows.map((r) => r.event_id));
}

/** What accepted events change: sessions, space status, payments, each lot's freshness. */
async function applyEffects(db: Kysely<DB>, sourceCode: string, applied: { event: ValidEvent; lot: LotRef | null }[], now: Date): Promise<void> {
  const ordered = [...applied].sort((a, b) => a.event.occurredAt.getTime() - b.event.occurredAt.getTime());
  const latestByLot = new Map<number, Date>();
  for (const { event, lot } of ordered) {
    if (!lot) continue;
    latestByLot.set(lot.id, event.occurredAt);
    switch (event.type) {
      case 'entry':
        await applyEntry(db, { lotId: lot.id, sourceCode, eventId: event.eventId, plate: event.plate, plateRaw: event.plateRaw, plateColor: event.plateColor, berthCode: event.berthCode, at: event.occurredAt }, now);
        break;
      case 'exit':
        await applyExit(db, { lotId: lot.id, sourceCode, ...event, at: event.occurredAt }, now);
        break;
      case 'status':
        await applyStatus(db, lot.id, event.occurredAt, event.totalSpaces, event.freeSpaces);
        break;
      case 'payment':
        await db
          .insertInto('payments')
          .values({ lot_id: lot.id, order_no: event.orderNo, plate: event.plate, amount_fen: event.amountFen, channel: event.channel, paid_at: event.paidAt, event_id: event.eventId })
          .onConflict((oc) => oc.columns(['lot_id', 'order_no']).doNothing())
          .execute();
        break;
    }
  }
  for (const [lotId, occurredAt] of latestByLot) {
    await db
      .insertInto('lot_live')
      .values({ lot_id: lotId, last_occurred_at: occurredAt, last_received_at: now, total_spaces: null, free_spaces: null, status_at: null })
      .onConflict((oc) =>
        oc.column('lot_id').doUpdateSet({
          last_occurred_at: sql`greatest(lot_live.last_occurred_at, excluded.last_occurred_at)`,
          last_received_at: sql`excluded.last_received_at`,
        }),
      )
      .execute();
  }
}

/** A status report is kept in the history; the lot's live count follows the newest one. */
async function applyStatus(db: Kysely<DB>, lotId: number, at: Date, total: number, free: number): Promise<void> {
  const flagged = free < 0 || free > total;
  await db.insertInto('lot_status_reports').values({ lot_id: lotId, occurred_at: at, total_spaces: total, free_spaces: free, flagged }).execute();
  await db
    .insertInto('lot_live')
    .values({ lot_id: lotId, total_spaces: total, free_spaces: free, status_at: at, status_flagged: flagged, last_occurred_at: null, last_received_at: null })
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

/** The source was heard from now (even if all it sent was refused or old). */
async function touchSource(db: Kysely<DB>, sourceCode: string, applied: { event: ValidEvent }[], now: Date): Promise<void> {
  const latest = applied.reduce<Date | null>((m, a) => (a.event.type !== 'heartbeat' && (!m || a.event.occurredAt > m) ? a.event.occurredAt : m), null);
  await db
    .insertInto('source_live')
    .values({ source_code: sourceCode, last_occurred_at: latest, last_received_at: now })
    .onConflict((oc) =>
      oc.column('source_code').doUpdateSet({
        last_occurred_at: sql`greatest(source_live.last_occurred_at, excluded.last_occurred_at)`,
        last_received_at: sql`excluded.last_received_at`,
      }),
    )
    .execute();
}
