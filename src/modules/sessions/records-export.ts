import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Actor } from '../../platform/auth/permissions.js';
import { badRequest } from '../../platform/errors.js';
import { readDb } from '../../platform/read-db.js';
import { formatShanghai, shanghaiDay } from '../../platform/time.js';
import { auditPlateSearch, auditUnmasked } from './records.js';
import {
  fetchPage, filterForAudit, parseFilters, seesPlates, toItem, type Cursor, type RawFilters, type SessionFilters, type SessionItem, type SessionRow,
} from './records-query.js';
import type { SessionFlag } from './tables.js';
import type { SessionsContext } from './repo.js';
import { XLSX_TYPE } from '../../platform/http/download.js';

/*
 * Export of parking records as .xlsx or .csv, with the list's filters. Both stream: rows are
 * read in keyset pages of PAGE_ROWS and written out as they come, so an export of millions of
 * rows never sits in memory (and PGlite has no cursor streaming: pages work on both databases).
 * Pages are read through `readDb` (the read replica when there is one; a page the replica fails
 * is read again from the primary, docs/decisions/0031-read-replica.md).
 * Masking and the audit of unmasked reads are as for the list: one audit row per export, with
 * the filter and the number of rows, written when the last row has gone out; a plate search
 * without pii is audited once, when the export starts.
 */

export const EXPORT_FORMATS = ['xlsx', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export { XLSX_TYPE };
export const CSV_TYPE = 'text/csv; charset=utf-8';

const PAGE_ROWS = 5000;
/** Excel's limit is 1,048,576 rows a sheet; longer exports continue on another sheet. */
const SHEET_ROWS = 1_000_000;

export const HEADERS = ['车场编码', '车场名称', '县市区', '车牌', '入场时间', '出场时间', '停车时长(分钟)', '应收(元)', '实收(元)', '欠费(元)', '支付方式', '状态', '标记'] as const;

export const STATE_LABELS: Record<'open' | 'closed', string> = { open: '在场', closed: '已出场' };
export const FLAG_LABELS: Record<SessionFlag, string> = {
  no_entry: '无入场记录',
  stale: '长时间未出场',
  duplicate_entry: '重复入场',
  entry_from_exit: '入场时间取自出场记录',
  negative_duration: '出场早于入场',
  late_entry: '入场补传',
};
export const PAY_CHANNEL_LABELS: Record<string, string> = {
  wechat: '微信',
  alipay: '支付宝',
  unionpay: '银联',
  etc: 'ETC',
  cash: '现金',
  card: '刷卡',
  free: '免费',
  other: '其他',
};

export function parseFormat(text: string | undefined): ExportFormat {
  const f = (text ?? 'xlsx').trim().toLowerCase() || 'xlsx';
  if (!(EXPORT_FORMATS as readonly string[]).includes(f)) throw badRequest('INVALID_FORMAT', `导出格式应为 xlsx 或 csv / format must be xlsx or csv: ${text}`);
  return f as ExportFormat;
}

/** 1250 → '12.50'; null → ''. Integer arithmetic: no float rounding. */
export function yuan(fen: number | null): string {
  if (fen === null) return '';
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

const time = (iso: string | null) => (iso ? formatShanghai(new Date(iso)) : '');
const flagText = (flags: readonly string[]) => flags.map((f) => FLAG_LABELS[f as SessionFlag] ?? f).join('、');
const channelText = (c: string | null) => (c === null ? '' : (PAY_CHANNEL_LABELS[c] ?? c));

/** One export row as text, in HEADERS order. */
export function rowCells(item: SessionItem, districtName: string): string[] {
  return [
    item.lotCode,
    item.lotName,
    districtName,
    item.plate,
    time(item.enteredAt),
    time(item.exitedAt),
    item.durationMinutes === null ? '' : String(item.durationMinutes),
    yuan(item.receivableFen),
    yuan(item.paidFen),
    yuan(item.arrearsFen),
    channelText(item.payChannel),
    STATE_LABELS[item.state] ?? item.state,
    flagText(item.flags),
  ];
}

/** A CSV field: quoted when needed; text that a spreadsheet would run as a formula gets a leading '. */
function csvField(value: string, text: boolean): string {
  const v = text && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
}

const TEXT_COLUMNS = new Set([0, 1, 2, 3, 10, 11, 12]);
const csvLine = (cells: string[]) => `${cells.map((c, i) => csvField(c, TEXT_COLUMNS.has(i))).join(',')}\r\n`;

export interface ExportJob {
  format: ExportFormat;
  contentType: string;
  fileName: string;
  asciiName: string;
  /** The file, produced while it is read. */
  stream: Readable;
}

/**
 * Checks the request and reads the first page (so that bad input or a database failure is
 * still a proper JSON error), then hands back the stream that writes the rest.
 */
export async function exportSessions(ctx: SessionsContext, actor: Actor, q: RawFilters & { format?: string }, opts: { pageRows?: number } = {}): Promise<ExportJob> {
  const format = parseFormat(q.format);
  const filters = parseFilters(q, actor);
  const unmasked = seesPlates(actor);
  const pageRows = opts.pageRows ?? PAGE_ROWS;
  const first = await fetchPage(readDb(ctx), actor, filters, null, pageRows);
  // The search is what is audited without pii, so before the first row goes out.
  if (!unmasked && filters.plate) await auditPlateSearch(ctx, actor, { export: format, plate: filters.plate.value, filter: filterForAudit(q) });
  const pages = readPages(ctx, actor, filters, first, pageRows);
  let count = 0;
  const counted = async function* () {
    for await (const rows of pages) {
      count += rows.length;
      yield rows.map((r) => ({ item: toItem(r, unmasked), districtName: r.district_name }));
    }
  };
  const finish = async (complete: boolean) => {
    if (unmasked && count > 0) await auditUnmasked(ctx, actor, { export: format, filter: filterForAudit(q), count, ...(complete ? {} : { complete: false }) });
  };
  const day = shanghaiDay(ctx.clock.now());
  const stream = format === 'csv' ? csvStream(counted(), finish) : xlsxStream(counted(), finish);
  return {
    format,
    contentType: format === 'csv' ? CSV_TYPE : XLSX_TYPE,
    fileName: `停车流水-${day}.${format}`,
    asciiName: `parking-records-${day}.${format}`,
    stream,
  };
}

async function* readPages(ctx: SessionsContext, actor: Actor, filters: SessionFilters, first: { rows: SessionRow[]; next: Cursor | null }, pageRows: number): AsyncGenerator<SessionRow[]> {
  let page = first;
  for (;;) {
    if (page.rows.length > 0) yield page.rows;
    if (!page.next) return;
    page = await fetchPage(readDb(ctx), actor, filters, page.next, pageRows);
  }
}

type Rows = AsyncGenerator<{ item: SessionItem; districtName: string }[]>;

function csvStream(pages: Rows, finish: (complete: boolean) => Promise<void>): Readable {
  async function* lines(): AsyncGenerator<string> {
    let complete = false;
    try {
      // The BOM makes Excel read the file as UTF-8 (Chinese names and plates).
      yield `\uFEFF${csvLine([...HEADERS])}`;
      for await (const rows of pages) yield rows.map((r) => csvLine(rowCells(r.item, r.districtName))).join('');
      complete = true;
    } finally {
      await finish(complete);
    }
  }
  return Readable.from(lines(), { objectMode: false });
}

function xlsxStream(pages: Rows, finish: (complete: boolean) => Promise<void>): Readable {
  const out = new PassThrough();
  const write = async () => {
    let complete = false;
    try {
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
      wb.creator = '智泊 Zhibo';
      let sheet: ExcelJS.Worksheet | null = null;
      let sheetNo = 0;
      let inSheet = 0;
      const newSheet = () => {
        sheetNo++;
        const s = wb.addWorksheet(sheetNo === 1 ? '停车流水' : `停车流水 (${sheetNo})`, { views: [{ state: 'frozen', ySplit: 1 }] });
        const money = { numFmt: '0.00' };
        s.columns = HEADERS.map((header, i) => ({
          header,
          key: `c${i}`,
          width: [14, 28, 10, 12, 20, 20, 14, 10, 10, 10, 10, 8, 24][i],
          ...(i >= 7 && i <= 9 ? { style: money } : {}),
        }));
        const head = s.getRow(1);
        head.font = { bold: true };
        head.commit();
        inSheet = 0;
        return s;
      };
      for await (const rows of pages) {
        if (out.destroyed) break; // the client went away
        for (const { item, districtName } of rows) {
          if (!sheet || inSheet >= SHEET_ROWS) {
            sheet?.commit();
            sheet = newSheet();
          }
          const cells: unknown[] = rowCells(item, districtName).map((c) => (c === '' ? null : c));
          // Numbers stay numbers in Excel: minutes and yuan can be summed there.
          cells[6] = item.durationMinutes;
          cells[7] = item.receivableFen === null ? null : item.receivableFen / 100;
          cells[8] = item.paidFen === null ? null : item.paidFen / 100;
          cells[9] = item.arrearsFen === null ? null : item.arrearsFen / 100;
          sheet.addRow(cells).commit();
          inSheet++;
        }
        if (out.writableNeedDrain && !out.destroyed) await drained(out);
      }
      if (out.destroyed) {
        await finish(false);
        return;
      }
      if (!sheet) sheet = newSheet();
      sheet.commit();
      complete = true;
      await finish(true);
      await wb.commit();
    } catch (err) {
      if (!complete) await finish(false).catch(() => undefined);
      out.destroy(err as Error);
    }
  };
  void write();
  return out;
}

/** Until the reader has taken what is buffered, or has gone. */
async function drained(s: PassThrough): Promise<void> {
  const ac = new AbortController();
  try {
    await Promise.race([once(s, 'drain', { signal: ac.signal }), once(s, 'close', { signal: ac.signal })]);
  } finally {
    ac.abort();
  }
}
