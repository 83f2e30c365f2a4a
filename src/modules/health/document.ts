import ExcelJS from 'exceljs';
import { type Block, figure, heading, none, para, reportDocx, table } from '../../platform/docx.js';
import { DOCX_TYPE, XLSX_TYPE } from '../../platform/http/download.js';
import { CHART_HEIGHT, CHART_WIDTH, renderChart, type ChartSpec } from './chart.js';

/*
 * The health module's documents (《系统巡检报告》, 周报, 月报) as one plain structure — title,
 * subtitle, sections of paragraphs, charts and tables — rendered to .docx (the house style of
 * src/platform/docx.ts; a chart as an SVG image with its PNG fallback, chart.ts) and .xlsx
 * (exceljs, one sheet per table; the charts' figures are in the tables).
 */

export interface DocTable {
  name: string;
  headers: string[];
  rows: string[][];
}

export interface DocSection {
  heading: string;
  paragraphs?: string[];
  /** Drawn after the paragraphs, before the table. */
  chart?: ChartSpec;
  table?: DocTable;
}

export interface ReportDocument {
  title: string;
  subtitle: string;
  sections: DocSection[];
}

export { XLSX_TYPE, DOCX_TYPE };

export function renderDocx(doc: ReportDocument): Promise<Buffer> {
  const children: Block[] = [];
  for (const s of doc.sections) {
    children.push(heading(s.heading));
    for (const p of s.paragraphs ?? []) children.push(para(p));
    if (s.chart) children.push(figure({ ...renderChart(s.chart), width: CHART_WIDTH, height: CHART_HEIGHT, title: s.chart.title }));
    if (s.table) {
      children.push(table(s.table.headers, s.table.rows));
      if (!s.table.rows.length) children.push(none());
    }
  }
  return reportDocx({ title: doc.title, subtitle: doc.subtitle, sections: [{ children }] });
}

export async function renderXlsx(doc: ReportDocument): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '智泊 Zhibo';
  wb.title = doc.title;
  const used = new Set<string>();
  for (const s of doc.sections) {
    if (!s.table) continue;
    let name = s.table.name.replace(/[\\/*?:[\]]/g, ' ').slice(0, 31);
    while (used.has(name)) name = `${name.slice(0, 28)}-${used.size}`;
    used.add(name);
    const sheet = wb.addWorksheet(name);
    sheet.addRow([doc.title]).font = { bold: true, size: 14 };
    sheet.addRow([doc.subtitle]).font = { color: { argb: 'FF606060' } };
    const header = sheet.addRow(s.table.headers);
    header.font = { bold: true };
    header.eachCell((c) => { c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } }; });
    for (const r of s.table.rows) sheet.addRow(r).alignment = { vertical: 'top', wrapText: true };
    sheet.columns.forEach((col, i) => { col.width = Math.min(60, Math.max(10, ...[s.table!.headers[i] ?? '', ...s.table!.rows.map((r) => r[i] ?? '')].map((v) => v.length * 2))); });
    sheet.views = [{ state: 'frozen', ySplit: 3 }];
  }
  if (!used.size) wb.addWorksheet('报告');
  return Buffer.from(await wb.xlsx.writeBuffer());
}
