import type { BillRow } from './bills.js';
import type { TransactionKind } from './vocab.js';

/*
 * Reconciliation (对账), pure: a channel's bill of one day against our verified transactions of
 * that Shanghai day, by the channel's id (transaction id; refund id). Each bill row and each of
 * ours lands in exactly one line: matched, long 长款 (the channel has it, we do not), short 短款
 * (we have it, the channel does not), amount_mismatch, or duplicate (the bill lists the same id
 * again: the first occurrence is compared, each further one is a duplicate line).
 */

export const RECON_RESULTS = ['matched', 'long', 'short', 'amount_mismatch', 'duplicate'] as const;
export type ReconResult = (typeof RECON_RESULTS)[number];

export interface OurTransaction {
  kind: TransactionKind;
  key: string;
  orderNo: string;
  transactionId: string;
  refundNo: string | null;
  fen: number;
  at: Date;
}

export interface ReconLine {
  result: ReconResult;
  /** The id both sides share (pay_transactions.external_id; the bill row's key). */
  key: string;
  kind: TransactionKind;
  orderNo: string | null;
  transactionId: string | null;
  refundNo: string | null;
  billFen: number | null;
  oursFen: number | null;
  at: Date | null;
}

export type ReconCounts = Record<TransactionKind, Record<ReconResult, number>>;

export interface Reconciliation {
  lines: ReconLine[];
  counts: ReconCounts;
  billFen: Record<TransactionKind, number>;
  oursFen: Record<TransactionKind, number>;
}

const zero = (): Record<ReconResult, number> => ({ matched: 0, long: 0, short: 0, amount_mismatch: 0, duplicate: 0 });

export function reconcile(bill: BillRow[], ours: OurTransaction[]): Reconciliation {
  const mine = new Map<string, OurTransaction>();
  for (const t of ours) mine.set(`${t.kind}|${t.key}`, t);
  const seen = new Set<string>();
  const lines: ReconLine[] = [];
  for (const b of bill) {
    const k = `${b.kind}|${b.key}`;
    const o = mine.get(k);
    const base = { key: b.key, kind: b.kind, orderNo: b.orderNo || o?.orderNo || null, transactionId: b.transactionId, refundNo: b.refundNo ?? o?.refundNo ?? null, billFen: b.fen, at: b.at ?? o?.at ?? null };
    if (seen.has(k)) {
      lines.push({ ...base, result: 'duplicate', oursFen: o?.fen ?? null });
      continue;
    }
    seen.add(k);
    if (!o) lines.push({ ...base, result: 'long', oursFen: null });
    else lines.push({ ...base, result: o.fen === b.fen ? 'matched' : 'amount_mismatch', oursFen: o.fen });
  }
  for (const o of ours) {
    if (seen.has(`${o.kind}|${o.key}`)) continue;
    lines.push({ result: 'short', key: o.key, kind: o.kind, orderNo: o.orderNo, transactionId: o.transactionId, refundNo: o.refundNo, billFen: null, oursFen: o.fen, at: o.at });
  }
  const counts: ReconCounts = { payment: zero(), refund: zero() };
  for (const l of lines) counts[l.kind][l.result]++;
  const sum = (rows: { kind: TransactionKind; fen: number }[], kind: TransactionKind) => rows.filter((r) => r.kind === kind).reduce((s, r) => s + r.fen, 0);
  return {
    lines, counts,
    billFen: { payment: sum(bill, 'payment'), refund: sum(bill, 'refund') },
    oursFen: { payment: sum(ours, 'payment'), refund: sum(ours, 'refund') },
  };
}
