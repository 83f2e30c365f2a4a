import { sql } from 'kysely';
import type { AnyDb } from '../../platform/db.js';
import type { OrderKind } from './vocab.js';

/*
 * Who owns what is paid hears that it was (docs/支付通道接入.md, "支付订单"): when a verified
 * payment settles a pending order, the listener registered for the order's kind (arrears →
 * 欠费追缴) runs in the notification's transaction, after the order is marked paid. It runs in
 * a savepoint: one that fails is rolled back to it and logged, and the payment is still
 * recorded — money received is never dropped for a listener's fault.
 */
export interface OrderPaid {
  kind: OrderKind;
  ref: string;
  orderNo: string;
  paidFen: number;
  paidAt: Date;
  transactionId: string;
}

/** `now` is the notification's receipt on the server's clock. */
export type OrderPaidListener = (db: AnyDb, paid: OrderPaid, now: Date) => Promise<void>;

const listeners = new Map<OrderKind, OrderPaidListener>();
let onListenerError: (kind: OrderKind, err: unknown) => void = () => {};

/** Registers (or replaces) the listener of an order kind; the app root does this once per process. */
export function onOrderPaid(kind: OrderKind, listener: OrderPaidListener, onError?: (kind: OrderKind, err: unknown) => void): void {
  listeners.set(kind, listener);
  if (onError) onListenerError = onError;
}

/** Runs the kind's listener, if any, in a savepoint of the notification's transaction. */
export async function runPaidListener(db: AnyDb, paid: OrderPaid, now: Date): Promise<void> {
  const listener = listeners.get(paid.kind);
  if (!listener) return;
  await sql`savepoint order_paid`.execute(db);
  try {
    await listener(db, paid, now);
    await sql`release savepoint order_paid`.execute(db);
  } catch (err) {
    await sql`rollback to savepoint order_paid`.execute(db);
    onListenerError(paid.kind, err);
  }
}
