import type { RefusalReason, TransactionKind } from './vocab.js';

/** One verified channel transaction as a notification states it (pay_transactions row). */
export interface ChannelRecord {
  kind: TransactionKind;
  /** The channel's id of this transaction: the transaction id of a payment, the refund id of a refund. */
  externalId: string;
  orderNo: string;
  transactionId: string;
  refundNo: string | null;
  amountFen: number;
  currency: string;
  occurredAt: Date;
  detail: Record<string, unknown>;
}

/**
 * The verdict on one notification: verified (with the transactions it states, possibly none,
 * e.g. a "waiting for payment" status) or refused with why.
 */
export type Verdict =
  | { ok: true; notifyId: string | null; records: ChannelRecord[] }
  | { ok: false; reason: RefusalReason; message?: string };

export const refuse = (reason: RefusalReason, message?: string): Verdict => ({ ok: false, reason, ...(message ? { message } : {}) });

export type HeaderBag = Record<string, string | string[] | undefined>;

export function header(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
