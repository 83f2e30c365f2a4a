import { type Block, heading, none, para, reportDocx, SIZE, table } from '../../platform/docx.js';
import { badRequest } from '../../platform/errors.js';
import { readContext } from '../../platform/read-db.js';
import { formatShanghai, shanghaiDayStart } from '../../platform/time.js';
import { SEVERITIES } from './deadlines.js';
import { SEVERITY_NAMES, STATE_NAMES, VULN_STATES } from './lifecycle.js';
import type { AppContext } from '../../platform/context.js';
import { securityContext, type SecurityContext } from './repo.js';
import { vulnView, type VulnView } from './vulnerabilities.js';
import { DOCX_TYPE } from '../../platform/http/download.js';

/*
 * 《安全漏洞处置报告》 for a period (docs/security-operations.md, "Handling report"). In scope:
 * every finding found on or before the last day that was not closed before the first day —
 * those found in the period and those still being handled in it. Counts by severity and state
 * (the state now), the overdue list (no plan past the deadline now, or a plan that came late),
 * and every finding with its plan and fix dates. The house style is src/platform/docx.ts's.
 */

export { DOCX_TYPE };
const MAX_DAYS = 366;

export interface ReportPeriod { from: string; to: string; start: Date; end: Date }

export function reportPeriod(from: string, to: string): ReportPeriod {
  const start = /^\d{4}-\d{2}-\d{2}$/.test(from) ? shanghaiDayStart(from) : null;
  const last = /^\d{4}-\d{2}-\d{2}$/.test(to) ? shanghaiDayStart(to) : null;
  if (!start || !last) throw badRequest('INVALID_PERIOD', 'from、to 须为 YYYY-MM-DD / from and to: YYYY-MM-DD');
  if (last < start) throw badRequest('INVALID_PERIOD', 'to 不能早于 from / to is before from');
  const end = new Date(last.getTime() + 86_400_000);
  if ((end.getTime() - start.getTime()) / 86_400_000 > MAX_DAYS) throw badRequest('INVALID_PERIOD', `期间不能超过 ${MAX_DAYS} 天 / at most ${MAX_DAYS} days`);
  return { from, to, start, end };
}

export interface HandlingReport {
  period: ReportPeriod;
  generatedAt: Date;
  items: VulnView[];
  /** severity → state → count, with 'total' rows and columns. */
  counts: Record<string, Record<string, number>>;
  foundInPeriod: number;
  closedInPeriod: number;
  overdue: { v: VulnView; why: string }[];
}

/** 《安全漏洞处置报告》 of `from`..`to` (Shanghai days) as a .docx — for the report centre's schedules (docs/巡检与报告.md §6). */
export async function vulnerabilityReportDocx(root: AppContext, from: string, to: string): Promise<Buffer> {
  // Archived by the report schedules' job: the replica when there is one (src/platform/read-db.ts).
  return handlingReportDocx(await handlingReport(securityContext(readContext(root)), reportPeriod(from, to)));
}

export async function handlingReport(ctx: SecurityContext, period: ReportPeriod): Promise<HandlingReport> {
  const now = ctx.clock.now();
  const rows = await ctx.db.selectFrom('security_vulnerabilities').selectAll()
    .where('found_at', '<', period.end)
    .where((eb) => eb.or([eb('closed_at', 'is', null), eb('closed_at', '>=', period.start)]))
    .orderBy('found_at').orderBy('id').execute();
  const items = rows.map((r) => vulnView(r, now));
  const counts: Record<string, Record<string, number>> = {};
  for (const s of [...SEVERITIES, 'total']) counts[s] = Object.fromEntries([...VULN_STATES, 'total'].map((st) => [st, 0]));
  for (const v of items) for (const s of [v.severity, 'total']) for (const st of [v.state, 'total']) counts[s]![st]! += 1;
  const inPeriod = (iso: string | null) => !!iso && iso >= period.start.toISOString() && iso < period.end.toISOString();
  const overdue: { v: VulnView; why: string }[] = [];
  for (const v of items) {
    if (v.overdue) overdue.push({ v, why: `超期未提交修复计划（时限 ${formatShanghai(new Date(v.fixPlanDueAt))}）` });
    else if (v.planLate) overdue.push({ v, why: `修复计划逾期提交（${formatShanghai(new Date(v.planSubmittedAt!))}，时限 ${formatShanghai(new Date(v.fixPlanDueAt))}）` });
  }
  return {
    period, generatedAt: now, items, counts, overdue,
    foundInPeriod: items.filter((v) => inPeriod(v.foundAt)).length,
    closedInPeriod: items.filter((v) => inPeriod(v.closedAt)).length,
  };
}

const at = (s: string | null) => (s ? formatShanghai(new Date(s)) : '');

export const REPORT_TITLE = '安全漏洞处置报告';

export async function handlingReportDocx(r: HandlingReport): Promise<Buffer> {
  const states = [...VULN_STATES];
  const countRows = [...SEVERITIES, 'total'].map((s) => [
    s === 'total' ? '合计' : SEVERITY_NAMES[s as keyof typeof SEVERITY_NAMES] ?? s,
    ...states.map((st) => String(r.counts[s]![st])), String(r.counts[s]!.total),
  ]);
  const sev = (v: VulnView) => SEVERITY_NAMES[v.severity] ?? v.severity;
  return reportDocument(REPORT_TITLE, `统计期间 ${r.period.from} 至 ${r.period.to}（上海时间），生成时间 ${formatShanghai(r.generatedAt)}`, [
    heading('一、概况'),
    para(`期内涉及漏洞 ${r.items.length} 个（期内新发现 ${r.foundInPeriod} 个，期内处置结束 ${r.closedInPeriod} 个）；超期或修复计划逾期 ${r.overdue.length} 个。状态为报告生成时的状态。`),
    heading('二、按等级与状态统计'),
    denseTable(['等级', ...states.map((st) => STATE_NAMES[st]), '合计'], countRows, [12, ...states.map(() => 11), 11]),
    heading('三、超期情况'),
    ...(r.overdue.length
      ? [denseTable(['编号', '漏洞名称', '等级', '状态', '发现时间', '说明'], r.overdue.map(({ v, why }) => [String(v.id), v.title, sev(v), STATE_NAMES[v.state], at(v.foundAt), why]), [6, 34, 7, 10, 14, 29])]
      : [none()]),
    heading('四、漏洞处置明细'),
    ...(r.items.length
      ? [denseTable(
        ['编号', '漏洞名称', '等级', '组件', '状态', '发现时间', '计划时限', '计划提交', '计划完成日期', '修复时间', '验证时间'],
        r.items.map((v) => [String(v.id), v.title, sev(v), v.component ?? '', STATE_NAMES[v.state], at(v.foundAt), at(v.fixPlanDueAt), at(v.planSubmittedAt), v.plannedFixDate ?? '', at(v.fixedAt), at(v.verifiedAt)]),
        [5, 20, 5, 12, 7, 9, 9, 9, 8, 8, 8],
      )]
      : [none()]),
  ]);
}

/** A landscape report in the house style (src/platform/docx.ts): title, a grey line under it, then `children` in 8 pt tables. */
export function reportDocument(title: string, subtitle: string, children: Block[]): Promise<Buffer> {
  return reportDocx({ title, subtitle, sections: [{ landscape: true, children }] });
}

/** A table of the security reports: 8 pt, with column widths in percent. */
export const denseTable = (headers: string[], rows: string[][], widths: number[]) => table(headers, rows, { widths, size: SIZE.dense });
