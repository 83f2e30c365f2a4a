import ExcelJS from 'exceljs';
import { formatShanghai } from '../../platform/time.js';
import { SEVERITY_NAMES, STATE_NAMES } from './lifecycle.js';
import type { VulnView } from './vulnerabilities.js';

/** Column headers of the exported register (《安全漏洞台账》), in order. */
export const REGISTER_HEADERS = [
  '编号', '漏洞名称', '等级', '状态', '来源', '组件', '发现时间', '修复计划时限', '是否超期', '计划提交时间', '修复计划', '计划完成日期',
  '修复时间', '验证时间', '接受风险理由', '批准人', '风险到期', '误报理由', '关联事件', '关联变更',
] as const;

const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
const OVERDUE_FONT: Partial<ExcelJS.Font> = { color: { argb: 'FFC00000' }, bold: true };
const WIDTHS = [7, 36, 7, 14, 14, 22, 19, 19, 9, 19, 40, 12, 19, 19, 30, 12, 19, 30, 16, 16];

const at = (s: string | null) => (s ? formatShanghai(new Date(s)) : '');

export function registerRow(v: VulnView): string[] {
  return [
    String(v.id), v.title, SEVERITY_NAMES[v.severity] ?? v.severity, STATE_NAMES[v.state], v.source ?? '', v.component ?? '',
    at(v.foundAt), at(v.fixPlanDueAt), v.overdue ? '超期' : v.planLate ? '计划逾期提交' : '', at(v.planSubmittedAt), v.planText ?? '', v.plannedFixDate ?? '',
    at(v.fixedAt), at(v.verifiedAt), v.riskReason ?? '', v.riskApprover ?? '', at(v.riskExpiresAt), v.falsePositiveReason ?? '', v.incidentRef ?? '', v.changeRef ?? '',
  ];
}

export async function registerXlsx(items: VulnView[], subtitle: string): Promise<Buffer> {
  const title = '安全漏洞台账';
  const wb = new ExcelJS.Workbook();
  wb.creator = '智泊 Zhibo';
  wb.title = title;
  const sheet = wb.addWorksheet(title, { pageSetup: { orientation: 'landscape', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 } });
  sheet.columns = WIDTHS.map((width) => ({ width }));
  sheet.addRow([title]).font = { bold: true, size: 16 };
  sheet.mergeCells(1, 1, 1, REGISTER_HEADERS.length);
  sheet.addRow([subtitle]).font = { color: { argb: 'FF606060' } };
  sheet.mergeCells(2, 1, 2, REGISTER_HEADERS.length);
  const header = sheet.addRow([...REGISTER_HEADERS]);
  header.font = { bold: true };
  header.eachCell((c) => {
    c.fill = HEADER_FILL;
  });
  for (const v of items) {
    const row = sheet.addRow(registerRow(v));
    row.alignment = { vertical: 'top', wrapText: true };
    if (v.overdue) row.getCell(9).font = OVERDUE_FONT;
  }
  sheet.views = [{ state: 'frozen', ySplit: 3 }];
  return Buffer.from(await wb.xlsx.writeBuffer());
}
