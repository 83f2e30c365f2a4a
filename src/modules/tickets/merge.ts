import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { AppError, badRequest } from '../../platform/errors.js';
import { queueCallbacks } from './callbacks.js';
import { recordEvent } from './history.js';
import { lockTicket, type TicketsContext } from './repo.js';
import { cancelTicketClocks } from './ticket-sla.js';
import { detailOf, requireHandler, type TicketDetail } from './tickets.js';
import { TERMINAL_STATES } from './vocab.js';

/**
 * Merges a duplicate into the primary ticket (as Zammad and GLPI do): the duplicate is closed as
 * merged (`merged_into`), its clocks are cancelled, and its comments, attachments and links stay
 * where they are; the primary shows them with its own. The duplicate's channel is told now, and
 * again on every later state change of the primary. Duplicates already merged into the
 * duplicate move to the primary, so merges never chain.
 */
export async function mergeTicket(ctx: TicketsContext, actor: Actor, duplicateId: number, primaryId: number, note: string | null): Promise<TicketDetail> {
  requireHandler(actor);
  if (duplicateId === primaryId) throw badRequest('MERGE_SELF', '不能合并到自身 / a ticket cannot be merged into itself');
  if (note && note.length > 2000) throw badRequest('INVALID_FIELD', 'note 最长 2000 个字符 / note: at most 2000 characters');
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    // Lock in id order: two merges of the same pair in opposite directions cannot deadlock.
    const [first, second] = duplicateId < primaryId ? [duplicateId, primaryId] : [primaryId, duplicateId];
    const a = await lockTicket(trx, actor, first);
    const b = await lockTicket(trx, actor, second);
    const duplicate = Number(a.id) === duplicateId ? a : b;
    const primary = Number(a.id) === primaryId ? a : b;
    if ((TERMINAL_STATES as readonly string[]).includes(duplicate.state)) {
      throw new AppError(409, 'TICKET_CLOSED', `工单 ${duplicate.no} 已${duplicate.state === 'cancelled' ? '撤销' : '关闭'}，不能合并 / ticket ${duplicate.no} is ${duplicate.state}`);
    }
    if ((TERMINAL_STATES as readonly string[]).includes(primary.state)) {
      throw new AppError(409, 'MERGE_TARGET_CLOSED', `目标工单 ${primary.no} 已结束，不能合并进去 / the primary ticket ${primary.no} is ${primary.state}`);
    }
    const merged = await trx.updateTable('tickets')
      .set({ state: 'closed', merged_into: primaryId, closed_at: now, updated_at: now })
      .where('id', '=', duplicateId).returningAll().executeTakeFirstOrThrow();
    const moved = await trx.updateTable('tickets').set({ merged_into: primaryId, updated_at: now }).where('merged_into', '=', duplicateId).returning(['id', 'no']).execute();
    await cancelTicketClocks(ctx, trx, duplicateId, now, `merged into ${primary.no}`);
    await recordEvent(trx, duplicateId, actor, now, { kind: 'merged_into', fromState: duplicate.state, toState: 'closed', newValue: primary.no, note });
    await recordEvent(trx, primaryId, actor, now, { kind: 'merge', newValue: duplicate.no, note });
    for (const m of moved) await recordEvent(trx, primaryId, actor, now, { kind: 'merge', newValue: m.no, note: `经 ${duplicate.no} 合并` });
    await trx.updateTable('tickets').set({ updated_at: now }).where('id', '=', primaryId).execute();
    await queueCallbacks(trx, merged, 'ticket.state_changed', { state: 'closed', previousState: duplicate.state, mergedInto: primary.no }, now);
    await audit(ctx, trx, actor, {
      action: 'ticket.merge', targetType: 'ticket', targetId: duplicateId,
      detail: { duplicate: duplicate.no, primary: primary.no, primaryId, moved: moved.map((m) => m.no), ...(note ? { note } : {}) },
    });
    return detailOf(ctx, trx, actor, primary);
  });
}
