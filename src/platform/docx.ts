import {
  AlignmentType, BorderStyle, Document, Footer, HeadingLevel, ImageRun, Packer, PageNumber, PageOrientation, Paragraph, ShadingType, Table, TableCell, TableRow,
  TextRun, WidthType,
} from 'docx';

/*
 * The house style of every .docx report (docs/architecture.md, "Cross-cutting rules", Reports):
 * the look of an official Chinese document — a centred title in 黑体, headings in 黑体, body text
 * in 宋体, all black, on A4 with the page number centred in the footer (— 1 —) — and the pieces
 * a report is made of: headings, paragraphs, grey notes, tables with a shaded header row that
 * repeats on every page, and charts (SVG with the PNG copy older Word needs).
 *
 * Chinese text needs an East Asian font named in the run properties (the w:eastAsia slot is the
 * one Word uses for CJK characters), or Word substitutes its own; Latin letters and digits take
 * Times New Roman in the body and Arial in headings. Sizes are in half-points, by their Chinese
 * names: 小二 36, 四号 28, 小四 24, 五号 21, 小五 18.
 */

export const BODY_FONT = { ascii: 'Times New Roman', hAnsi: 'Times New Roman', cs: 'Times New Roman', eastAsia: '宋体' };
export const HEADING_FONT = { ascii: 'Arial', hAnsi: 'Arial', cs: 'Arial', eastAsia: '黑体' };

/** Text sizes in half-points. */
export const SIZE = {
  title: 36, // 小二
  heading1: 28, // 四号
  heading2: 24, // 小四
  body: 21, // 五号
  table: 18, // 小五
  /** 8 pt, for the widest tables (a dozen columns and more on landscape A4). */
  dense: 16,
} as const;

/** Colours (RGB hex): grey notes, red emphasis, the table header's fill, a row that needs attention. */
export const COLOR = { grey: '606060', red: 'C00000', black: '000000', headerFill: 'DDEBF7', alertFill: 'FDE2E2' } as const;

/** Page margins in twips: 2 cm on portrait pages, 1.27 cm on landscape ones (wide tables). */
const MARGIN = { portrait: 1134, landscape: 720 } as const;

export type Block = Paragraph | Table;
export type CellValue = string | number;

export interface ParaOptions {
  bold?: boolean;
  color?: string;
  size?: number;
  center?: boolean;
}

const BODY_SPACING = { after: 120, line: 360 };

/** A paragraph of body text. */
export function para(text: string, opts: ParaOptions = {}): Paragraph {
  return new Paragraph({
    children: [new TextRun({ text, bold: opts.bold, color: opts.color, size: opts.size })],
    alignment: opts.center ? AlignmentType.CENTER : undefined,
    spacing: BODY_SPACING,
  });
}

/** A grey note in table-size text (a table's footnote, 口径). */
export const note = (text: string): Paragraph => para(text, { color: COLOR.grey, size: SIZE.table });

/** What stands where a list is empty: （无） as a grey note. */
export const none = (): Paragraph => note('（无）');

/** A heading (level 1: 一、…; level 2 under it), 黑体 from the document's styles. */
export function heading(text: string, level: 1 | 2 = 1): Paragraph {
  return new Paragraph({ heading: level === 1 ? HeadingLevel.HEADING_1 : HeadingLevel.HEADING_2, children: [new TextRun(text)] });
}

export interface FigureOptions {
  svg: string;
  /** The raster copy shown by Word versions without SVG support. */
  png: Buffer;
  width: number;
  height: number;
  /** The picture's title (alt text). */
  title: string;
}

/** A centred chart: the SVG picture with its PNG fallback. */
export function figure(f: FigureOptions): Paragraph {
  return new Paragraph({
    alignment: AlignmentType.CENTER,
    spacing: { before: 120, after: 120 },
    children: [new ImageRun({
      type: 'svg',
      data: Buffer.from(f.svg, 'utf8'),
      fallback: { type: 'png', data: f.png },
      transformation: { width: f.width, height: f.height },
      altText: { name: 'chart', title: f.title, description: f.title },
    })],
  });
}

export interface TableOptions {
  /** Column widths in percent of the table; without them Word sizes the columns. */
  widths?: readonly number[];
  /** Text size in half-points: SIZE.table unless given (SIZE.dense for the widest tables). */
  size?: number;
  /** A row's fill (COLOR.alertFill for a row that needs attention), by row index. */
  fill?: (row: number) => string | undefined;
  /** Cells set in bold red (an overdue flag), by row and column index. */
  emphasis?: (row: number, col: number) => boolean;
  /** Keep each row on one page: for tables of short rows only. */
  keepRows?: boolean;
}

const BORDER = { style: BorderStyle.SINGLE, size: 4, color: COLOR.black };
const BORDERS = { top: BORDER, bottom: BORDER, left: BORDER, right: BORDER, insideHorizontal: BORDER, insideVertical: BORDER };

/**
 * A full-width table with thin black borders and a shaded, bold header row repeated on every page.
 * A cell's lines ('\n') are paragraphs of their own; numbers are right-aligned.
 */
export function table(headers: readonly string[], rows: readonly (readonly CellValue[])[], opts: TableOptions = {}): Table {
  const size = opts.size ?? SIZE.table;
  const cell = (value: CellValue, col: number, style: { bold?: boolean; color?: string; fill?: string }) => new TableCell({
    children: (String(value) || ' ').split('\n').map((line) => new Paragraph({
      alignment: typeof value === 'number' ? AlignmentType.RIGHT : undefined,
      children: [new TextRun({ text: line, size, bold: style.bold, color: style.color })],
    })),
    ...(opts.widths?.[col] !== undefined ? { width: { size: opts.widths[col], type: WidthType.PERCENTAGE } } : {}),
    ...(style.fill ? { shading: { type: ShadingType.CLEAR, color: 'auto', fill: style.fill } } : {}),
  });
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    borders: BORDERS,
    rows: [
      new TableRow({ tableHeader: true, children: headers.map((h, c) => cell(h, c, { bold: true, fill: COLOR.headerFill })) }),
      ...rows.map((cells, r) => new TableRow({
        cantSplit: opts.keepRows,
        children: cells.map((v, c) => cell(v, c, { fill: opts.fill?.(r), ...(opts.emphasis?.(r, c) ? { bold: true, color: COLOR.red } : {}) })),
      })),
    ],
  });
}

export interface ReportSection {
  /** Landscape A4 with narrow margins, for wide tables. */
  landscape?: boolean;
  children: Block[];
}

export interface ReportOptions {
  /** The title at the top of the first page. */
  title: string;
  /** The centred grey line under the title (period, generation time). */
  subtitle?: string;
  /** The file's title property, where it says more than the title (e.g. the period); the title otherwise. */
  documentTitle?: string;
  /** The report's sections in order (a new one where the page orientation changes); the title opens the first. */
  sections: ReportSection[];
}

const pageNumberFooter = () => new Footer({
  children: [new Paragraph({
    alignment: AlignmentType.CENTER,
    children: [new TextRun({ children: ['— ', PageNumber.CURRENT, ' —'], size: SIZE.table })],
  })],
});

/** The report as a .docx in the house style. */
export function reportDocx(r: ReportOptions): Promise<Buffer> {
  const titleBlock: Block[] = [
    new Paragraph({ heading: HeadingLevel.TITLE, alignment: AlignmentType.CENTER, children: [new TextRun(r.title)] }),
    ...(r.subtitle !== undefined ? [new Paragraph({ alignment: AlignmentType.CENTER, spacing: { after: 240 }, children: [new TextRun({ text: r.subtitle, color: COLOR.grey })] })] : []),
  ];
  const doc = new Document({
    creator: '智泊 Zhibo',
    title: r.documentTitle ?? r.title,
    styles: {
      default: {
        document: { run: { font: BODY_FONT, size: SIZE.body, language: { value: 'zh-CN', eastAsia: 'zh-CN' } } },
        title: { run: { font: HEADING_FONT, size: SIZE.title, bold: true, color: COLOR.black }, paragraph: { spacing: { after: 120 } } },
        heading1: { run: { font: HEADING_FONT, size: SIZE.heading1, bold: true, color: COLOR.black }, paragraph: { spacing: { before: 240, after: 120 } } },
        heading2: { run: { font: HEADING_FONT, size: SIZE.heading2, bold: true, color: COLOR.black }, paragraph: { spacing: { before: 160, after: 80 } } },
      },
    },
    sections: r.sections.map((s, i) => {
      const m = s.landscape ? MARGIN.landscape : MARGIN.portrait;
      return {
        properties: {
          page: {
            ...(s.landscape ? { size: { orientation: PageOrientation.LANDSCAPE } } : {}),
            margin: { top: m, bottom: m, left: m, right: m },
          },
        },
        footers: { default: pageNumberFooter() },
        children: i === 0 ? [...titleBlock, ...s.children] : s.children,
      };
    }),
  });
  return Packer.toBuffer(doc);
}
