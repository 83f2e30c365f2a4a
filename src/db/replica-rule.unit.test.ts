import { describe, expect, it } from 'vitest';
import { decideReads, lagOf, type ReplicaProbe } from './replica-rule.js';

const NOW = new Date('2026-11-25T02:00:00Z');
const LIMITS = { maxLagSeconds: 30, probeMaxAgeMs: 15_000 };
const at = (msBefore: number) => new Date(NOW.getTime() - msBefore);
const healthy = (over: Partial<Extract<ReplicaProbe, { ok: true }>> = {}): ReplicaProbe => ({
  at: at(1000), ok: true, inRecovery: true, streaming: true, replayedAll: true, lastReplayAt: at(3_600_000), replicaNow: at(1000), ...over,
});

describe('read replica decision rule', () => {
  it('uses the replica when a fresh probe shows a streaming standby that has replayed everything (an idle primary is not lag)', () => {
    expect(decideReads(healthy(), NOW, LIMITS)).toMatchObject({ use: 'replica', reason: 'ok', lagSeconds: 0 });
  });

  it('stays on the primary before the first probe and when the last probe is too old', () => {
    expect(decideReads(null, NOW, LIMITS)).toMatchObject({ use: 'primary', reason: 'no_probe' });
    expect(decideReads(healthy({ at: at(15_000) }), NOW, LIMITS).use).toBe('replica');
    expect(decideReads(healthy({ at: at(15_001) }), NOW, LIMITS)).toMatchObject({ use: 'primary', reason: 'probe_stale' });
  });

  it('stays on the primary when the replica does not answer, or is not a standby', () => {
    expect(decideReads({ at: at(0), ok: false, reason: 'connect ECONNREFUSED' }, NOW, LIMITS)).toMatchObject({ use: 'primary', reason: 'unreachable', detail: expect.stringContaining('ECONNREFUSED') });
    expect(decideReads(healthy({ inRecovery: false }), NOW, LIMITS)).toMatchObject({ use: 'primary', reason: 'not_standby' });
  });

  it('measures lag on the replica clock against its last replayed commit when it is behind, up to the limit inclusive', () => {
    const behind = (seconds: number, over: Partial<Extract<ReplicaProbe, { ok: true }>> = {}) =>
      healthy({ replayedAll: false, replicaNow: at(0), lastReplayAt: at(seconds * 1000), ...over });
    expect(decideReads(behind(30), NOW, LIMITS)).toMatchObject({ use: 'replica', lagSeconds: 30 });
    expect(decideReads(behind(31), NOW, LIMITS)).toMatchObject({ use: 'primary', reason: 'lagging', lagSeconds: 31 });
    // A receiver that is not streaming proves nothing about being caught up: lag by the timestamp.
    expect(decideReads(healthy({ streaming: false, replicaNow: at(0), lastReplayAt: at(45_000) }), NOW, LIMITS)).toMatchObject({ use: 'primary', reason: 'lagging' });
    // Nothing replayed yet: unknown lag counts as too far behind.
    expect(decideReads(behind(0, { lastReplayAt: null }), NOW, LIMITS)).toMatchObject({ use: 'primary', reason: 'lagging', lagSeconds: null });
    // The app's own clock does not enter the lag (only the probe's age).
    expect(lagOf(behind(10, { at: at(14_000) }) as Extract<ReplicaProbe, { ok: true }>)).toBe(10);
  });
});
