import ExcelJS from 'exceljs';
import { COLOR, heading, para, reportDocx, table } from '../../platform/docx.js';
import { formatShanghai } from '../../platform/time.js';
import { fenToYuan } from '../payments/index.js';
import type { RowIssue } from './importer.js';
import type { LegacyTable } from './tables.js';
import type { DifferenceKind, Verification } from './verify.js';

/*
 * 《系统迁移核对报告》 (docs/系统迁移.md §4) as a workbook — 概况, 逐表核对, 按日按车场 (every day ×
 * lot), 逐行差异, 导入问题 — and as a document with the same figures, the differing day × lot
 * cells and the first differences listed (house style of src/platform/docx.ts). Counts stay
 * numbers; money is shown in yuan (two decimals) and kept in fen in the data. Tests parse both back.
 */

export const REPORT_TITLE = '系统迁移核对报告';
export const SHEETS = { summary: '概况', tables: '逐表核对', days: '按日按车场', differences: '逐行差异', issues: '导入问题' } as const;
export const TABLE_HEADERS = ['数据表', '原系统行数', '平台行数', '原系统金额(元)', '平台金额(元)', '结果'] as const;
export const DAY_HEADERS = ['日期', '车场编码', '原系统记录数', '平台记录数', '原系统应收(元)', '平台应收(元)', '原系统实收(元)', '平台实收(元)', '结果'] as const;
export const DIFFERENCE_HEADERS = ['数据表', '原系统编号', '差异', '字段', '原系统值', '平台值'] as const;
export const ISSUE_HEADERS = ['数据表', '行号', '原系统编号', '代码', '说明'] as const;
/** How many differing cells and rows the document lists (the workbook lists all). */
export const DOCX_LIST_LIMIT = 200;

export const TABLE_LABELS: Record<LegacyTable, string> = { lots: '停车场 lots', users: '用户 users', sessions: '停车记录 sessions', payments: '支付 payments', tickets: '工单 tickets' };
export const DIFFERENCE_LABELS: Record<DifferenceKind, string> = { missing_on_platform: '平台缺少', not_in_legacy: '原系统已无此行', field: '字段不一致' };
const OK = '一致';
const DIFFERENT = '不一致';
const DIFF_FILL = 'FFFDE2E2';
const HEAD_FILL = 'FFE8EEF7';

const yuan = (fen: number | null) => (fen === null ? null : Number(fenToYuan(fen)));
const yuanText = (fen: number | null) => (fen === null ? '—' : fenToYuan(fen));

function header(sheet: ExcelJS.Worksheet, headers: readonly string[], widths: number[]): void {
  sheet.columns = headers.map((h, i) => ({ header: h, width: widths[i] ?? 14 }));
  const row = sheet.getRow(1);
  row.font = { bold: true };
  row.eachCell((c) => {
    c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: HEAD_FILL } };
  });
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
}

function mark(row: ExcelJS.Row, equal: boolean): void {
  if (!equal) row.eachCell((c) => (c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: DIFF_FILL } }));
}

function conclusion(v: Verification): string {
  if (v.equal) return '原系统与平台逐表、逐日逐车场、逐行一致，迁移完整。';
  const tables = v.tables.filter((t) => !t.equal).length;
  const days = v.days.filter((d) => !d.equal).length;
  return `存在差异：${tables} 张表计数或金额不一致，${days} 个日×车场不一致，${v.differences.length} 条逐行差异。修正后重新核对（zhibo migrate-from … --verify-only）。`;
}

export async function verificationXlsx(v: Verification, issues: RowIssue[] = []): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '智泊 Zhibo';
  wb.title = REPORT_TITLE;
  wb.created = v.verifiedAt;
  const sum = wb.addWorksheet(SHEETS.summary);
  sum.columns = [{ width: 18 }, { width: 80 }];
  sum.addRow([REPORT_TITLE]).font = { bold: true, size: 16 };
  sum.addRow(['迁移来源', v.source]);
  sum.addRow(['原系统数据', v.from]);
  sum.addRow(['核对时间', `${formatShanghai(v.verifiedAt)}（北京时间）`]);
  sum.addRow(['结果', v.equal ? OK : DIFFERENT]);
  sum.addRow(['结论', conclusion(v)]);
  sum.addRow(['口径', '按日：停车记录入场时间（无入场时为出场时间）所在的北京时间自然日；金额：原系统按映射换算为分后相加，显示为元。']);

  const tables = wb.addWorksheet(SHEETS.tables);
  header(tables, TABLE_HEADERS, [22, 14, 14, 16, 16, 10]);
  for (const t of v.tables) mark(tables.addRow([TABLE_LABELS[t.table], t.legacy, t.platform, yuan(t.legacyFen), yuan(t.platformFen), t.equal ? OK : DIFFERENT]), t.equal);

  const days = wb.addWorksheet(SHEETS.days);
  header(days, DAY_HEADERS, [12, 18, 14, 14, 16, 16, 16, 16, 10]);
  for (const d of v.days) {
    mark(days.addRow([d.day, d.lotCode, d.legacyCount, d.platformCount, yuan(d.legacyReceivableFen), yuan(d.platformReceivableFen), yuan(d.legacyPaidFen), yuan(d.platformPaidFen), d.equal ? OK : DIFFERENT]), d.equal);
  }

  const diffs = wb.addWorksheet(SHEETS.differences);
  header(diffs, DIFFERENCE_HEADERS, [18, 18, 16, 16, 26, 26]);
  for (const d of v.differences) diffs.addRow([TABLE_LABELS[d.table], d.legacyId, DIFFERENCE_LABELS[d.kind], d.field ?? '', d.legacy ?? '', d.platform ?? '']);

  const probs = wb.addWorksheet(SHEETS.issues);
  header(probs, ISSUE_HEADERS, [18, 8, 18, 18, 80]);
  for (const i of issues) probs.addRow([TABLE_LABELS[i.table], i.row, i.legacyId ?? '', i.code, i.message]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export function verificationDocx(v: Verification, issues: RowIssue[] = []): Promise<Buffer> {
  const differing = v.days.filter((d) => !d.equal);
  const children = [
    heading('一、概况'),
    para(`迁移来源：${v.source}`),
    para(`原系统数据：${v.from}`),
    para(`核对时间：${formatShanghai(v.verifiedAt)}（北京时间）`),
    para(`导入时被拒的行：${issues.length} 行`),
    heading('二、逐表核对'),
    table(TABLE_HEADERS, v.tables.map((t) => [TABLE_LABELS[t.table], String(t.legacy), String(t.platform), yuanText(t.legacyFen), yuanText(t.platformFen), t.equal ? OK : DIFFERENT])),
    heading('三、按日按车场'),
    para(`共 ${v.days.length} 个日×车场，其中一致 ${v.days.length - differing.length} 个，不一致 ${differing.length} 个${differing.length ? '（见下表）' : ''}。`),
    ...(differing.length
      ? [table(DAY_HEADERS, differing.slice(0, DOCX_LIST_LIMIT).map((d) => [d.day, d.lotCode, String(d.legacyCount), String(d.platformCount), yuanText(d.legacyReceivableFen), yuanText(d.platformReceivableFen), yuanText(d.legacyPaidFen), yuanText(d.platformPaidFen), DIFFERENT]))]
      : []),
    heading('四、逐行差异'),
    para(v.differences.length ? `共 ${v.differences.length} 条${v.differences.length > DOCX_LIST_LIMIT ? `，列出前 ${DOCX_LIST_LIMIT} 条，全部见 .xlsx` : ''}。` : '无。'),
    ...(v.differences.length ? [table(DIFFERENCE_HEADERS, v.differences.slice(0, DOCX_LIST_LIMIT).map((d) => [TABLE_LABELS[d.table], d.legacyId, DIFFERENCE_LABELS[d.kind], d.field ?? '', d.legacy ?? '', d.platform ?? '']))] : []),
    heading('五、结论'),
    para(conclusion(v), { bold: true, color: v.equal ? COLOR.black : COLOR.red }),
  ];
  return reportDocx({ title: REPORT_TITLE, sections: [{ children }] });
}
