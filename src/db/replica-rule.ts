/*
 * Whether heavy reads go to the read replica or stay on the primary (docs/decisions/0031-read-replica.md),
 * decided without I/O from the last probe of the replica and the clock. The replica serves reads
 * only while all of these hold:
 *
 * - a probe has answered, and not longer ago than `probeMaxAgeMs` (a probe that stopped coming
 *   proves nothing about now);
 * - the server is a standby (`pg_is_in_recovery()`): a promoted or mistaken address is a second
 *   primary whose data diverges from ours;
 * - its replay lag is at most `maxLagSeconds`. The lag is 0 while its WAL receiver is streaming and
 *   has replayed everything it received (an idle primary commits nothing, so the last replayed
 *   commit grows old without the replica falling behind); otherwise it is the replica's clock
 *   minus the commit time of the last transaction it replayed (`pg_last_xact_replay_timestamp()`),
 *   both read on the database so that the app node's clock does not enter; never replayed
 *   anything: unknown, which counts as too far behind.
 *
 * A query that fails on the replica because it went away is a failed probe (src/db/replica.ts).
 */

export type ReplicaProbe =
  | {
      /** When the probe answered (the app's clock). */
      at: Date;
      ok: true;
      inRecovery: boolean;
      /** The WAL receiver is streaming from the primary. */
      streaming: boolean;
      /** pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(): everything received is replayed. */
      replayedAll: boolean;
      /** pg_last_xact_replay_timestamp(); null before the first replayed commit. */
      lastReplayAt: Date | null;
      /** now() on the replica, when the probe ran. */
      replicaNow: Date;
    }
  | { at: Date; ok: false; reason: string };

export type ReplicaReason = 'ok' | 'no_probe' | 'probe_stale' | 'unreachable' | 'not_standby' | 'lagging';

export interface ReplicaDecision {
  use: 'replica' | 'primary';
  reason: ReplicaReason;
  /** Replay lag in seconds when known (0 when caught up). */
  lagSeconds: number | null;
  /** Why, in words for the platform alert and the log. */
  detail: string;
}

export interface ReplicaLimits {
  maxLagSeconds: number;
  probeMaxAgeMs: number;
}

/** The replay lag the probe shows, in seconds; null when it cannot be known. */
export function lagOf(probe: Extract<ReplicaProbe, { ok: true }>): number | null {
  if (probe.streaming && probe.replayedAll) return 0;
  if (!probe.lastReplayAt) return null;
  return Math.max(0, (probe.replicaNow.getTime() - probe.lastReplayAt.getTime()) / 1000);
}

export function decideReads(probe: ReplicaProbe | null, now: Date, limits: ReplicaLimits): ReplicaDecision {
  const primary = (reason: ReplicaReason, detail: string, lagSeconds: number | null = null): ReplicaDecision => ({ use: 'primary', reason, lagSeconds, detail });
  if (!probe) return primary('no_probe', '只读副本尚未探测 / the replica has not been probed yet');
  if (now.getTime() - probe.at.getTime() > limits.probeMaxAgeMs) {
    return primary('probe_stale', `只读副本最近一次探测在 ${probe.at.toISOString()}，已过期 / the last probe of the replica (${probe.at.toISOString()}) is too old`);
  }
  if (!probe.ok) return primary('unreachable', `只读副本不可用：${probe.reason} / the replica is unreachable: ${probe.reason}`);
  if (!probe.inRecovery) return primary('not_standby', '只读副本地址指向的不是备库（已提升或配置错误） / the replica address is not a standby (promoted or misconfigured)');
  const lag = lagOf(probe);
  if (lag === null) return primary('lagging', '只读副本尚未回放任何事务，复制延迟未知 / the replica has replayed nothing yet: its lag is unknown');
  if (lag > limits.maxLagSeconds) {
    return primary('lagging', `只读副本复制延迟 ${Math.round(lag)} 秒，超过 ${limits.maxLagSeconds} 秒 / the replica lags ${Math.round(lag)} s, more than ${limits.maxLagSeconds} s`, lag);
  }
  return { use: 'replica', reason: 'ok', lagSeconds: lag, detail: `只读副本正常，延迟 ${Math.round(lag)} 秒 / the replica is fine, lag ${Math.round(lag)} s` };
}
