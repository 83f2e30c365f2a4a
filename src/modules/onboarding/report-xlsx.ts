import ExcelJS from 'exceljs';
import {
  CONNECTED_HEADERS, connectedCells, COVERAGE_NOTE, coverageLine, PROGRESS_HEADERS, progressCells, REPORT_TITLE, subtitle, SUMMARY_HEADERS, summaryCells,
} from './report-labels.js';
import type { DistrictSection, OnboardingReport } from './report.js';

/*
 * The quarterly list as a workbook: a summary sheet (one row per district and a total), then one
 * sheet per district with its two sections, 已接入 and 正在对接, one under the other.
 */

const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
const OVERDUE_FONT: Partial<ExcelJS.Font> = { color: { argb: 'FFC00000' }, bold: true };

function headerRow(sheet: ExcelJS.Worksheet, cells: readonly string[]): void {
  const row = sheet.addRow([...cells]);
  row.font = { bold: true };
  row.eachCell((c) => {
    c.fill = HEADER_FILL;
    c.border = { bottom: { style: 'thin' } };
  });
}

function title(sheet: ExcelJS.Worksheet, text: string, sub: string, width: number): void {
  sheet.addRow([text]).font = { bold: true, size: 14 };
  sheet.mergeCells(1, 1, 1, width);
  sheet.addRow([sub]).font = { color: { argb: 'FF606060' } };
  sheet.mergeCells(2, 1, 2, width);
}

/** Excel refuses sheet names with []:*?/\ or longer than 31 characters. */
const sheetName = (name: string, used: Set<string>) => {
  const base = name.replace(/[[\]:*?/\\]/g, ' ').slice(0, 28) || '县市区';
  let out = base;
  for (let i = 2; used.has(out); i++) out = `${base}${i}`;
  used.add(out);
  return out;
};

function districtSheet(wb: ExcelJS.Workbook, r: OnboardingReport, d: DistrictSection, used: Set<string>): void {
  const sheet = wb.addWorksheet(sheetName(d.districtName, used));
  sheet.columns = [6, 18, 30, 28, 10, 18, 10, 14, 10, 10, 10, 12, 12, 12, 60].map((width) => ({ width }));
  title(sheet, `${d.districtName} 停车场接入进展`, `${subtitle(r)}。${coverageLine(d.coverage)}`, PROGRESS_HEADERS.length);
  sheet.addRow([]);
  sheet.addRow([`已接入（${d.connected.length}）`]).font = { bold: true, size: 12 };
  headerRow(sheet, CONNECTED_HEADERS);
  if (!d.connected.length) sheet.addRow(['', '（无）']);
  d.connected.forEach((item, i) => sheet.addRow(connectedCells(item, i + 1)));
  sheet.addRow([]);
  sheet.addRow([`正在对接（${d.inProgress.length}）`]).font = { bold: true, size: 12 };
  headerRow(sheet, PROGRESS_HEADERS);
  if (!d.inProgress.length) sheet.addRow(['', '（无）']);
  d.inProgress.forEach((item, i) => {
    const row = sheet.addRow(progressCells(item, i + 1));
    row.alignment = { vertical: 'top', wrapText: true };
    if (item.overdue) row.getCell(PROGRESS_HEADERS.indexOf('是否逾期') + 1).font = OVERDUE_FONT;
  });
}

export async function reportXlsx(r: OnboardingReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '智泊 Zhibo';
  wb.title = `${REPORT_TITLE}（${r.label}）`;
  const summary = wb.addWorksheet('汇总');
  summary.columns = [16, 18, 18, 14, 16, 16, 14, 12, 14].map((width) => ({ width }));
  title(summary, `${REPORT_TITLE}（${r.label}）`, subtitle(r), SUMMARY_HEADERS.length);
  summary.addRow([]);
  headerRow(summary, SUMMARY_HEADERS);
  for (const d of r.districts) {
    const overdue = d.inProgress.filter((i) => i.overdue).length;
    summary.addRow(summaryCells(d.districtName, d.coverage, d.connected.filter((i) => i.newThisQuarter).length, d.inProgress.length, overdue));
  }
  summary.addRow(summaryCells('合计', r.totals, r.totals.connectedThisQuarter, r.totals.inProgress, r.totals.overdue)).font = { bold: true };
  summary.addRow([]);
  summary.addRow([COVERAGE_NOTE]).font = { color: { argb: 'FF606060' } };
  summary.views = [{ state: 'frozen', ySplit: 4 }];
  const used = new Set(['汇总']);
  for (const d of r.districts) districtSheet(wb, r, d, used);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
