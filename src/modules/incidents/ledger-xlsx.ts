import ExcelJS from 'exceljs';
import type { Ledger } from './ledger.js';

/*
 * The ledger as one sheet: title, subtitle, the header row (frozen), one row per incident with
 * the long cells (scope, process, follow-ups, feedback) wrapped; printed landscape on A4.
 */

const WIDTHS = [6, 16, 28, 19, 19, 14, 8, 34, 60, 19, 12, 36, 44, 44, 8];
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
const THIN: Partial<ExcelJS.Borders> = { top: { style: 'thin' }, left: { style: 'thin' }, bottom: { style: 'thin' }, right: { style: 'thin' } };

export async function ledgerXlsx(ledger: Ledger): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '智泊 Zhibo';
  wb.title = ledger.title;
  const sheet = wb.addWorksheet(ledger.title.slice(0, 31), {
    pageSetup: { orientation: 'landscape', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  sheet.columns = WIDTHS.map((width) => ({ width }));
  const width = ledger.headers.length;
  sheet.addRow([ledger.title]).font = { bold: true, size: 16 };
  sheet.mergeCells(1, 1, 1, width);
  sheet.getRow(1).alignment = { horizontal: 'center' };
  sheet.addRow([ledger.subtitle]).font = { color: { argb: 'FF606060' } };
  sheet.mergeCells(2, 1, 2, width);
  const header = sheet.addRow([...ledger.headers]);
  header.font = { bold: true };
  header.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  header.eachCell((c) => {
    c.fill = HEADER_FILL;
    c.border = THIN;
  });
  for (const cells of ledger.rows) {
    const row = sheet.addRow(cells);
    row.alignment = { vertical: 'top', wrapText: true };
    row.eachCell({ includeEmpty: true }, (c) => {
      c.border = THIN;
    });
  }
  if (!ledger.rows.length) sheet.addRow(['', '（无）']);
  sheet.views = [{ state: 'frozen', ySplit: 3 }];
  sheet.pageSetup.printTitlesRow = '3:3';
  return Buffer.from(await wb.xlsx.writeBuffer());
}
