import type { Actor } from '../../platform/auth/permissions.js';
import { can } from '../../platform/auth/permissions.js';
import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import { recentMonths, type CatalogueEntry, type CatalogueWindow } from '../../platform/report-catalogue.js';
import { paymentsContext } from './repo.js';

/** The payment reconciliation reports (支付对账日报) of recent months, archived per imported bill, for payments:read (city-wide). */
export async function reportCatalogue(root: AppContext, actor: Actor, w: CatalogueWindow): Promise<CatalogueEntry[]> {
  if (!can(actor, 'payments:read') || actor.districtCode !== null) return [];
  const ctx = paymentsContext(root);
  const oldest = recentMonths(w.now, w.months).at(-1)!;
  const rows = await ctx.db.selectFrom('pay_recon_imports').select(['id', 'channel_code', sql<string>`to_char(bill_date, 'YYYY-MM-DD')`.as('day'), 'imported_at', 'imported_by'])
    .where('bill_date', '>=', `${oldest}-01`).orderBy('bill_date', 'desc').orderBy('id', 'desc').limit(500).execute();
  return rows.map((r) => ({
    kind: 'reconciliation', kindName: '支付对账日报', title: `支付对账日报 ${r.channel_code} ${r.day}`, period: r.day, version: null, state: 'generated',
    generatedBy: r.imported_by, generatedAt: r.imported_at, approvedBy: null, downloadPath: `/api/v1/payments/reconciliation/imports/${r.id}/report`, formats: ['xlsx'],
    districtCode: null,
  }));
}
