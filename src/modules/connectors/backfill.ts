import type { Selectable } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest, conflict } from '../../platform/errors.js';
import { rereadProgress } from './plan.js';
import type { ConnectorsContext } from './repo.js';
import { connectorRow } from './service.js';
import type { ConnectorBackfillsTable, Cursor } from './tables.js';

/*
 * "Re-read from cursor X" (docs/数据对接.md §5): the connector's cursor goes back to X and the
 * pull reads forward again; what is already stored comes back as duplicates by event id and
 * changes nothing, what was missing (a source that inserted rows late, a mapping fixed since)
 * is taken. The re-read is done when the cursor is back where it stood when asked, or the source
 * has nothing more. A file drop cannot re-read (its files have moved to done/).
 */

export interface BackfillView {
  id: number;
  fromCursor: Cursor | null;
  untilCursor: Cursor | null;
  position: Cursor | null;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  records: number;
  accepted: number;
  /** Share done when the cursors are numbers; null when it cannot be told. */
  progress: number | null;
  requestedBy: string;
  startedAt: string;
  finishedAt: string | null;
}

const view = (r: Selectable<ConnectorBackfillsTable>): BackfillView => ({
  id: r.id, fromCursor: r.from_cursor, untilCursor: r.until_cursor, position: r.position, status: r.status, records: r.records, accepted: r.accepted,
  progress: r.status === 'done' ? 1 : rereadProgress(r.from_cursor, r.position, r.until_cursor),
  requestedBy: r.requested_by, startedAt: r.started_at.toISOString(), finishedAt: r.finished_at?.toISOString() ?? null,
});

export async function listBackfills(ctx: ConnectorsContext, code: string): Promise<BackfillView[]> {
  const c = await connectorRow(ctx, code);
  const rows = await ctx.db.selectFrom('connector_backfills').selectAll().where('connector_id', '=', c.id).orderBy('id', 'desc').limit(20).execute();
  return rows.map(view);
}

export async function requestBackfill(ctx: ConnectorsContext, actor: Actor, code: string, from: Cursor | null): Promise<BackfillView> {
  const c = await connectorRow(ctx, code);
  if (c.kind === 'file') throw badRequest('BACKFILL_UNSUPPORTED', '文件投递不能重读（文件已移入 done/）；把文件放回目录即可 / a file drop cannot re-read: put the files back into the folder');
  const now = ctx.clock.now();
  const row = await ctx.db.transaction().execute(async (trx) => {
    const running = await trx.selectFrom('connector_backfills').select('id').where('connector_id', '=', c.id).where('status', '=', 'running').executeTakeFirst();
    if (running) throw conflict('BACKFILL_RUNNING', '该连接器已有进行中的重读 / a re-read of this connector is under way');
    const current = await trx.selectFrom('connectors').select('cursor').where('id', '=', c.id).forUpdate().executeTakeFirstOrThrow();
    const inserted = await trx.insertInto('connector_backfills').values({
      connector_id: c.id, from_cursor: from === null ? null : JSON.stringify(from), until_cursor: current.cursor === null ? null : JSON.stringify(current.cursor),
      position: from === null ? null : JSON.stringify(from), requested_by: actor.username, started_at: now, error: null, finished_at: null,
    }).returningAll().executeTakeFirstOrThrow();
    await trx.updateTable('connectors').set({ cursor: from === null ? null : JSON.stringify(from), updated_at: now, updated_by: actor.username }).where('id', '=', c.id).execute();
    await trx.updateTable('connector_health').set({ next_pull_at: null }).where('connector_id', '=', c.id).execute();
    await audit(ctx, trx, actor, { action: 'connector.backfill', targetType: 'connector', targetId: code, detail: { from, until: current.cursor } });
    return inserted;
  });
  return view(row);
}
