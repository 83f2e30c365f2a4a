import type { Actor } from '../../platform/auth/permissions.js';
import { can } from '../../platform/auth/permissions.js';
import { recentMonths, type CatalogueEntry, type CatalogueWindow } from '../../platform/report-catalogue.js';

/** The monthly 《数据同步监控报告》 for the report centre: one per recent month, rendered on download, within the reader's district. */
export function reportCatalogue(actor: Actor, w: CatalogueWindow): CatalogueEntry[] {
  if (!can(actor, 'registry:read')) return [];
  return recentMonths(w.now, w.months).map((month) => ({
    kind: 'sync_monthly', kindName: '数据同步监控报告', title: `数据同步监控报告 ${month}`, period: month, version: null, state: 'on_demand',
    generatedBy: null, generatedAt: null, approvedBy: null, downloadPath: `/api/v1/reports/sync?month=${month}`, formats: ['docx', 'xlsx'],
    districtCode: actor.districtCode,
  }));
}
