import type { AppContext } from '../context.js';

export interface AuditQuery {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: string;
  to?: string;
  beforeId?: number;
  limit?: number;
}

/** The audit rows matching the filters of `q` (actor, action prefix, target, period), unordered. */
export function filteredAudit(ctx: AppContext, q: Omit<AuditQuery, 'beforeId' | 'limit'>) {
  return ctx.db
    .selectFrom('audit_log')
    .selectAll()
    .$if(!!q.actor, (qb) => qb.where('actor', '=', q.actor!))
    .$if(!!q.action, (qb) => qb.where('action', 'like', `${q.action!}%`))
    .$if(!!q.targetType, (qb) => qb.where('target_type', '=', q.targetType!))
    .$if(!!q.targetId, (qb) => qb.where('target_id', '=', q.targetId!))
    .$if(!!q.from, (qb) => qb.where('at', '>=', new Date(q.from!)))
    .$if(!!q.to, (qb) => qb.where('at', '<', new Date(q.to!)));
}

/** Newest first, keyset-paged by id. */
export async function listAudit(ctx: AppContext, q: AuditQuery) {
  const limit = Math.min(q.limit ?? 50, 500);
  const rows = await filteredAudit(ctx, q)
    .$if(!!q.beforeId, (qb) => qb.where('id', '<', q.beforeId!))
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  return {
    items: page.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      actor: r.actor,
      actorRole: r.actor_role,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      ip: r.ip,
      outcome: r.outcome,
      detail: r.detail,
    })),
    nextCursor: rows.length > limit ? String(page[page.length - 1]!.id) : null,
  };
}
