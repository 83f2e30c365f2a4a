import pg from 'pg';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { isDatabaseUnavailable } from '../platform/errors.js';

/*
 * PostgreSQL connection pools as the app uses them (src/db/database.ts for the primary,
 * src/db/replica.ts for the read replica): the same value parsers, connections watched for loss,
 * and lost clients never handed out again.
 */

const DATE_OID = 1082;
const INT8_OID = 20;

/*
 * Both drivers return the same JavaScript values: `date` stays a 'YYYY-MM-DD' string (a
 * Shanghai calendar day must not become a UTC midnight), int8 becomes a number (ids and
 * counts stay far below 2^53).
 */
export const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === DATE_OID) return (v: string) => v;
    if (oid === INT8_OID) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** Where lost connections are reported (the runtime's logger); silent when not given. */
export interface DatabaseLog {
  warn(obj: object, msg: string): void;
}

/** Clients whose connection was lost (terminated, reset, server gone): never handed out again. */
const lostClients = new WeakSet<pg.PoolClient>();

/**
 * A PostgreSQL connection can drop at any time (restart, failover, pg_terminate_backend,
 * network). `pg` then emits 'error' on the client, and an 'error' event nobody listens to
 * ends the process. The pool listens only while a client is idle, so every client gets a
 * listener of its own for its whole life, in use or not: the query in flight fails with the
 * error (the request answers 503, docs/architecture.md "Errors") and the client is discarded
 * when it is released.
 */
export function watchConnections(pool: pg.Pool, log?: DatabaseLog): void {
  pool.on('connect', (client) => {
    client.on('error', (err: Error & { code?: string }) => {
      lostClients.add(client);
      log?.warn({ code: err.code, reason: err.message }, '数据库连接中断 / database connection lost');
    });
  });
  pool.on('error', () => {
    /* an idle client was lost: the pool has removed it already, and its own listener logged it */
  });
}

/**
 * The pool as Kysely sees it. Kysely releases a client after use without saying whether its
 * connection broke (it does only when a rollback fails), and a client whose query failed
 * because the connection dropped may not have seen its socket close yet: such a client is
 * destroyed on release instead of going back to the pool, where the next request would get it.
 */
export function discardingPool(pool: pg.Pool): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      const query = async (text: string, params: readonly unknown[]) => {
        try {
          return await client.query(text, params as unknown[]);
        } catch (err) {
          if (isDatabaseUnavailable(err)) lostClients.add(client);
          throw err;
        }
      };
      return {
        query: query as unknown as PostgresPoolClient['query'],
        release: (destroy?: boolean) => client.release(destroy || lostClients.has(client) ? true : undefined),
      };
    },
    end: () => pool.end(),
  };
}
