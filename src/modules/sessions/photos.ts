import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit, type AppContext } from '../../platform/context.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { photoDir, photoRefKind, readPhoto, type PhotoType } from '../../platform/photo-store.js';
import { fetchOne, seesPlates, type PhotoSide, type SessionRow } from './records-query.js';
import { parseSessionId } from './records.js';
import { sessionsContext, type SessionsContext } from './repo.js';

/*
 * The entry/exit snapshots (抓拍) of a parking record (docs/decisions/0036-photo-store.md). A
 * photo shows the plate, so it is personal data like the plate: only users with `pii` see it, and
 * every stored image served is audited (`session.read_photo`). An external https URL is handed to
 * the console as it came (in the record's detail, whose unmasked read is audited as
 * `session.read_pii`); the platform never fetches it.
 */

export const READ_PHOTO = 'session.read_photo';

/**
 * A stored snapshot of a record in the actor's scope: 403 without pii, 404 PHOTO_NOT_FOUND when
 * the event carried none, 404 PHOTO_EXTERNAL when it is an external URL (shown by the console
 * itself), 404 PHOTO_GONE when retention deleted it. Audited before the bytes leave.
 */
export async function sessionPhoto(ctx: SessionsContext, actor: Actor, idText: string, side: PhotoSide): Promise<{ bytes: Buffer; contentType: PhotoType }> {
  const id = parseSessionId(idText);
  if (!seesPlates(actor)) throw forbidden('查看抓拍需要权限 pii / viewing snapshots requires the pii permission');
  const row: SessionRow | undefined = await fetchOne(ctx.db, actor, id);
  if (!row) throw notFound(`停车流水 ${id}`);
  const ref = side === 'entry' ? row.entry_photo : row.exit_photo;
  if (ref === null) throw new AppError(404, 'PHOTO_NOT_FOUND', `该流水没有${side === 'entry' ? '入场' : '出场'}抓拍 / no ${side} snapshot`);
  const r = photoRefKind(ref);
  if (r.kind === 'external') throw new AppError(404, 'PHOTO_EXTERNAL', '抓拍在车场系统的地址上，平台不代取 / the snapshot is at the lot system\'s URL, which the platform does not fetch');
  const dir = photoDir(ctx.config);
  const photo = dir ? await readPhoto(dir, r.sha256) : null;
  if (!photo) throw new AppError(404, 'PHOTO_GONE', '抓拍已过保存期限被删除 / the snapshot is past its retention and was deleted');
  await audit(ctx, ctx.db, actor, { action: READ_PHOTO, targetType: 'parking_session', targetId: id, detail: { which: side, sha256: r.sha256 } });
  return photo;
}

/** The stored photos (sha256) the given sessions show: what the photo retention job keeps for open work orders. */
export async function storedPhotosOf(anyCtx: AppContext, sessionIds: readonly number[]): Promise<Set<string>> {
  const out = new Set<string>();
  if (sessionIds.length === 0) return out;
  const ctx = sessionsContext(anyCtx);
  const rows = await ctx.db
    .selectFrom('parking_sessions')
    .select(['entry_photo', 'exit_photo'])
    .where(sql<boolean>`id = any(${sql.val([...sessionIds])}::bigint[])`)
    .where((eb) => eb.or([eb('entry_photo', 'is not', null), eb('exit_photo', 'is not', null)]))
    .execute();
  for (const r of rows) {
    for (const ref of [r.entry_photo, r.exit_photo]) {
      if (ref === null) continue;
      const k = photoRefKind(ref);
      if (k.kind === 'stored') out.add(k.sha256);
    }
  }
  return out;
}
