import { can, type Actor } from '../../platform/auth/permissions.js';
import type { AppContext } from '../../platform/context.js';
import { monthDays, recentMonths, type CatalogueEntry, type CatalogueWindow } from '../../platform/report-catalogue.js';
import { formatShanghai } from '../../platform/time.js';
import { securityContext } from './repo.js';

/*
 * Security's documents for the report centre (docs/巡检与报告.md §6): 《安全漏洞处置报告》 per recent
 * month (rendered on download, ops), 《用户权限审查报告》 of every review (kept at sign-off, else
 * rendered on download; user managers — the review's own readers), and 《备份恢复测试报告》 of each
 * backup's newest finished restore test (ops). City-wide documents: never for district users.
 */
export async function reportCatalogue(root: AppContext, actor: Actor, w: CatalogueWindow): Promise<CatalogueEntry[]> {
  if (actor.districtCode !== null) return [];
  const ctx = securityContext(root);
  const out: CatalogueEntry[] = [];
  if (can(actor, 'ops')) {
    for (const month of recentMonths(w.now, w.months)) {
      const { from, to } = monthDays(month);
      out.push({
        kind: 'vulnerability_report', kindName: '安全漏洞处置报告', title: `安全漏洞处置报告 ${month}`, period: month, version: null, state: 'on_demand',
        generatedBy: null, generatedAt: null, approvedBy: null, downloadPath: `/api/v1/security/vulnerabilities/report?from=${from}&to=${to}`, formats: ['docx'], districtCode: null,
      });
    }
    const tests = await ctx.db.selectFrom('security_backup_verifications as v')
      .innerJoin('security_backups as b', 'b.id', 'v.backup_id')
      .select(['v.backup_id', 'v.requested_by', 'v.finished_at', 'v.state'])
      .where('v.state', '!=', 'running').where('b.manifest', 'is not', null)
      .orderBy('v.finished_at', 'desc').orderBy('v.id', 'desc').limit(500).execute();
    const seen = new Set<number>();
    for (const t of tests) {
      if (seen.has(t.backup_id) || !t.finished_at) continue;
      seen.add(t.backup_id);
      out.push({
        kind: 'backup_test', kindName: '备份恢复测试报告', title: `备份恢复测试报告：备份 #${t.backup_id}（${t.state === 'ok' ? '通过' : '未通过'}）`,
        period: formatShanghai(t.finished_at).slice(0, 10), version: null, state: 'generated', generatedBy: t.requested_by, generatedAt: t.finished_at, approvedBy: null,
        downloadPath: `/api/v1/security/backups/${t.backup_id}/report`, formats: ['docx'], districtCode: null,
      });
    }
  }
  if (can(actor, 'users:manage')) {
    const reviews = await ctx.db.selectFrom('security_reviews').select(['id', 'quarter', 'opened_by', 'signed_off_by', 'report_generated_at']).orderBy('quarter', 'desc').execute();
    for (const r of reviews) {
      out.push({
        kind: 'permission_review', kindName: '用户权限审查报告', title: `用户权限审查报告 ${r.quarter}`, period: r.quarter, version: null,
        state: r.report_generated_at ? 'generated' : 'on_demand', generatedBy: r.report_generated_at ? r.signed_off_by : null, generatedAt: r.report_generated_at,
        approvedBy: r.signed_off_by, downloadPath: `/api/v1/security/reviews/${r.id}/report`, formats: ['docx'], districtCode: null,
      });
    }
  }
  return out;
}
