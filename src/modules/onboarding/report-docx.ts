import {
  AlignmentType, Document, HeadingLevel, Packer, PageOrientation, Paragraph, Table, TableCell, TableRow, TextRun, WidthType,
} from 'docx';
import {
  CONNECTED_HEADERS, connectedCells, COVERAGE_NOTE, coverageLine, PROGRESS_HEADERS, progressCells, REPORT_TITLE, subtitle, SUMMARY_HEADERS, summaryCells,
} from './report-labels.js';
import type { DistrictSection, OnboardingReport } from './report.js';

/*
 * The quarterly list as a Word document, as it is printed and filed: title, the summary table,
 * then per district a heading, its coverage, and a table for each of 已接入 and 正在对接.
 * Chinese text needs an East Asian font named in the run properties, or Word falls back to
 * whatever it likes; 宋体 for text, 黑体 for headings, on landscape A4 for the wide tables.
 */

const BODY_FONT = { ascii: 'Times New Roman', hAnsi: 'Times New Roman', eastAsia: '宋体', cs: 'Times New Roman' };
const HEADING_FONT = { ascii: 'Arial', hAnsi: 'Arial', eastAsia: '黑体', cs: 'Arial' };
const SMALL = 18; // half-points: 9 pt in tables

const cellText = (value: string | number, opts: { bold?: boolean; color?: string } = {}) =>
  String(value)
    .split('\n')
    .map((line) => new Paragraph({ children: [new TextRun({ text: line, size: SMALL, bold: opts.bold, color: opts.color })] }));

function table(headers: readonly string[], rows: (string | number)[][], highlight?: (row: number, col: number) => boolean): Table {
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      new TableRow({ tableHeader: true, children: headers.map((h) => new TableCell({ children: cellText(h, { bold: true }), shading: { fill: 'DDEBF7' } })) }),
      ...rows.map((cells, r) => new TableRow({ children: cells.map((c, col) => new TableCell({ children: cellText(c, highlight?.(r, col) ? { bold: true, color: 'C00000' } : {}) })) })),
    ],
  });
}

const none = () => new Paragraph({ children: [new TextRun({ text: '（无）', color: '606060' })] });

function districtPart(d: DistrictSection): (Paragraph | Table)[] {
  const overdueCol = PROGRESS_HEADERS.indexOf('是否逾期');
  return [
    new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun(d.districtName)] }),
    new Paragraph({ children: [new TextRun(coverageLine(d.coverage))] }),
    new Paragraph({ heading: HeadingLevel.HEADING_2, children: [new TextRun(`已接入（${d.connected.length}）`)] }),
    d.connected.length ? table(CONNECTED_HEADERS, d.connected.map((i, n) => connectedCells(i, n + 1))) : none(),
    new Paragraph({ heading: HeadingLevel.HEADING_2, children: [new TextRun(`正在对接（${d.inProgress.length}）`)] }),
    d.inProgress.length ? table(PROGRESS_HEADERS, d.inProgress.map((i, n) => progressCells(i, n + 1)), (r, col) => col === overdueCol && d.inProgress[r]!.overdue) : none(),
  ];
}

export async function reportDocx(r: OnboardingReport): Promise<Buffer> {
  const summaryRows = [
    ...r.districts.map((d) => summaryCells(d.districtName, d.coverage, d.connected.filter((i) => i.newThisQuarter).length, d.inProgress.length, d.inProgress.filter((i) => i.overdue).length)),
    summaryCells('合计', r.totals, r.totals.connectedThisQuarter, r.totals.inProgress, r.totals.overdue),
  ];
  const doc = new Document({
    creator: '智泊 Zhibo',
    title: `${REPORT_TITLE}（${r.label}）`,
    styles: {
      default: {
        document: { run: { font: BODY_FONT, size: 21, language: { value: 'zh-CN', eastAsia: 'zh-CN' } } },
        title: { run: { font: HEADING_FONT, size: 36, bold: true } },
        heading1: { run: { font: HEADING_FONT, size: 28, bold: true }, paragraph: { spacing: { before: 240, after: 120 } } },
        heading2: { run: { font: HEADING_FONT, size: 24, bold: true }, paragraph: { spacing: { before: 160, after: 80 } } },
      },
    },
    sections: [
      {
        properties: { page: { size: { orientation: PageOrientation.LANDSCAPE } } },
        children: [
          new Paragraph({ heading: HeadingLevel.TITLE, alignment: AlignmentType.CENTER, children: [new TextRun(`${REPORT_TITLE}`)] }),
          new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun(subtitle(r))] }),
          new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun('汇总')] }),
          table(SUMMARY_HEADERS, summaryRows),
          new Paragraph({ children: [new TextRun({ text: COVERAGE_NOTE, size: SMALL, color: '606060' })] }),
          ...r.districts.flatMap(districtPart),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}
