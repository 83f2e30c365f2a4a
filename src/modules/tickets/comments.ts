import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest, forbidden } from '../../platform/errors.js';
import { queueCallbacks } from './callbacks.js';
import { lockTicket, type TicketsContext } from './repo.js';
import { canHandle, isSupervisor } from './state-machine.js';
import { respond } from './ticket-sla.js';
import { assertOpenForChange, type CommentView } from './tickets.js';
import type { CommentVisibility } from './tables.js';

/**
 * A public reply (答复, reaches the citizen and the originating channel, and counts as the first
 * response) or an internal note (内部备注, staff only). Supervisors may add internal notes;
 * replies are the handlers' (ops). Internal notes may still be added to a closed ticket.
 */
export async function addComment(ctx: TicketsContext, actor: Actor, id: number, input: { visibility: string; body: string }): Promise<CommentView> {
  if (input.visibility !== 'public' && input.visibility !== 'internal') throw badRequest('INVALID_VISIBILITY', 'visibility 应为 public 或 internal / visibility must be public or internal');
  const visibility = input.visibility as CommentVisibility;
  if (visibility === 'public' ? !canHandle(actor) : !canHandle(actor) && !isSupervisor(actor)) throw forbidden('需要权限 ops / requires permission ops');
  const body = typeof input.body === 'string' ? input.body.trim() : '';
  if (!body || body.length > 5000) throw badRequest('INVALID_FIELD', '内容须为 1–5000 个字符 / body: 1–5000 characters');
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const ticket = await lockTicket(trx, actor, id);
    if (visibility === 'public') assertOpenForChange(ticket);
    const row = await trx.insertInto('ticket_comments').values({ ticket_id: id, visibility, body, author: actor.username, created_at: now }).returningAll().executeTakeFirstOrThrow();
    if (visibility === 'public') {
      await respond(ctx, trx, ticket, now);
      if (ticket.first_response_at === null) await trx.updateTable('tickets').set({ first_response_at: now }).where('id', '=', id).execute();
      await queueCallbacks(trx, ticket, 'ticket.replied', { state: ticket.state, reply: body }, now);
    }
    await trx.updateTable('tickets').set({ updated_at: now }).where('id', '=', id).execute();
    await audit(ctx, trx, actor, { action: 'ticket.comment', targetType: 'ticket', targetId: id, detail: { no: ticket.no, commentId: Number(row.id), visibility, length: body.length } });
    return { id: Number(row.id), ticketId: id, ticketNo: ticket.no, visibility, body, author: row.author, createdAt: row.created_at.toISOString() };
  });
}
