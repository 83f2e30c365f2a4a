import type { Actor } from '../../platform/auth/permissions.js';
import type { AppContext } from '../../platform/context.js';
import { recentMonths, type CatalogueEntry, type CatalogueWindow } from '../../platform/report-catalogue.js';
import { scopeOf, sharingContext } from './repo.js';

/**
 * The owners' monthly statements (共享单位月度结算单) the bureau confirmed, for the report centre:
 * archived with who confirmed them. City-wide figures, so not offered to district users; an
 * owner's account sees its own.
 */
export async function reportCatalogue(root: AppContext, actor: Actor, w: CatalogueWindow): Promise<CatalogueEntry[]> {
  if (actor.districtCode !== null || (!actor.permissions.has('registry:read') && actor.role !== 'share_owner')) return [];
  const ctx = sharingContext(root);
  const scope = await scopeOf(ctx.db, actor);
  const months = recentMonths(w.now, w.months);
  const rows = await ctx.db.selectFrom('sharing_statements as s').innerJoin('sharing_owners as o', 'o.id', 's.owner_id')
    .select(['s.month', 's.confirmed_at', 's.confirmed_by', 'o.code', 'o.name'])
    .where('s.month', 'in', months)
    .$if(scope.ownerId !== null, (q) => q.where('s.owner_id', '=', scope.ownerId!))
    .orderBy('s.month', 'desc').orderBy('o.code').execute();
  return rows.map((r) => ({
    kind: 'sharing_statement', kindName: '共享单位月度结算单', title: `共享单位月度结算单：${r.name} ${r.month}`, period: r.month, version: null, state: 'approved',
    generatedBy: r.confirmed_by, generatedAt: r.confirmed_at, approvedBy: r.confirmed_by,
    downloadPath: `/api/v1/sharing/statements?month=${r.month}&ownerCode=${encodeURIComponent(r.code)}`, formats: ['xlsx'], districtCode: null,
  }));
}
