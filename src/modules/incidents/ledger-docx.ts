import {
  AlignmentType, Document, HeadingLevel, Packer, PageOrientation, Paragraph, Table, TableCell, TableRow, TextRun, WidthType,
} from 'docx';
import type { Ledger } from './ledger.js';

/*
 * The ledger as a Word document for filing: title, subtitle and one landscape table with the
 * header repeated on every page. Chinese needs an East Asian font in the run properties or Word
 * substitutes its own: 宋体 for text, 黑体 for the title; 8 pt in the table, 15 columns wide.
 */

const BODY_FONT = { ascii: 'Times New Roman', hAnsi: 'Times New Roman', eastAsia: '宋体', cs: 'Times New Roman' };
const HEADING_FONT = { ascii: 'Arial', hAnsi: 'Arial', eastAsia: '黑体', cs: 'Arial' };
const SMALL = 16; // half-points
/** Relative column widths (percent of the table). */
const WIDTHS = [3, 7, 8, 7, 7, 5, 4, 10, 15, 7, 5, 8, 7, 7, 4];

const cellText = (value: string, bold = false) =>
  (value || ' ').split('\n').map((line) => new Paragraph({ children: [new TextRun({ text: line, size: SMALL, bold })] }));

function table(ledger: Ledger): Table {
  const cell = (text: string, i: number, header = false) => new TableCell({
    children: cellText(text, header),
    width: { size: WIDTHS[i] ?? 5, type: WidthType.PERCENTAGE },
    ...(header ? { shading: { fill: 'DDEBF7' } } : {}),
  });
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      new TableRow({ tableHeader: true, children: ledger.headers.map((h, i) => cell(h, i, true)) }),
      ...ledger.rows.map((cells) => new TableRow({ cantSplit: false, children: cells.map((c, i) => cell(c, i)) })),
    ],
  });
}

export async function ledgerDocx(ledger: Ledger): Promise<Buffer> {
  const doc = new Document({
    creator: '智泊 Zhibo',
    title: ledger.title,
    styles: {
      default: {
        document: { run: { font: BODY_FONT, size: 21, language: { value: 'zh-CN', eastAsia: 'zh-CN' } } },
        title: { run: { font: HEADING_FONT, size: 36, bold: true } },
      },
    },
    sections: [{
      properties: { page: { size: { orientation: PageOrientation.LANDSCAPE }, margin: { top: 720, bottom: 720, left: 720, right: 720 } } },
      children: [
        new Paragraph({ heading: HeadingLevel.TITLE, alignment: AlignmentType.CENTER, children: [new TextRun(ledger.title)] }),
        new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ text: ledger.subtitle, color: '606060' })] }),
        table(ledger),
        ...(ledger.rows.length ? [] : [new Paragraph({ children: [new TextRun({ text: '（无）', color: '606060' })] })]),
      ],
    }],
  });
  return Packer.toBuffer(doc);
}
