import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import { isDatabaseUnavailable } from '../platform/errors.js';
import { PGliteDialect } from './pglite-dialect.js';
import type { PlatformTables } from '../platform/db.js';

export type DbKind = 'pglite' | 'postgres';

export interface Database {
  kind: DbKind;
  /** Sees the platform's tables; the app root widens it to the whole database (src/schema.ts). */
  kysely: Kysely<PlatformTables>;
  close(): Promise<void>;
  /** PostgreSQL's connection pool use (GET /metrics); absent for PGlite, which has no pool. */
  poolStats?: () => { total: number; idle: number; waiting: number };
  /** PostgreSQL: the address it was opened with (the server's own backups hand it to pg_dump). */
  url?: string;
  /**
   * PGlite: the embedded database itself, for the server's own backups (src/db/backup/backup.ts
   * `createBackupOf`, which holds the one connection while it dumps). Nothing else uses it.
   */
  pglite?: PGlite;
}

const DATE_OID = 1082;
const INT8_OID = 20;

/*
 * Both drivers return the same JavaScript values: `date` stays a 'YYYY-MM-DD' string (a
 * Shanghai calendar day must not become a UTC midnight), int8 becomes a number (ids and
 * counts stay far below 2^53).
 */
const pgTypes = {
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

/** Opens PostgreSQL when a URL is given, else PGlite in `dataDir` (or in memory for `memory://`). */
export async function openDatabase(opts: { databaseUrl: string | null; dataDir: string; log?: DatabaseLog }): Promise<Database> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      types: pgTypes,
      max: 10,
      // A server that does not answer must not hold a request forever: it becomes a 503.
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    watchConnections(pool, opts.log);
    // Fail at start with the real reason (wrong host, missing database), not at the first request.
    const client = await pool.connect();
    client.release();
    const kysely = new Kysely<PlatformTables>({ dialect: new PostgresDialect({ pool: discardingPool(pool) }) });
    return { kind: 'postgres', url: opts.databaseUrl, kysely, close: () => kysely.destroy(), poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }) };
  }
  const memory = opts.dataDir === 'memory://';
  if (!memory) {
    // Files PGlite writes from now on are the service user's only; what it wrote before, and
    // what its initdb sets to 0666 itself, is tightened once it is open.
    restrictUmask();
    privateDir(opts.dataDir);
  }
  const pglite = await PGlite.create(memory ? undefined : opts.dataDir, {
    parsers: { [pgliteTypes.DATE]: (v: string) => v },
  });
  if (!memory) restrictTree(opts.dataDir);
  const kysely = new Kysely<PlatformTables>({ dialect: new PGliteDialect(pglite) });
  return { kind: 'pglite', pglite, kysely, close: () => kysely.destroy() };
}

/**
 * The process umask keeps group and other bits off every file created from now on (the
 * embedded database writes its files for as long as it runs). Unsupported in worker threads,
 * where `restrictTree` at open is what remains.
 */
export function restrictUmask(): void {
  try {
    process.umask(process.umask() | 0o077);
  } catch {
    /* worker thread */
  }
}

/** Creates `dir` (and missing parents) as 0700, or takes group and other bits off an existing one. */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mode = lstatSync(dir).mode & 0o777;
  if (mode & 0o077) chmodSync(dir, mode & 0o700);
}

/** Takes group and other bits off everything under `dir` (symbolic links are left alone). */
export function restrictTree(dir: string): void {
  const visit = (p: string) => {
    const s = lstatSync(p);
    if (s.isSymbolicLink()) return;
    if (s.mode & 0o077) chmodSync(p, s.mode & 0o700);
    if (s.isDirectory()) for (const name of readdirSync(p)) visit(path.join(p, name));
  };
  visit(dir);
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
function watchConnections(pool: pg.Pool, log?: DatabaseLog): void {
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
function discardingPool(pool: pg.Pool): PostgresPool {
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
