// Types of the shared sheet import flow (SheetImport.vue).

export interface SheetImportIssue {
  field?: string | null;
  code?: string;
  message: string;
}

/** One row's verdict; `code` or `name` names the row's thing (lot code, candidate name). */
export interface SheetImportRow {
  row: number;
  status: string;
  code?: string | null;
  name?: string | null;
  errors: SheetImportIssue[];
  warnings: SheetImportIssue[];
}

/** What a dry run or a commit answers: the counts the summary names (by key) and (optionally) every row. */
export interface SheetImportResult {
  dryRun: boolean;
  rejected: number;
  /** The rows' verdicts (SheetImportRow[]); where it is a count instead, the page shows its own rows. */
  rows?: unknown;
}

export type TagType = 'primary' | 'success' | 'info' | 'warning' | 'danger';

export interface SummaryItem {
  key: string;
  tag: TagType;
}

/** The i18n namespaces whose keys (chooseFile, dryRun, run, noFile, dryRunNote, doneNote, summary.*, …) the flow reads. */
export type TextsKey = 'import' | 'onboarding.importDialog' | 'eventImport' | 'security.importDialog';

export type UploadProgress = (loaded: number, total: number) => void;
