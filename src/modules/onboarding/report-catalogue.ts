import type { Actor } from '../../platform/auth/permissions.js';
import { can } from '../../platform/auth/permissions.js';
import { recentQuarters, type CatalogueEntry, type CatalogueWindow } from '../../platform/report-catalogue.js';

/** The quarterly 《县市区停车场接入进展清单》 for the report centre, rendered on download, within the reader's district. */
export function reportCatalogue(actor: Actor, w: CatalogueWindow): CatalogueEntry[] {
  if (!can(actor, 'registry:read')) return [];
  return recentQuarters(w.now, w.months).map((quarter) => ({
    kind: 'onboarding_quarterly', kindName: '接入进展清单（季度）', title: `县市区停车场接入进展清单 ${quarter}`, period: quarter, version: null, state: 'on_demand',
    generatedBy: null, generatedAt: null, approvedBy: null, downloadPath: `/api/v1/onboarding/report?quarter=${quarter}`, formats: ['docx', 'xlsx'],
    districtCode: actor.districtCode,
  }));
}
