import { sql } from 'kysely';
import { AppError } from '../../platform/errors.js';
import { deletePhoto, photoDir, photoRef, sniffImage, writePhoto, type PhotoType } from '../../platform/photo-store.js';
import type { AppContext } from '../../platform/context.js';
import { expiredPhotos, photoCutoff } from './photo-retention.js';
import { ingestContext, type IngestContext } from './repo.js';

/*
 * The photo store's writes (docs/decisions/0036-photo-store.md, docs/接入规范.md §6.7): a data
 * source's signed upload of an entry/exit snapshot, stored by content, and the retention job.
 */

export const PHOTO_RETENTION_JOB = 'ingest.photo-retention';
const PRUNE_BATCH = 1_000;

export interface StoredPhotoReply {
  ref: string;
  sha256: string;
  contentType: PhotoType;
  bytes: number;
}

/** Declared types the upload takes; octet-stream means "whatever the bytes are" (JPEG or PNG). */
export const UPLOAD_TYPES = ['image/jpeg', 'image/png', 'application/octet-stream'] as const;

function storeDir(ctx: IngestContext): string {
  const dir = photoDir(ctx.config);
  if (!dir) throw new AppError(503, 'PHOTO_STORE_OFF', '未配置抓拍存储目录（ZHIBO_PHOTO_DIR） / no photo directory configured (ZHIBO_PHOTO_DIR)');
  return dir;
}

/**
 * Stores one image a source uploaded (its signature already checked): JPEG or PNG by its first
 * bytes, agreeing with the declared type, else 415 PHOTO_NOT_IMAGE. The same bytes again are the
 * same reference; their upload time moves on (retention counts from the last upload).
 */
export async function storeUploadedPhoto(ctx: IngestContext, sourceCode: string, bytes: Buffer, declaredType: string | undefined): Promise<StoredPhotoReply> {
  const contentType = sniffImage(bytes);
  const declared = (declaredType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!contentType) throw new AppError(415, 'PHOTO_NOT_IMAGE', '只接受 JPEG 或 PNG 图片 / only JPEG or PNG images are accepted');
  if (declared !== 'application/octet-stream' && declared !== contentType) {
    throw new AppError(415, 'PHOTO_NOT_IMAGE', `图片内容为 ${contentType}，与 Content-Type ${declared} 不符 / the bytes are ${contentType}, not ${declared}`);
  }
  const sha256 = await writePhoto(storeDir(ctx), bytes);
  const now = ctx.clock.now();
  await ctx.db
    .insertInto('ingest_photos')
    .values({ sha256, source_code: sourceCode, content_type: contentType, bytes: bytes.length, stored_at: now })
    .onConflict((oc) => oc.column('sha256').doUpdateSet({ source_code: sourceCode, stored_at: sql`greatest(ingest_photos.stored_at, excluded.stored_at)` }))
    .execute();
  return { ref: photoRef(sha256), sha256, contentType, bytes: bytes.length };
}

/**
 * Deletes the stored photos past ZHIBO_PHOTO_RETENTION_DAYS that `kept` does not name (the
 * photos of records open work orders point at; the app root gathers them, src/jobs.ts): the file
 * first, then its row, so a crash in between leaves a row whose file a later run deletes again.
 */
export async function prunePhotos(anyCtx: AppContext, kept: ReadonlySet<string>): Promise<{ deleted: number; kept: number }> {
  const ctx = ingestContext(anyCtx);
  const dir = photoDir(ctx.config);
  if (!dir) return { deleted: 0, kept: 0 };
  const now = ctx.clock.now();
  const days = ctx.config.photoRetentionDays ?? 180;
  let deleted = 0, keptCount = 0;
  let after = '';
  for (;;) {
    const rows = await ctx.db
      .selectFrom('ingest_photos')
      .select(['sha256', 'stored_at'])
      .where('stored_at', '<', photoCutoff(now, days))
      .where('sha256', '>', after)
      .orderBy('sha256')
      .limit(PRUNE_BATCH)
      .execute();
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.sha256;
    const gone = expiredPhotos(rows.map((r) => ({ sha256: r.sha256, storedAt: r.stored_at })), now, days, kept);
    keptCount += rows.length - gone.length;
    for (const sha of gone) await deletePhoto(dir, sha);
    if (gone.length) {
      await ctx.db.deleteFrom('ingest_photos').where('sha256', 'in', gone).where('stored_at', '<', photoCutoff(now, days)).execute();
    }
    deleted += gone.length;
  }
  return { deleted, kept: keptCount };
}
