import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { copyOutOf } from './copy-out.js';
import { discardingPool, pgTypes, watchConnections, type DatabaseLog } from './pg-pool.js';
import { PGliteDialect } from './pglite-dialect.js';
import { initInChild, needsInit } from './pglite-init.js';
import { openReplica, type ReadReplica } from './replica.js';
import { systemClock, type Clock } from '../platform/clock.js';
import type { CopyOut } from '../platform/copy-text.js';
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
  /**
   * PostgreSQL with ZHIBO_DATABASE_REPLICA_URL: the read replica and its routed handle
   * (src/db/replica.ts); modules reach it through `readDb(ctx)` (src/platform/read-db.ts).
   */
  replica?: ReadReplica;
  /**
   * PostgreSQL: `COPY (select …) TO STDOUT` streamed on a connection of the primary's pool
   * (src/db/copy-out.ts; the monthly archive file, decision 0032). Absent for PGlite.
   */
  copyOut?: CopyOut;
}

export type { DatabaseLog };

/** PGlite's shared buffers (see openDatabase). */
export const PGLITE_SHARED_BUFFERS = '64MB';

/** Opens PostgreSQL when a URL is given, else PGlite in `dataDir` (or in memory for `memory://`). */
export async function openDatabase(opts: {
  databaseUrl: string | null;
  dataDir: string;
  log?: DatabaseLog;
  /** A streaming replica of `databaseUrl` for heavy reads (PostgreSQL only). */
  replica?: { url: string; maxLagSeconds: number; clock?: Clock } | null;
}): Promise<Database> {
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
    const primary = discardingPool(pool);
    const kysely = new Kysely<PlatformTables>({ dialect: new PostgresDialect({ pool: primary }) });
    const poolStats = () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount });
    const copyOut = copyOutOf(pool);
    if (!opts.replica) return { kind: 'postgres', url: opts.databaseUrl, kysely, close: () => kysely.destroy(), poolStats, copyOut };
    // The replica may be down at start: reads stay on the primary until a probe finds it well.
    const replica = openReplica({ url: opts.replica.url, primary, clock: opts.replica.clock ?? systemClock, maxLagSeconds: opts.replica.maxLagSeconds, log: opts.log });
    await replica.probe();
    const close = async () => {
      await replica.close();
      await kysely.destroy();
    };
    return { kind: 'postgres', url: opts.databaseUrl, kysely, close, poolStats, replica, copyOut };
  }
  const memory = opts.dataDir === 'memory://';
  if (!memory) {
    // Files PGlite writes from now on are the service user's only; what it wrote before, and
    // what its initdb sets to 0666 itself, is tightened once it is open.
    restrictUmask();
    privateDir(opts.dataDir);
    if (needsInit(opts.dataDir)) await initInChild(opts.dataDir);
  }
  const pglite = await PGlite.create(memory ? undefined : opts.dataDir, {
    // PGlite's own start parameters, with 64 MB of shared buffers instead of PostgreSQL's 128 MB:
    // the files stay in the operating system's cache, and the process keeps 120 MB less
    // (docs/performance.md, Ingest: peak RSS).
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
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
