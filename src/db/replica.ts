import {
  Kysely, PostgresAdapter, PostgresDialect, PostgresIntrospector, PostgresQueryCompiler,
  type CompiledQuery, type DatabaseConnection, type Dialect, type Driver, type PostgresPool, type QueryCompiler, type QueryResult, type TransactionSettings,
} from 'kysely';
import pg from 'pg';
import { isDatabaseUnavailable } from '../platform/errors.js';
import type { Clock } from '../platform/clock.js';
import type { PlatformTables } from '../platform/db.js';
import { discardingPool, pgTypes, watchConnections, type DatabaseLog } from './pg-pool.js';
import { decideReads, type ReplicaDecision, type ReplicaLimits, type ReplicaProbe } from './replica-rule.js';

/*
 * The read replica (docs/decisions/0031-read-replica.md, docs/deployment.md §4). `read` is a Kysely
 * handle whose every query outside a transaction runs on the replica while the decision rule
 * (replica-rule.ts) says so, and on the primary otherwise. A query that fails on the replica
 * because the replica went away (connection refused, terminated, shut down, a standby conflict)
 * counts as a failed probe and runs again on the primary at once: a read never fails because the
 * replica did, and a long export that reads in pages goes on from the primary. Transactions on
 * `read` run on the primary whole (a transaction cannot move between servers halfway).
 */

export interface ReplicaStats {
  /** Queries the replica answered. */
  replica: number;
  /** Queries the primary answered through the read handle (replica not in use, or fallen back). */
  primary: number;
  /** Queries that failed on the replica and were run again on the primary. */
  fallbacks: number;
}

export interface ReadReplica {
  /** host:port/database of the replica, no credentials (alert subject, logs). */
  readonly name: string;
  /** The handle heavy reads use (platform/read-db.ts). */
  readonly read: Kysely<PlatformTables>;
  readonly stats: ReplicaStats;
  /** The decision now, from the last probe and the clock. */
  decision(): ReplicaDecision;
  /** Probes the replica and returns the decision it leads to. Never throws. */
  probe(): Promise<ReplicaDecision>;
  /** Called when reads move between the replica and the primary (the runtime raises / clears the alert). */
  onChange(listener: (now: ReplicaDecision, before: ReplicaDecision) => void): void;
  close(): Promise<void>;
}

/** How long a probe stays good: the runtime probes every PROBE_INTERVAL_MS, so three missed probes. */
export const PROBE_INTERVAL_MS = 5_000;
const PROBE_MAX_AGE_MS = 3 * PROBE_INTERVAL_MS;

const PROBE_SQL = `select pg_is_in_recovery() as in_recovery,
  coalesce((select status = 'streaming' from pg_stat_wal_receiver limit 1), false) as streaming,
  coalesce(pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), false) as replayed_all,
  pg_last_xact_replay_timestamp() as last_replay_at,
  now() as replica_now`;

/** The address without user and password. */
export function replicaName(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
}

/** A failure of the replica itself (gone, shutting down, a recovery conflict), not of the query. */
export function isReplicaFailure(err: unknown): boolean {
  if (isDatabaseUnavailable(err)) return true;
  const e = err as { code?: string; message?: string } | null;
  return !!e && e.code === '40001' && /conflict with recovery/i.test(e.message ?? '');
}

export function openReplica(opts: {
  url: string;
  primary: PostgresPool;
  clock: Clock;
  maxLagSeconds: number;
  log?: DatabaseLog;
}): ReadReplica {
  const pool = new pg.Pool({
    connectionString: opts.url,
    types: pgTypes,
    max: 10,
    // A replica that does not answer quickly is skipped for the primary, not waited for.
    connectionTimeoutMillis: 3_000,
    keepAlive: true,
  });
  watchConnections(pool, opts.log);
  const limits: ReplicaLimits = { maxLagSeconds: opts.maxLagSeconds, probeMaxAgeMs: PROBE_MAX_AGE_MS };
  const stats: ReplicaStats = { replica: 0, primary: 0, fallbacks: 0 };
  const listeners: ((now: ReplicaDecision, before: ReplicaDecision) => void)[] = [];
  let lastProbe: ReplicaProbe | null = null;
  let last = decideReads(null, opts.clock.now(), limits);

  const decision = () => decideReads(lastProbe, opts.clock.now(), limits);
  /** Records a probe and tells the listeners when reads change side or reason. */
  const observe = (probe: ReplicaProbe): ReplicaDecision => {
    lastProbe = probe;
    const now = decision();
    const before = last;
    last = now;
    if (now.use !== before.use || now.reason !== before.reason) {
      for (const l of listeners) {
        try {
          l(now, before);
        } catch {
          /* a listener's failure is its own */
        }
      }
    }
    return now;
  };

  const replicaPool = discardingPool(pool);
  const replicaDriver = new PostgresDialect({ pool: replicaPool }).createDriver();
  const primaryDriver = new PostgresDialect({ pool: opts.primary }).createDriver();

  const once = async (driver: Driver, query: CompiledQuery): Promise<QueryResult<unknown>> => {
    const conn = await driver.acquireConnection();
    try {
      return await conn.executeQuery(query);
    } finally {
      await driver.releaseConnection(conn);
    }
  };

  class RoutedConnection implements DatabaseConnection {
    /** The primary's connection while a transaction is open on it. */
    pinned: DatabaseConnection | null = null;
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      if (this.pinned) return this.pinned.executeQuery<R>(query);
      if (decision().use === 'replica') {
        try {
          const r = await once(replicaDriver, query);
          stats.replica++;
          return r as QueryResult<R>;
        } catch (err) {
          if (!isReplicaFailure(err)) throw err;
          stats.fallbacks++;
          const reason = (err as Error).message || String(err);
          opts.log?.warn({ replica: name, reason }, '只读副本查询失败，改读主库 / a query failed on the replica: read from the primary');
          observe({ at: opts.clock.now(), ok: false, reason });
        }
      }
      const r = await once(primaryDriver, query);
      stats.primary++;
      return r as QueryResult<R>;
    }
    // eslint-disable-next-line require-yield
    async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
      throw new Error('streaming is not supported on the read handle: read in pages');
    }
  }

  const pinned = (c: DatabaseConnection) => {
    const p = (c as RoutedConnection).pinned;
    if (!p) throw new Error('no transaction is open on this connection');
    return p;
  };
  const driver: Driver = {
    init: async () => {
      await replicaDriver.init();
      await primaryDriver.init();
    },
    acquireConnection: async () => new RoutedConnection(),
    beginTransaction: async (c: DatabaseConnection, settings: TransactionSettings) => {
      const conn = await primaryDriver.acquireConnection();
      (c as RoutedConnection).pinned = conn;
      await primaryDriver.beginTransaction(conn, settings);
    },
    commitTransaction: (c) => primaryDriver.commitTransaction(pinned(c)),
    rollbackTransaction: (c) => primaryDriver.rollbackTransaction(pinned(c)),
    savepoint: (c, n, compile) => primaryDriver.savepoint!(pinned(c), n, compile),
    rollbackToSavepoint: (c, n, compile) => primaryDriver.rollbackToSavepoint!(pinned(c), n, compile),
    releaseSavepoint: (c, n, compile) => primaryDriver.releaseSavepoint!(pinned(c), n, compile),
    releaseConnection: async (c: DatabaseConnection) => {
      const r = c as RoutedConnection;
      if (r.pinned) {
        const conn = r.pinned;
        r.pinned = null;
        await primaryDriver.releaseConnection(conn);
      }
    },
    // The primary's pool belongs to the primary's handle; only the replica's is ended here.
    destroy: () => replicaDriver.destroy(),
  };
  const dialect: Dialect = {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => driver,
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: (): QueryCompiler => new PostgresQueryCompiler(),
  };
  const read = new Kysely<PlatformTables>({ dialect });
  const name = replicaName(opts.url);

  return {
    name,
    read,
    stats,
    decision,
    async probe() {
      try {
        const client = await pool.connect();
        let row: { in_recovery: boolean; streaming: boolean; replayed_all: boolean; last_replay_at: Date | null; replica_now: Date };
        try {
          row = (await client.query(PROBE_SQL)).rows[0];
        } catch (err) {
          client.release(true);
          throw err;
        }
        client.release();
        return observe({
          at: opts.clock.now(), ok: true, inRecovery: row.in_recovery, streaming: row.streaming, replayedAll: row.replayed_all,
          lastReplayAt: row.last_replay_at, replicaNow: row.replica_now,
        });
      } catch (err) {
        return observe({ at: opts.clock.now(), ok: false, reason: (err as Error).message || String(err) });
      }
    },
    onChange(listener) {
      listeners.push(listener);
    },
    close: () => read.destroy(),
  };
}
