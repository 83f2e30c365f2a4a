import { heading, none, para } from '../../platform/docx.js';
import { formatShanghai } from '../../platform/time.js';
import { denseTable, reportDocument } from './report-docx.js';
import { DECISION_NAMES, findingsText, ROLE_NAMES } from './review-xlsx.js';
import type { ReviewView } from './reviews.js';

/*
 * 《用户权限审查报告》 (docs/security-operations.md, "Permission review"): the campaign and its
 * quarter, counts, every account as the review snapshotted it (role, district, last sign-in, last
 * activity, findings) with the decision, what it changed and who applied it, and the sign-off.
 * Rendered at sign-off (kept with the review) and on demand before it.
 */

export const REVIEW_REPORT_TITLE = '用户权限审查报告';
const at = (s: string | null) => (s ? formatShanghai(new Date(s)) : '—');

/** The quarter's first and last day, '2026Q4' → 2026-10-01 至 2026-12-31. */
export function quarterSpan(quarter: string): string {
  const y = quarter.slice(0, 4);
  const q = Number(quarter.slice(5));
  const last = new Date(Date.UTC(Number(y), q * 3, 0)).getUTCDate();
  return `${y}-${String(q * 3 - 2).padStart(2, '0')}-01 至 ${y}-${String(q * 3).padStart(2, '0')}-${last}`;
}

function afterText(after: Record<string, unknown> | null): string {
  if (!after) return '';
  const parts: string[] = [];
  if (typeof after.role === 'string') parts.push(`角色 ${ROLE_NAMES[after.role] ?? after.role}`);
  if (typeof after.districtCode === 'string') parts.push(`县市区 ${after.districtCode}`);
  if (after.status === 'disabled') parts.push('已停用');
  return parts.join('，');
}

export function reviewDocx(r: ReviewView, generatedAt: Date): Promise<Buffer> {
  const items = r.items ?? [];
  const tally = new Map<string, number>();
  for (const i of items) if (i.decision) tally.set(i.decision, (tally.get(i.decision) ?? 0) + 1);
  return reportDocument(`${REVIEW_REPORT_TITLE}（${r.quarter}）`, `审查期间 ${quarterSpan(r.quarter)}（上海时间），生成时间 ${formatShanghai(generatedAt)}`, [
    heading('一、审查概况'),
    para(`审查批次：${r.quarter} 季度权限审查（#${r.id}），${at(r.openedAt)} 由 ${r.openedBy} 开启。`),
    para(`账号 ${r.counts.accounts} 个，有待关注项 ${r.counts.withFindings} 个，已作决定 ${r.counts.decided} 个`
      + `${tally.size ? `（${[...tally].map(([d, n]) => `${DECISION_NAMES[d] ?? d} ${n}`).join('，')}）` : ''}。`),
    heading('二、账号审查明细'),
    ...(items.length
      ? [denseTable(
        ['用户名', '姓名', '角色', '县市区', '状态', '最后登录', '最后操作', '待关注项', '决定', '执行结果', '决定人', '决定时间'],
        items.map((i) => [
          i.username, i.displayName ?? '', ROLE_NAMES[i.role] ?? i.role, i.districtCode ?? '', i.status === 'active' ? '启用' : '停用', at(i.lastLoginAt), at(i.lastActivityAt),
          findingsText(i), i.decision ? `${DECISION_NAMES[i.decision]}${i.decisionNote ? `：${i.decisionNote}` : ''}` : '未决定', afterText(i.decisionAfter), i.decidedBy ?? '', i.decidedAt ? at(i.decidedAt) : '',
        ]),
        [8, 7, 7, 6, 5, 9, 9, 18, 10, 9, 6, 9],
      )]
      : [none()]),
    heading('三、签署'),
    para(r.signedOffAt
      ? `本次审查已于 ${at(r.signedOffAt)} 由 ${r.signedOffBy} 签署，审查结果冻结。${r.signOffNote ? `签署意见：${r.signOffNote}` : ''}`
      : '未签署（本报告为审查进行中的当前状态）。'),
  ]);
}
