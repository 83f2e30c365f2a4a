import { createHash, randomBytes } from 'node:crypto';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { recordEvent } from './history.js';
import { findTicket, type TicketsContext, type TicketsDb } from './repo.js';
import { requireHandler } from './tickets.js';

/*
 * A citizen's personal link to a ticket (/h5/t/<token>). The token is 24 random bytes; only its
 * SHA-256 is stored, so a database copy cannot be turned into links and staff cannot read one
 * back — the citizen sees it once, and staff who must send it again regenerate it (the old link
 * stops working).
 */

const TOKEN_FORMAT = /^[A-Za-z0-9_-]{32}$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function citizenPath(token: string): string {
  return `/h5/t/${token}`;
}

/** The link as the citizen should open it: absolute when the public address is configured. */
export function citizenUrl(ctx: TicketsContext, token: string): string {
  return `${ctx.config.publicUrl ?? ''}${citizenPath(token)}`;
}

/** Issues a new token for the ticket, replacing any earlier one; returns the token (never stored). */
export async function issueCitizenToken(ctx: TicketsContext, trx: TicketsDb, ticketId: number, createdBy: string): Promise<string> {
  const token = randomBytes(24).toString('base64url');
  const row = { ticket_id: ticketId, token_hash: hashToken(token), created_by: createdBy, created_at: ctx.clock.now() };
  await trx.insertInto('ticket_citizen_links').values(row)
    .onConflict((oc) => oc.column('ticket_id').doUpdateSet({ token_hash: row.token_hash, created_by: row.created_by, created_at: row.created_at }))
    .execute();
  return token;
}

/** The ticket id behind a token, or null (malformed or unknown tokens are the same: not found). */
export async function ticketIdOfToken(db: TicketsDb, token: string): Promise<number | null> {
  if (!TOKEN_FORMAT.test(token)) return null;
  const row = await db.selectFrom('ticket_citizen_links').select('ticket_id').where('token_hash', '=', hashToken(token)).executeTakeFirst();
  return row ? Number(row.ticket_id) : null;
}

/** Staff (ops) make a new citizen link for a ticket, e.g. to send it by SMS again; the old one stops working. */
export async function regenerateCitizenLink(ctx: TicketsContext, actor: Actor, id: number): Promise<{ ticketNo: string; statusUrl: string; createdAt: string }> {
  requireHandler(actor);
  const ticket = await findTicket(ctx.db, actor, id); // 404 for other districts' tickets
  const now = ctx.clock.now();
  const token = await ctx.db.transaction().execute(async (trx) => {
    const replaced = await trx.selectFrom('ticket_citizen_links').select('ticket_id').where('ticket_id', '=', id).executeTakeFirst();
    const t = await issueCitizenToken(ctx, trx, id, actor.username);
    await recordEvent(trx, id, actor, now, { kind: 'citizen', note: replaced ? '重新生成市民链接（旧链接失效）' : '生成市民链接' });
    await audit(ctx, trx, actor, { action: 'ticket.citizen_link', targetType: 'ticket', targetId: id, detail: { no: ticket.no, replaced: !!replaced } });
    return t;
  });
  return { ticketNo: ticket.no, statusUrl: citizenUrl(ctx, token), createdAt: now.toISOString() };
}
