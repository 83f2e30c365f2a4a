import { AlignmentType, Document, HeadingLevel, ImageRun, Packer, Paragraph, Table, TableCell, TableRow, TextRun, WidthType } from 'docx';
import ExcelJS from 'exceljs';
import { DOCX_TYPE, XLSX_TYPE } from '../../platform/http/download.js';
import { CHART_HEIGHT, CHART_WIDTH, renderChart, type ChartSpec } from './chart.js';

/*
 * The health module's documents (《系统巡检报告》, 周报, 月报) as one plain structure — title,
 * subtitle, sections of paragraphs, charts and tables — rendered to .docx (docx, East Asian fonts as
 * in the incident ledger; a chart as an SVG image with its PNG fallback, chart.ts) and .xlsx
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

const BODY_FONT = { ascii: 'Times New Roman', hAnsi: 'Times New Roman', eastAsia: '宋体', cs: 'Times New Roman' };
const HEADING_FONT = { ascii: 'Arial', hAnsi: 'Arial', eastAsia: '黑体', cs: 'Arial' };

function docxTable(t: DocTable): Table {
  const cell = (text: string, header = false) => new TableCell({
    children: (text || ' ').split('\n').map((line) => new Paragraph({ children: [new TextRun({ text: line, size: 18, bold: header })] })),
    ...(header ? { shading: { fill: 'DDEBF7' } } : {}),
  });
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      new TableRow({ tableHeader: true, children: t.headers.map((h) => cell(h, true)) }),
      ...t.rows.map((r) => new TableRow({ children: r.map((c) => cell(c)) })),
    ],
  });
}

export async function renderDocx(doc: ReportDocument): Promise<Buffer> {
  const children: (Paragraph | Table)[] = [
    new Paragraph({ heading: HeadingLevel.TITLE, alignment: AlignmentType.CENTER, children: [new TextRun(doc.title)] }),
    new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ text: doc.subtitle, color: '606060' })] }),
  ];
  for (const s of doc.sections) {
    children.push(new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun(s.heading)] }));
    for (const p of s.paragraphs ?? []) children.push(new Paragraph({ children: [new TextRun(p)] }));
    if (s.chart) {
      const img = renderChart(s.chart);
      children.push(new Paragraph({
        alignment: AlignmentType.CENTER,
        children: [new ImageRun({
          type: 'svg', data: Buffer.from(img.svg, 'utf8'), fallback: { type: 'png', data: img.png },
          transformation: { width: CHART_WIDTH, height: CHART_HEIGHT }, altText: { name: 'chart', title: s.chart.title, description: s.chart.title },
        })],
      }));
    }
    if (s.table) {
      children.push(docxTable(s.table));
      if (!s.table.rows.length) children.push(new Paragraph({ children: [new TextRun({ text: '（无）', color: '606060' })] }));
    }
  }
  const d = new Document({
    creator: '智泊 Zhibo',
    title: doc.title,
    styles: {
      default: {
        document: { run: { font: BODY_FONT, size: 21, language: { value: 'zh-CN', eastAsia: 'zh-CN' } } },
        title: { run: { font: HEADING_FONT, size: 36, bold: true } },
        heading1: { run: { font: HEADING_FONT, size: 28, bold: true } },
      },
    },
    sections: [{ properties: { page: { margin: { top: 1000, bottom: 1000, left: 1000, right: 1000 } } }, children }],
  });
  return Packer.toBuffer(d);
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
