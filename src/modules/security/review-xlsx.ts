import ExcelJS from 'exceljs';
import { formatShanghai } from '../../platform/time.js';
import type { ReviewView } from './reviews.js';

export const REVIEW_HEADERS = ['用户名', '姓名', '角色', '县市区', '状态', '创建时间', '最后登录', '最后操作', '待关注项', '决定', '决定后', '说明', '决定人', '决定时间'] as const;

export const FINDING_NAMES: Record<string, string> = {
  never_logged_in: '从未登录', inactive_90d: '90 天未活动', admin: '管理员', pii: '可查看个人信息', district_without_district: '县市区用户未指定县市区', disabled: '已停用',
  bulk_created: '批量创建', shared_name_pattern: '编号式命名', unused_permissions: '权限本季度未使用',
};
export const DECISION_NAMES: Record<string, string> = { keep: '保留', change_role: '调整角色', restrict_district: '限定县市区', disable: '停用' };
export const ROLE_NAMES: Record<string, string> = { admin: '系统管理员', bureau: '市城管局', district: '县市区', ops: '运维', viewer: '只读', share_owner: '共享单位' };
const at = (s: string | null) => (s ? formatShanghai(new Date(s)) : '');
/** The findings of one account as a line of text, each with what it is about. */
export const findingsText = (i: { findings: string[]; findingDetails: Record<string, string> }) =>
  i.findings.map((f) => `${FINDING_NAMES[f] ?? f}${i.findingDetails[f] ? `（${i.findingDetails[f]}）` : ''}`).join('；');

/** 《用户权限审查报告》 as one sheet; the sign-off below the table. */
export async function reviewXlsx(review: ReviewView): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '智泊 Zhibo';
  const title = `用户权限审查报告（${review.quarter}）`;
  const sheet = wb.addWorksheet('权限审查');
  sheet.columns = [14, 12, 10, 10, 8, 19, 19, 19, 30, 12, 24, 24, 12, 19].map((width) => ({ width }));
  sheet.addRow([title]).font = { bold: true, size: 16 };
  sheet.addRow([`开启 ${at(review.openedAt)}（${review.openedBy}）；账号 ${review.counts.accounts} 个，有待关注项 ${review.counts.withFindings} 个，已决定 ${review.counts.decided} 个`]);
  sheet.addRow([...REVIEW_HEADERS]).font = { bold: true };
  for (const i of review.items ?? []) {
    sheet.addRow([
      i.username, i.displayName ?? '', i.role, i.districtCode ?? '', i.status === 'active' ? '启用' : '停用', at(i.createdAt), at(i.lastLoginAt), at(i.lastActivityAt),
      findingsText(i), i.decision ? DECISION_NAMES[i.decision] : '', i.decisionAfter ? JSON.stringify(i.decisionAfter) : '', i.decisionNote ?? '', i.decidedBy ?? '', at(i.decidedAt),
    ]);
  }
  sheet.addRow([]);
  sheet.addRow([review.signedOffAt ? `签署：${review.signedOffBy}，${at(review.signedOffAt)}${review.signOffNote ? `；${review.signOffNote}` : ''}` : '未签署']);
  sheet.views = [{ state: 'frozen', ySplit: 3 }];
  return Buffer.from(await wb.xlsx.writeBuffer());
}
