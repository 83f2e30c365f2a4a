import { systemActor } from '../../platform/auth/permissions.js';
import { AppError, notFound } from '../../platform/errors.js';
import { storeAttachment } from './attachments.js';
import { ticketIdOfToken } from './citizen-links.js';
import { CITIZEN_ACTOR } from './public-complaints.js';
import type { TicketState } from './vocab.js';
import type { TicketsContext } from './repo.js';

/*
 * Photos a citizen adds to a complaint with the personal link (市民投诉 H5; docs/公众服务接口.md):
 * JPEG, PNG or WebP judged by their first bytes (not by the name or the declared type), at most
 * 5 MB each and 3 per ticket, kept like staff attachments (in the database, with the ticket, so a
 * database backup holds them; downloads by staff are audited) and marked as the citizen's.
 */

export const CITIZEN_PHOTO_BYTES = 5 * 1024 * 1024;
export const CITIZEN_PHOTOS_PER_TICKET = 3;

/** The image type from the file's first bytes, or null when it is none of JPEG, PNG, WebP. */
export function photoType(data: Buffer): 'image/jpeg' | 'image/png' | 'image/webp' | null {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return null;
}

/** States in which the complaint is over: no more photos. */
const CLOSED: readonly TicketState[] = ['confirmed', 'closed'];

const EXTENSION = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' } as const;

export async function addCitizenPhoto(ctx: TicketsContext, token: string, data: Buffer, ip: string | null) {
  const type = photoType(data);
  if (!type) throw new AppError(415, 'UNSUPPORTED_PHOTO', '只能上传 JPG、PNG 或 WebP 图片 / photos must be JPEG, PNG or WebP');
  const id = await ticketIdOfToken(ctx.db, token);
  if (id === null) throw notFound('投诉链接 / complaint link');
  const actor = { ...systemActor(CITIZEN_ACTOR), ip };
  return ctx.db.transaction().execute(async (trx) => {
    const ticket = await trx.selectFrom('tickets').select(['id', 'no', 'state']).where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
    if (CLOSED.includes(ticket.state)) throw new AppError(409, 'TICKET_CLOSED', '工单已办结，不能再添加照片 / the ticket is closed');
    const { n } = await trx.selectFrom('ticket_attachments').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('ticket_id', '=', id).where('uploaded_by', '=', CITIZEN_ACTOR).executeTakeFirstOrThrow();
    const count = Number(n);
    if (count >= CITIZEN_PHOTOS_PER_TICKET) throw new AppError(409, 'TOO_MANY_PHOTOS', `每件投诉最多 ${CITIZEN_PHOTOS_PER_TICKET} 张照片 / at most ${CITIZEN_PHOTOS_PER_TICKET} photos a complaint`);
    // The stored name says what it is; the phone's own file name (often a date and place) is not kept.
    const view = await storeAttachment(ctx, trx, actor, { id: Number(ticket.id), no: ticket.no }, { fileName: `市民照片-${count + 1}.${EXTENSION[type]}`, contentType: type, data });
    return { fileName: view.fileName, contentType: view.contentType, sizeBytes: view.sizeBytes, photos: count + 1 };
  });
}
