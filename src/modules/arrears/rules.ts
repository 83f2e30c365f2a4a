/*
 * Rules of arrears recovery (欠费追缴, docs/用户手册.md 第 24 章, docs/指标口径.md), pure: the
 * caller passes the clock's now and what the database holds. Escalation lists a plate for
 * enforcement once its oldest unpaid exit is N days old or its arrears reach an amount; the
 * lot systems that take part refuse such plates at the gate when refusal is on. A write-off
 * needs a second person. The ledger's SQL filters with the same cut-offs (`enforcementCutoff`).
 */

export const DAY_MS = 86_400_000;

export interface EscalationSettings {
  /** Listed for enforcement when the oldest arrears are at least this many days old (null: never by age). */
  enforceAfterDays: number | null;
  /** … or when the plate owes at least this many fen (null: never by amount). */
  enforceAboveFen: number | null;
  /** Enforcement plates are offered to the participating lot systems for entry refusal. */
  refusalEnabled: boolean;
  /** The data sources (lot systems) that take part in entry refusal. */
  refusalSources: string[];
}

/** A plate's arrears as the ledger sums them. */
export interface PlateArrears {
  totalFen: number;
  /** The exit (or entry, when the exit is unknown) of its oldest unpaid session. */
  oldestAt: Date;
}

export type Escalation = 'open' | 'enforcement';

/** Whole days since `at` (0 on the day itself; never negative). */
export function ageDays(at: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - at.getTime()) / DAY_MS));
}

/**
 * The cut-offs as the ledger's query applies them: a plate is listed for enforcement when its
 * oldest arrears are at or before `oldestAtOrBefore`, or its total is at least `totalAtLeastFen`.
 * Null means that rule is off; both null: nobody is listed.
 */
export function enforcementCutoff(s: EscalationSettings, now: Date): { oldestAtOrBefore: Date | null; totalAtLeastFen: number | null } {
  return {
    oldestAtOrBefore: s.enforceAfterDays === null ? null : new Date(now.getTime() - s.enforceAfterDays * DAY_MS),
    totalAtLeastFen: s.enforceAboveFen,
  };
}

/** Whether a plate is listed for enforcement, and why (both reasons when both hold). */
export function escalationOf(p: PlateArrears, s: EscalationSettings, now: Date): { level: Escalation; reasons: ('age' | 'amount')[]; refuseEntry: boolean } {
  const cut = enforcementCutoff(s, now);
  const reasons: ('age' | 'amount')[] = [];
  if (cut.oldestAtOrBefore !== null && p.oldestAt.getTime() <= cut.oldestAtOrBefore.getTime()) reasons.push('age');
  if (cut.totalAtLeastFen !== null && p.totalFen >= cut.totalAtLeastFen) reasons.push('amount');
  const level: Escalation = reasons.length > 0 ? 'enforcement' : 'open';
  return { level, reasons, refuseEntry: level === 'enforcement' && s.refusalEnabled };
}

/** May a lot system (data source) read the refusal list? Only a participating one, while refusal is on. */
export function mayReadRefusals(s: EscalationSettings, sourceCode: string): boolean {
  return s.refusalEnabled && s.refusalSources.includes(sourceCode);
}

export type WriteoffVerdict = { ok: true } | { ok: false; code: 'SAME_PERSON' | 'NOT_PENDING' };

/** Two-person rule: a pending request is decided by someone other than who asked. */
export function writeoffDecision(request: { status: string; requestedBy: string }, decider: string): WriteoffVerdict {
  if (request.status !== 'pending') return { ok: false, code: 'NOT_PENDING' };
  if (request.requestedBy === decider) return { ok: false, code: 'SAME_PERSON' };
  return { ok: true };
}

/**
 * 回收率: of the arrears that could still be recovered or were, the share recovered —
 * recovered ÷ (recovered + outstanding); write-offs are in neither. Null when both are zero.
 */
export function recoveryRate(recoveredFen: number, outstandingFen: number): number | null {
  const base = recoveredFen + outstandingFen;
  return base > 0 ? Math.round((recoveredFen / base) * 10_000) / 10_000 : null;
}

/** A session a bill settled, as a refund of that bill's payment may reopen it. */
export interface RefundableSession {
  sessionId: number;
  /** When its arrears began (exit, or entry when the exit is unknown). */
  since: Date;
  /** What this bill settled on it, less what earlier refunds of the bill reopened. */
  settledFen: number;
}

/**
 * Which sessions a refund of a bill's payment puts back on the ledger, and how much of each: the
 * newest arrears first (then the higher session id), each up to what the bill still covers on it,
 * until the refund is used up — a partial refund reopens part of one session rather than a share
 * of every one, and the plate's oldest arrears (which escalation counts) stay settled longest.
 * What exceeds the bill's settlements (a session settled elsewhere before the bill was paid)
 * reopens nothing: `unallocatedFen`.
 */
export function allocateRefund(sessions: readonly RefundableSession[], refundFen: number): { parts: { sessionId: number; fen: number }[]; unallocatedFen: number } {
  const order = [...sessions].filter((s) => s.settledFen > 0)
    .sort((a, b) => b.since.getTime() - a.since.getTime() || b.sessionId - a.sessionId);
  let left = Math.max(0, Math.floor(refundFen));
  const parts: { sessionId: number; fen: number }[] = [];
  for (const s of order) {
    if (left === 0) break;
    const fen = Math.min(left, s.settledFen);
    parts.push({ sessionId: s.sessionId, fen });
    left -= fen;
  }
  return { parts, unallocatedFen: left };
}
