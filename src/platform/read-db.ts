import type { AppContext } from './context.js';
import type { Db } from './db.js';

/*
 * The handle for heavy reads: analytics queries, exports, reports and the public service's
 * availability (docs/decisions/0031-read-replica.md). With a read replica configured
 * (ZHIBO_DATABASE_REPLICA_URL) its queries run there while the replica answers and is fresh, and
 * on the primary otherwise, each query falling back by itself (src/db/replica.ts); without one it
 * is `ctx.db`. Writes, and reads that must see what the same request or the one before it wrote
 * (read-your-writes: a detail page after a save, a list after an import), use `ctx.db`.
 */
export function readDb<T>(ctx: AppContext<T>): Db<T> {
  const replica = ctx.database.replica;
  return replica ? (replica.read as unknown as Db<T>) : ctx.db;
}

/**
 * The same context with `db` the read handle: for a report or an export whose every query is a
 * read that need not see the request's own writes. Its audit row, or anything else it writes,
 * goes through the original context's `ctx.db` (a write on the replica fails).
 */
export function readContext<T>(ctx: AppContext<T>): AppContext<T> {
  return ctx.database.replica ? { ...ctx, db: readDb(ctx) } : ctx;
}
