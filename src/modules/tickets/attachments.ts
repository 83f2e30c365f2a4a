import { createHash } from 'node:crypto';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { AppError, badRequest, notFound } from '../../platform/errors.js';
import { recordEvent } from './history.js';
import { findTicket, lockTicket, type TicketsContext, type TicketsDb } from './repo.js';
import { requireHandler, type AttachmentView } from './tickets.js';

/*
 * Attachments (photos of a receipt, a screenshot of a payment) are kept in the database as bytea,
 * at most 10 MB each, so that a backup of the database is a backup of the tickets. Downloads
 * are audited: attachments often show plates and faces.
 */

export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

const SAFE_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

function cleanName(name: string): string {
  // Path parts and control characters never make it into a stored name.
  const base = name.replace(/\\/g, '/').split('/').pop() ?? '';
  const clean = [...base].filter((c) => c.charCodeAt(0) >= 0x20 && c !== '\u007f' && c !== '"').join('').trim().slice(0, 200);
  return clean || 'attachment';
}

export async function addAttachment(ctx: TicketsContext, actor: Actor, id: number, file: { fileName: string; contentType: string; data: Buffer }): Promise<AttachmentView> {
  requireHandler(actor);
  if (file.data.length > MAX_ATTACHMENT_BYTES) throw new AppError(413, 'ATTACHMENT_TOO_LARGE', '附件不能超过 10 MB / an attachment may be at most 10 MB');
  return ctx.db.transaction().execute(async (trx) => storeAttachment(ctx, trx, actor, await lockTicket(trx, actor, id), file));
}

/** Stores a file on a ticket locked by the caller, with its history line and audit. */
export async function storeAttachment(ctx: TicketsContext, trx: TicketsDb, actor: Actor, ticket: { id: number; no: string }, file: { fileName: string; contentType: string; data: Buffer }): Promise<AttachmentView> {
  if (file.data.length === 0) throw badRequest('EMPTY_FILE', '附件为空 / the file is empty');
  const fileName = cleanName(file.fileName);
  const contentType = SAFE_TYPE.test(file.contentType) ? file.contentType.toLowerCase() : 'application/octet-stream';
  const sha256 = createHash('sha256').update(file.data).digest('hex');
  const now = ctx.clock.now();
  const id = ticket.id;
  const row = await trx.insertInto('ticket_attachments').values({
    ticket_id: id, file_name: fileName, content_type: contentType, size_bytes: file.data.length, sha256, content: file.data, uploaded_by: actor.username, created_at: now,
  }).returning(['id', 'created_at']).executeTakeFirstOrThrow();
  await recordEvent(trx, id, actor, now, { kind: 'attachment', newValue: fileName, note: `${file.data.length} bytes` });
  await trx.updateTable('tickets').set({ updated_at: now }).where('id', '=', id).execute();
  await audit(ctx, trx, actor, { action: 'ticket.attachment.add', targetType: 'ticket', targetId: id, detail: { no: ticket.no, attachmentId: Number(row.id), fileName, contentType, size: file.data.length, sha256 } });
  return { id: Number(row.id), ticketId: id, fileName, contentType, sizeBytes: file.data.length, sha256, uploadedBy: actor.username, createdAt: row.created_at.toISOString() };
}

/**
 * One attachment's bytes. It belongs to the ticket or to a duplicate merged into it (the
 * primary's page lists both); the ticket must be visible to the actor. Audited.
 */
export async function readAttachment(ctx: TicketsContext, actor: Actor, ticketId: number, attachmentId: number): Promise<{ fileName: string; contentType: string; data: Buffer }> {
  const ticket = await findTicket(ctx.db, actor, ticketId);
  const row = await ctx.db.selectFrom('ticket_attachments').innerJoin('tickets', 'tickets.id', 'ticket_attachments.ticket_id')
    .select(['ticket_attachments.id', 'ticket_attachments.file_name', 'ticket_attachments.content_type', 'ticket_attachments.content', 'ticket_attachments.size_bytes'])
    .where('ticket_attachments.id', '=', attachmentId)
    .where((eb) => eb.or([eb('tickets.id', '=', ticketId), eb('tickets.merged_into', '=', ticketId)]))
    .executeTakeFirst();
  if (!row) throw notFound(`附件 ${attachmentId}`);
  await audit(ctx, ctx.db, actor, { action: 'ticket.attachment.download', targetType: 'ticket', targetId: ticketId, detail: { no: ticket.no, attachmentId, fileName: row.file_name, size: row.size_bytes } });
  return { fileName: row.file_name, contentType: row.content_type, data: Buffer.from(row.content) };
}
