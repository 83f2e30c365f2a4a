import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { CopyOut } from '../platform/copy-text.js';

/*
 * PostgreSQL's `COPY (select …) TO STDOUT` as a stream of rows (pg-copy-streams; decision 0032's
 * addendum, docs/decisions/0032-archive-by-batched-delete.md): one statement that the server
 * streams as fast as the reader takes it, instead of a query per page. PostgreSQL only: PGlite
 * has no COPY to a client, and callers keep a paged path for it. Modules reach it as
 * `ctx.database.copyOut` and read its rows with src/platform/copy-text.ts.
 */

export function copyOutOf(pool: pg.Pool): CopyOut {
  return async function* copyOut(statement: string) {
    const client = await pool.connect();
    let finished = false;
    try {
      const stream = client.query(copyTo(statement));
      for await (const chunk of stream) yield chunk as Buffer;
      finished = true;
    } finally {
      // A copy stopped halfway (an error, or a reader that left early) leaves the connection mid-protocol: discard it.
      client.release(!finished);
    }
  };
}
