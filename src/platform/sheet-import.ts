/** What a row of an imported sheet came to; shared by the sheet imports (lots, onboarding entries). */
export type ImportRowStatus = 'created' | 'updated' | 'unchanged' | 'rejected';

export interface SheetImportResult<R> {
  dryRun: boolean;
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  rows: R[];
}

/** The per-row results with their totals by outcome. */
export function sheetImportResult<R extends { status: ImportRowStatus }>(dryRun: boolean, rows: R[]): SheetImportResult<R> {
  const count = (s: ImportRowStatus) => rows.filter((r) => r.status === s).length;
  return { dryRun, total: rows.length, created: count('created'), updated: count('updated'), unchanged: count('unchanged'), rejected: count('rejected'), rows };
}
