import type { Actor } from '../../platform/auth/permissions.js';
import { can } from '../../platform/auth/permissions.js';
import { monthDays, recentMonths, type CatalogueEntry, type CatalogueWindow } from '../../platform/report-catalogue.js';

/** 《系统事件台账》 for the report centre: the incidents that occurred in each recent month, rendered on download (visible incidents only). */
export function reportCatalogue(actor: Actor, w: CatalogueWindow): CatalogueEntry[] {
  if (!can(actor, 'registry:read')) return [];
  return recentMonths(w.now, w.months).map((month) => {
    const { from, to } = monthDays(month);
    return {
      kind: 'incident_ledger', kindName: '系统事件台账', title: `系统事件台账 ${month}`, period: month, version: null, state: 'on_demand',
      generatedBy: null, generatedAt: null, approvedBy: null, downloadPath: `/api/v1/incidents/export?from=${from}&to=${to}`, formats: ['xlsx', 'docx'],
      districtCode: actor.districtCode,
    };
  });
}
