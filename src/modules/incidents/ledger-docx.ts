import { none, reportDocx, SIZE, table } from '../../platform/docx.js';
import type { Ledger } from './ledger.js';

/*
 * The ledger as a Word document for filing, in the house style of src/platform/docx.ts: title,
 * subtitle and one landscape table with the header repeated on every page, 8 pt for its 15 columns.
 */

/** Relative column widths (percent of the table). */
const WIDTHS = [3, 7, 8, 7, 7, 5, 4, 10, 15, 7, 5, 8, 7, 7, 4];

export function ledgerDocx(ledger: Ledger): Promise<Buffer> {
  return reportDocx({
    title: ledger.title,
    subtitle: ledger.subtitle,
    sections: [{
      landscape: true,
      children: [
        table(ledger.headers, ledger.rows, { widths: WIDTHS, size: SIZE.dense }),
        ...(ledger.rows.length ? [] : [none()]),
      ],
    }],
  });
}
