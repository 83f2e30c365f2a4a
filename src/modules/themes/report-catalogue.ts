import type { Actor } from '../../platform/auth/permissions.js';
import { can } from '../../platform/auth/permissions.js';
import { monthDays, recentMonths, type CatalogueEntry, type CatalogueWindow } from '../../platform/report-catalogue.js';
import type { AppContext } from '../../platform/context.js';
import { districtScope } from '../../platform/scope.js';
import * as repo from './repo.js';

/** Each theme's report (专题报告, .docx) the reader may see, one per recent month, rendered on download. */
export async function reportCatalogue(root: AppContext, actor: Actor, w: CatalogueWindow): Promise<CatalogueEntry[]> {
  if (!can(actor, 'registry:read')) return [];
  const ctx = repo.themesContext(root);
  const themes = await repo.themes(ctx.db, districtScope(actor));
  const months = recentMonths(w.now, w.months);
  return themes.flatMap((t) => months.map((month) => {
    const { from, to } = monthDays(month);
    return {
      kind: 'theme_report', kindName: '专题报告', title: `专题报告：${t.name} ${month}`, period: month, version: null, state: 'on_demand',
      generatedBy: null, generatedAt: null, approvedBy: null, downloadPath: `/api/v1/themes/${encodeURIComponent(t.code)}/report?from=${from}&to=${to}`, formats: ['docx'],
      districtCode: t.districtCode,
    };
  }));
}
