import { describe, expect, it } from 'vitest';
import { ageDays, allocateRefund, enforcementCutoff, escalationOf, mayReadRefusals, recoveryRate, writeoffDecision, type EscalationSettings } from './rules.js';

const now = new Date('2026-12-07T02:00:00Z'); // 10:00 Shanghai
const days = (n: number) => new Date(now.getTime() - n * 86_400_000);
const settings: EscalationSettings = { enforceAfterDays: 30, enforceAboveFen: 20_000, refusalEnabled: false, refusalSources: ['SRC-A'] };

describe('arrears escalation rules', () => {
  it('counts whole days of age, never negative', () => {
    expect(ageDays(days(0), now)).toBe(0);
    expect(ageDays(new Date(now.getTime() - 86_399_999), now)).toBe(0);
    expect(ageDays(days(1), now)).toBe(1);
    expect(ageDays(days(45.5), now)).toBe(45);
    expect(ageDays(new Date(now.getTime() + 3_600_000), now)).toBe(0);
  });

  it('lists a plate for enforcement from N days of age, not a millisecond earlier', () => {
    expect(escalationOf({ totalFen: 500, oldestAt: days(30) }, settings, now)).toEqual({ level: 'enforcement', reasons: ['age'], refuseEntry: false });
    expect(escalationOf({ totalFen: 500, oldestAt: new Date(days(30).getTime() + 1) }, settings, now).level).toBe('open');
  });

  it('lists a plate from the amount, and gives both reasons when both hold', () => {
    expect(escalationOf({ totalFen: 20_000, oldestAt: days(1) }, settings, now).reasons).toEqual(['amount']);
    expect(escalationOf({ totalFen: 19_999, oldestAt: days(1) }, settings, now).level).toBe('open');
    expect(escalationOf({ totalFen: 30_000, oldestAt: days(40) }, settings, now).reasons).toEqual(['age', 'amount']);
  });

  it('a rule switched off (null) never lists; refusal only for listed plates when on', () => {
    const off: EscalationSettings = { ...settings, enforceAfterDays: null, enforceAboveFen: null };
    expect(escalationOf({ totalFen: 10_000_000, oldestAt: days(4000) }, off, now).level).toBe('open');
    expect(enforcementCutoff(off, now)).toEqual({ oldestAtOrBefore: null, totalAtLeastFen: null });
    const on = { ...settings, refusalEnabled: true };
    expect(escalationOf({ totalFen: 100, oldestAt: days(31) }, on, now).refuseEntry).toBe(true);
    expect(escalationOf({ totalFen: 100, oldestAt: days(2) }, on, now).refuseEntry).toBe(false);
  });

  it('the query cut-off moves with the injected clock', () => {
    const later = new Date(now.getTime() + 5 * 86_400_000);
    expect(enforcementCutoff(settings, later).oldestAtOrBefore!.getTime() - enforcementCutoff(settings, now).oldestAtOrBefore!.getTime()).toBe(5 * 86_400_000);
  });

  it('only a participating lot system reads the refusal list, and only while refusal is on', () => {
    expect(mayReadRefusals(settings, 'SRC-A')).toBe(false);
    expect(mayReadRefusals({ ...settings, refusalEnabled: true }, 'SRC-A')).toBe(true);
    expect(mayReadRefusals({ ...settings, refusalEnabled: true }, 'SRC-B')).toBe(false);
  });
});

describe('write-off two-person rule', () => {
  it('the requester cannot decide their own request; a decided one is not decided again', () => {
    expect(writeoffDecision({ status: 'pending', requestedBy: 'alice' }, 'alice')).toEqual({ ok: false, code: 'SAME_PERSON' });
    expect(writeoffDecision({ status: 'pending', requestedBy: 'alice' }, 'bob')).toEqual({ ok: true });
    expect(writeoffDecision({ status: 'approved', requestedBy: 'alice' }, 'bob')).toEqual({ ok: false, code: 'NOT_PENDING' });
  });
});

describe('recovery rate', () => {
  it('recovered ÷ (recovered + outstanding), four decimals; null with nothing to recover', () => {
    expect(recoveryRate(1500, 500)).toBe(0.75);
    expect(recoveryRate(1, 2)).toBe(0.3333);
    expect(recoveryRate(0, 800)).toBe(0);
    expect(recoveryRate(0, 0)).toBeNull();
  });
});

describe('a refund reopens arrears (allocateRefund)', () => {
  const bill = [
    { sessionId: 11, since: days(40), settledFen: 1000 },
    { sessionId: 12, since: days(5), settledFen: 1500 },
    { sessionId: 13, since: days(5), settledFen: 300 },
  ];

  it('reopens the newest arrears first (then the higher session id), each up to what the bill settled', () => {
    expect(allocateRefund(bill, 2800)).toEqual({ parts: [{ sessionId: 13, fen: 300 }, { sessionId: 12, fen: 1500 }, { sessionId: 11, fen: 1000 }], unallocatedFen: 0 });
  });

  it('a partial refund reopens part of one session, not a share of each', () => {
    expect(allocateRefund(bill, 200)).toEqual({ parts: [{ sessionId: 13, fen: 200 }], unallocatedFen: 0 });
    expect(allocateRefund(bill, 1000)).toEqual({ parts: [{ sessionId: 13, fen: 300 }, { sessionId: 12, fen: 700 }], unallocatedFen: 0 });
  });

  it('skips what earlier refunds already reopened and keeps what exceeds the bill unallocated', () => {
    const after = [{ ...bill[0]! }, { ...bill[1]!, settledFen: 0 }, { ...bill[2]!, settledFen: 0 }];
    expect(allocateRefund(after, 1200)).toEqual({ parts: [{ sessionId: 11, fen: 1000 }], unallocatedFen: 200 });
    expect(allocateRefund([], 500)).toEqual({ parts: [], unallocatedFen: 500 });
    expect(allocateRefund(bill, 0)).toEqual({ parts: [], unallocatedFen: 0 });
  });

  it('does not reorder its input', () => {
    const copy = structuredClone(bill);
    allocateRefund(bill, 900);
    expect(bill).toEqual(copy);
  });
});
