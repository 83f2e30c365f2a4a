import type { AnyDb } from '../../platform/db.js';
import { ingestDb } from './repo.js';

/*
 * Payments carried over from a legacy system (zhibo migrate-from, docs/系统迁移.md) into the same
 * table as the payments lot systems report apart from exits. Idempotent like a reported payment:
 * an order number already stored for the lot is kept and its id returned. The caller checks the
 * values and records what it imported in the same transaction (`db` is the caller's transaction).
 */
export interface ImportedPayment {
  lotId: number;
  orderNo: string;
  plate: string | null;
  amountFen: number;
  channel: string;
  paidAt: Date;
  /** The payment's event id as the platform keeps it (the migration names its origin). */
  eventId: string;
}

/** Inserts the payments; returns each one's id (the stored one for an order number already there), in the order given. */
export async function importPayments(anyDb: AnyDb, rows: readonly ImportedPayment[]): Promise<number[]> {
  if (rows.length === 0) return [];
  const db = ingestDb(anyDb);
  await db
    .insertInto('payments')
    .values(rows.map((p) => ({ lot_id: p.lotId, order_no: p.orderNo, plate: p.plate, amount_fen: p.amountFen, channel: p.channel, paid_at: p.paidAt, event_id: p.eventId })))
    .onConflict((oc) => oc.columns(['lot_id', 'order_no']).doNothing())
    .execute();
  const stored = await db
    .selectFrom('payments')
    .select(['id', 'lot_id', 'order_no'])
    .where('order_no', 'in', [...new Set(rows.map((p) => p.orderNo))])
    .where('lot_id', 'in', [...new Set(rows.map((p) => p.lotId))])
    .execute();
  const idOf = new Map(stored.map((r) => [`${r.lot_id}\u0000${r.order_no}`, Number(r.id)]));
  return rows.map((p) => idOf.get(`${p.lotId}\u0000${p.orderNo}`)!);
}
