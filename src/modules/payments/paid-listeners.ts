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

/**
 * A refund of the payment that settled an order (docs/支付通道接入.md, "支付订单"): the owner of
 * what was paid hears it once per refund the channel states (a replayed notification records
 * nothing and calls nobody). `refundFen` is this refund's amount, `refundedFen` every refund
 * of that payment so far, this one included.
 */
export interface OrderRefunded {
  kind: OrderKind;
  ref: string;
  orderNo: string;
  channelCode: string;
  /** The channel's refund id (pay_transactions.external_id): unique per channel. */
  refundId: string;
  refundNo: string | null;
  refundFen: number;
  refundedFen: number;
  paidFen: number;
  refundedAt: Date;
  transactionId: string;
}

export type OrderRefundedListener = (db: AnyDb, refund: OrderRefunded, now: Date) => Promise<void>;

const listeners = new Map<OrderKind, OrderPaidListener>();
const refundListeners = new Map<OrderKind, OrderRefundedListener>();
let onListenerError: (kind: OrderKind, err: unknown) => void = () => {};

/** Registers (or replaces) the listener of an order kind; the app root does this once per process. */
export function onOrderPaid(kind: OrderKind, listener: OrderPaidListener, onError?: (kind: OrderKind, err: unknown) => void): void {
  listeners.set(kind, listener);
  if (onError) onListenerError = onError;
}

/** Registers (or replaces) the refund listener of an order kind; the app root does this once per process. */
export function onOrderRefunded(kind: OrderKind, listener: OrderRefundedListener, onError?: (kind: OrderKind, err: unknown) => void): void {
  refundListeners.set(kind, listener);
  if (onError) onListenerError = onError;
}

/** Runs `call` in a savepoint of the notification's transaction: its failure is rolled back to it and logged. */
async function inSavepoint(db: AnyDb, kind: OrderKind, call: () => Promise<void>): Promise<void> {
  await sql`savepoint order_listener`.execute(db);
  try {
    await call();
    await sql`release savepoint order_listener`.execute(db);
  } catch (err) {
    await sql`rollback to savepoint order_listener`.execute(db);
    onListenerError(kind, err);
  }
}

/** Runs the kind's listener, if any, in a savepoint of the notification's transaction. */
export async function runPaidListener(db: AnyDb, paid: OrderPaid, now: Date): Promise<void> {
  const listener = listeners.get(paid.kind);
  if (listener) await inSavepoint(db, paid.kind, () => listener(db, paid, now));
}

/** Runs the kind's refund listener, if any, the same way. */
export async function runRefundListener(db: AnyDb, refund: OrderRefunded, now: Date): Promise<void> {
  const listener = refundListeners.get(refund.kind);
  if (listener) await inSavepoint(db, refund.kind, () => listener(db, refund, now));
}
