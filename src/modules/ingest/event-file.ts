import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import { parse as parseCsv, type CsvError } from 'csv-parse';
import ExcelJS from 'exceljs';
import { AppError, badRequest } from '../../platform/errors.js';
import type { Rejection } from './validate.js';

/*
 * Streaming reader of event files for the offline import (.csv, .xlsx, .jsonl/.ndjson). Nothing
 * here holds the whole file: CSV goes through csv-parse as a stream, JSON lines are split as
 * they arrive, XLSX is read with exceljs' streaming WorkbookReader (which keeps the shared
 * string table, as any xlsx reader must). Each item carries its row (CSV/XLSX, header = row 1)
 * or line number (JSONL).
 *
 * Values are not judged here (validate.ts does that for every path); the reader only turns
 * sheet cells into the event shape of docs/接入规范.md §7: Chinese or English headers, Chinese value words
 * (入场, 蓝, 微信 …), numbers for the numeric fields, empty cells left out. Unreadable JSON lines
 * come out as row errors; a file that cannot be read at all throws a 400 (INVALID_FILE,
 * MISSING_COLUMNS).
 */

export type EventFileFormat = 'csv' | 'xlsx' | 'jsonl';

export type FileItem =
  | { row: number; event: unknown }
  /** An unreadable row: the caller reports it (and keeps `raw` in quarantine). */
  | { row: number; error: Rejection; raw: string };

export interface FileColumns {
  /** Header → field, as matched (CSV/XLSX only). */
  matched: { header: string; field: EventField }[];
  /** Headers that matched no field: reported, not fatal (exports carry extra columns). */
  ignored: string[];
}

export interface ReadOptions {
  /** Called once the header row of a CSV/XLSX is known. */
  onColumns?: (columns: FileColumns) => void;
}

export const EVENT_FIELDS = [
  'type', 'eventId', 'occurredAt', 'lotCode', 'plate', 'ticketId', 'plateColor', 'berthCode', 'entryEventId', 'enteredAt',
  'receivableFen', 'paidFen', 'payChannel', 'totalSpaces', 'freeSpaces', 'orderNo', 'amountFen', 'channel', 'paidAt', 'photoUrl',
] as const;
export type EventField = (typeof EVENT_FIELDS)[number];

/** Column headers per field, the template's label first. Matching ignores case, spaces, `*` and a trailing (unit). */
export const EVENT_COLUMN_HEADERS: Record<EventField, readonly string[]> = {
  type: ['类型', 'type', '事件类型'],
  eventId: ['事件编号', 'eventId', '事件ID', '记录编号', '流水号'],
  occurredAt: ['发生时间', 'occurredAt', '事件时间', '时间'],
  lotCode: ['车场编码', 'lotCode', '停车场编码'],
  plate: ['车牌', 'plate', '车牌号', '车牌号码'],
  // The lot system's ticket of a vehicle without a plate (无牌车/临时车): pairs its entry and exit (docs/接入规范.md §6.2).
  ticketId: ['票号', 'ticketId', '凭证号', '临时票号', '小票号', '入场凭证号'],
  plateColor: ['车牌颜色', 'plateColor'],
  berthCode: ['泊位', 'berthCode', '泊位编号', '泊位号'],
  entryEventId: ['入场事件编号', 'entryEventId'],
  enteredAt: ['入场时间', 'enteredAt'],
  receivableFen: ['应收', 'receivableFen', '应收金额'],
  paidFen: ['实收', 'paidFen', '实收金额'],
  payChannel: ['支付方式', 'payChannel'],
  totalSpaces: ['总泊位', 'totalSpaces', '总泊位数'],
  freeSpaces: ['空余泊位', 'freeSpaces', '空余泊位数', '空位', '剩余泊位'],
  orderNo: ['订单号', 'orderNo', '支付订单号'],
  amountFen: ['金额', 'amountFen', '支付金额'],
  channel: ['渠道', 'channel', '支付渠道'],
  paidAt: ['支付时间', 'paidAt'],
  photoUrl: ['抓拍', 'photoUrl', '抓拍地址', '抓拍图片'],
};
const REQUIRED: readonly EventField[] = ['type', 'eventId', 'occurredAt'];
const MONEY: ReadonlySet<EventField> = new Set(['receivableFen', 'paidFen', 'amountFen']);
const INTEGER: ReadonlySet<EventField> = new Set(['receivableFen', 'paidFen', 'amountFen', 'totalSpaces', 'freeSpaces']);
const TIME: ReadonlySet<EventField> = new Set(['occurredAt', 'enteredAt', 'paidAt']);

/** Chinese value words of sheets exported by Chinese lot systems; English codes pass as they are. */
const VALUE_WORDS: Partial<Record<EventField, Record<string, string>>> = {
  type: { 入场: 'entry', 进场: 'entry', 出场: 'exit', 离场: 'exit', 状态: 'status', 余位: 'status', 心跳: 'heartbeat', 支付: 'payment', 缴费: 'payment', 付款: 'payment' },
  plateColor: {
    蓝: 'blue', 蓝色: 'blue', 蓝牌: 'blue', 黄: 'yellow', 黄色: 'yellow', 黄牌: 'yellow', 绿: 'green', 绿色: 'green', 绿牌: 'green', 渐变绿: 'green',
    白: 'white', 白色: 'white', 白牌: 'white', 黑: 'black', 黑色: 'black', 黑牌: 'black', 黄绿: 'yellow_green', 黄绿色: 'yellow_green', 黄绿双拼: 'yellow_green',
  },
  payChannel: { 微信: 'wechat', 支付宝: 'alipay', 银联: 'unionpay', 云闪付: 'unionpay', 现金: 'cash', 刷卡: 'card', 银行卡: 'card', 免费: 'free', 免单: 'free', 其他: 'other' },
};
VALUE_WORDS.channel = VALUE_WORDS.payChannel;

/** "*应收（分）" → "应收", "Event ID" → "eventid". */
function headerKey(label: string): { key: string; unit: string | null } {
  let h = label.replace(/^[\s*＊]+|[\s*＊]+$/g, '');
  let unit: string | null = null;
  const m = /\s*[（(]([^)）]*)[)）]\s*$/.exec(h);
  if (m) {
    unit = m[1]!.trim().toLowerCase();
    h = h.slice(0, m.index);
  }
  return { key: h.replace(/[\s_-]/g, '').toLowerCase(), unit };
}

const HEADER_INDEX = new Map<string, EventField>(
  Object.entries(EVENT_COLUMN_HEADERS).flatMap(([field, names]) => names.map((n) => [headerKey(n).key, field as EventField] as const)),
);

interface Column {
  field: EventField;
  /** Money given in yuan (header "应收(元)"): converted to fen. */
  yuan: boolean;
}

type Cell = string | number | boolean | Date | undefined;

function mapHeader(cells: Cell[], onColumns?: ReadOptions['onColumns']): (Column | null)[] {
  const columns: (Column | null)[] = [];
  const info: FileColumns = { matched: [], ignored: [] };
  for (const cell of cells) {
    const label = cell === undefined ? '' : String(cell).trim();
    const { key, unit } = headerKey(label);
    const field = HEADER_INDEX.get(key) ?? null;
    // A field named twice (车牌 and plate): the first column wins, the other is ignored.
    if (field && !columns.some((c) => c?.field === field)) {
      columns.push({ field, yuan: MONEY.has(field) && (unit === '元' || unit === 'yuan' || unit === 'cny') });
      info.matched.push({ header: label, field });
    } else {
      columns.push(null);
      if (label) info.ignored.push(label);
    }
  }
  const missing = REQUIRED.filter((f) => !columns.some((c) => c?.field === f));
  if (missing.length) {
    const names = missing.map((f) => `${EVENT_COLUMN_HEADERS[f][0]}/${f}`).join(', ');
    throw new AppError(400, 'MISSING_COLUMNS', `缺少必需的列 / missing required columns: ${names}`, { missing });
  }
  onColumns?.(info);
  return columns;
}

/** An Excel date cell is wall-clock time stored as UTC: written back as Shanghai local time. */
function wallClock(d: Date): string {
  const rounded = new Date(Math.round(d.getTime() / 1000) * 1000);
  return rounded.toISOString().slice(0, 19).replace('T', ' ');
}

/** "2026/11/25 8:30" (Excel's Chinese CSV) → "2026-11-25 08:30:00"; other text unchanged. */
function normalizeTimeText(s: string): string {
  const m = /^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$/.exec(s);
  if (!m) return s;
  const p = (v: string | undefined) => (v ?? '0').padStart(2, '0');
  return `${m[1]}-${p(m[2])}-${p(m[3])} ${p(m[4])}:${p(m[5])}:${p(m[6])}`;
}

function fieldValue(col: Column, cell: Exclude<Cell, undefined>): unknown {
  const { field } = col;
  if (INTEGER.has(field)) {
    let n: number | null = null;
    if (typeof cell === 'number') n = cell;
    else if (typeof cell === 'string') {
      const t = cell.replace(/[,\s]/g, '');
      if (/^[-+]?\d+(\.\d+)?$/.test(t)) n = Number(t);
    }
    if (n === null) return typeof cell === 'string' ? cell : String(cell); // left for validation to refuse
    if (!col.yuan) return n;
    const fen = n * 100;
    return Math.abs(fen - Math.round(fen)) < 1e-6 ? Math.round(fen) : fen;
  }
  if (cell instanceof Date) return TIME.has(field) ? wallClock(cell) : cell.toISOString();
  const text = typeof cell === 'string' ? cell : String(cell);
  if (TIME.has(field)) return normalizeTimeText(text);
  const words = VALUE_WORDS[field];
  if (words) return words[text] ?? (field === 'type' ? text.toLowerCase() : text);
  return text;
}

function rowEvent(columns: (Column | null)[], cells: Cell[]): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  columns.forEach((col, i) => {
    const cell = cells[i];
    if (col && cell !== undefined) event[col.field] = fieldValue(col, cell);
  });
  return event;
}

const isBlank = (cells: Cell[]) => !cells.some((c) => c !== undefined);

/** The format by the file's name; anything else is refused before reading. */
export function eventFileFormat(fileName: string): EventFileFormat {
  const ext = fileName.toLowerCase().split('.').pop() ?? '';
  if (ext === 'csv' || ext === 'tsv' || ext === 'txt') return 'csv';
  if (ext === 'xlsx') return 'xlsx';
  if (ext === 'jsonl' || ext === 'ndjson') return 'jsonl';
  if (ext === 'xls') throw badRequest('INVALID_FILE', '不支持旧版 .xls，请另存为 .xlsx 或 .csv / legacy .xls is not supported; save as .xlsx or .csv');
  throw badRequest('INVALID_FILE', `不支持的文件类型 .${ext}，请使用 .csv、.xlsx 或 .jsonl / unsupported file type; use .csv, .xlsx or .jsonl (.ndjson)`);
}

/** Reads an event file as a stream; see the top of this file. */
export function readEventFile(input: Readable, format: EventFileFormat, opts: ReadOptions = {}): AsyncGenerator<FileItem> {
  switch (format) {
    case 'xlsx':
      return readXlsx(input, opts);
    case 'csv':
      return readCsv(decodeText(input), opts);
    case 'jsonl':
      return readJsonLines(decodeText(input));
  }
}

// ---------------------------------------------------------------------------------------------
// Text: UTF-8 (with or without BOM), GBK as written by Excel on a Chinese Windows, or UTF-16 with BOM.

/** Longest JSON line / CSV record accepted; beyond it the file is refused rather than buffered. */
export const MAX_RECORD_CHARS = 1024 * 1024;
const SNIFF_BYTES = 4096;

const notText = () => badRequest('INVALID_FILE', '文件不是文本文件（.csv/.jsonl），Excel 文件请使用 .xlsx 扩展名 / not a text file; an Excel workbook must be named .xlsx');

/**
 * Bytes → text. ASCII passes straight through (it reads the same in UTF-8 and GBK); the encoding
 * is chosen at the first non-ASCII bytes: UTF-8 when they decode as UTF-8, else GBK.
 */
export class TextDecodeStream extends Transform {
  private decoder: TextDecoder | null = null;
  private pending: Buffer | null = null;
  private first = true;

  constructor() {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      if (this.first) {
        this.first = false;
        if (chunk[0] === 0xff && chunk[1] === 0xfe) this.decoder = new TextDecoder('utf-16le');
        else if (chunk[0] === 0xfe && chunk[1] === 0xff) this.decoder = new TextDecoder('utf-16be');
        else if (chunk.length >= 4 && chunk.readUInt32LE(0) === 0x04034b50) throw notText(); // a zip: .xlsx named otherwise
        else if (chunk.subarray(0, SNIFF_BYTES).includes(0)) throw notText();
      }
      if (this.decoder) return done(null, this.text(this.decoder.decode(chunk, { stream: true })));
      const buf: Buffer = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
      this.pending = null;
      const at = buf.findIndex((b) => b >= 0x80);
      if (at < 0) return done(null, this.text(buf.toString('latin1')));
      const ascii = buf.subarray(0, at).toString('latin1');
      if (buf.length - at < SNIFF_BYTES) {
        this.pending = Buffer.from(buf.subarray(at));
        return done(null, this.text(ascii));
      }
      this.decide(buf.subarray(at));
      done(null, this.text(ascii + this.decoder!.decode(buf.subarray(at), { stream: true })));
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      let out = '';
      if (this.pending) {
        this.decide(this.pending);
        out = this.decoder!.decode(this.pending, { stream: true });
        this.pending = null;
      }
      if (this.decoder) out += this.decoder.decode();
      done(null, this.text(out));
    } catch (err) {
      done(err as Error);
    }
  }

  private decide(sample: Buffer): void {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
      this.decoder = new TextDecoder('utf-8');
    } catch {
      this.decoder = new TextDecoder('gbk');
    }
  }

  /** null would end an object-mode stream: empty text is pushed as nothing. */
  private text(s: string): string | undefined {
    return s === '' ? undefined : s;
  }
}

function decodeText(input: Readable): Readable {
  const decoder = new TextDecodeStream();
  // Errors of either side end the other; the reader sees them from its iteration.
  pipeline(input, decoder, () => {});
  return decoder;
}

// ---------------------------------------------------------------------------------------------
// JSON lines

async function* readJsonLines(text: Readable): AsyncGenerator<FileItem> {
  let line = 0;
  let rest = '';
  const item = (s: string): FileItem | null => {
    line += 1;
    const trimmed = s.trim();
    if (!trimmed) return null;
    try {
      return { row: line, event: JSON.parse(trimmed) };
    } catch (err) {
      return { row: line, error: { code: 'INVALID_JSON', message: `第 ${line} 行不是合法 JSON / line ${line} is not valid JSON: ${(err as Error).message}` }, raw: s };
    }
  };
  for await (const chunk of text as AsyncIterable<string>) {
    const buf = rest + chunk;
    let start = 0;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n', start)) {
      const it = item(buf.slice(start, nl));
      start = nl + 1;
      if (it) yield it;
    }
    rest = buf.slice(start);
    if (rest.length > MAX_RECORD_CHARS) {
      throw badRequest('INVALID_FILE', `第 ${line + 1} 行超过 ${MAX_RECORD_CHARS} 个字符，不是 JSON lines 文件？ / line ${line + 1} is longer than ${MAX_RECORD_CHARS} characters: not a JSON lines file?`);
    }
  }
  const last = rest ? item(rest) : null;
  if (last) yield last;
}

// ---------------------------------------------------------------------------------------------
// CSV

async function* readCsv(text: Readable, opts: ReadOptions): AsyncGenerator<FileItem> {
  // The delimiter follows the header line: commas, or tabs (Excel's "Unicode text"), or semicolons.
  const source = text[Symbol.asyncIterator]() as AsyncIterator<string>;
  let head = '';
  while (!/[\r\n]/.test(head) && head.length < MAX_RECORD_CHARS) {
    const next = await source.next();
    if (next.done) break;
    head += next.value;
  }
  const firstLine = head.split(/\r?\n|\r/, 1)[0] ?? '';
  const count = (c: string) => firstLine.split(c).length - 1;
  const delimiter = [',', '\t', ';'].reduce((best, c) => (count(c) > count(best) ? c : best), ',');

  async function* rest(): AsyncGenerator<string> {
    try {
      if (head) yield head;
      for (;;) {
        const next = await source.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await source.return?.();
    }
  }
  const parser = parseCsv({ delimiter, bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: false, max_record_size: MAX_RECORD_CHARS });
  pipeline(Readable.from(rest()), parser, () => {});

  let row = 0;
  let columns: (Column | null)[] | null = null;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      row += 1;
      const cells: Cell[] = record.map((c) => c.trim() || undefined);
      if (isBlank(cells)) continue;
      if (!columns) {
        columns = mapHeader(cells, opts.onColumns);
        continue;
      }
      yield { row, event: rowEvent(columns, cells) };
    }
  } catch (err) {
    const code = (err as CsvError).code;
    if (typeof code === 'string' && code.startsWith('CSV_')) {
      throw badRequest('INVALID_FILE', `CSV 第 ${row + 1} 行附近无法解析 / the CSV cannot be parsed near row ${row + 1}: ${(err as Error).message}`);
    }
    throw err;
  }
  if (!columns) throw badRequest('INVALID_FILE', '文件中没有表头 / the file has no header row');
}

// ---------------------------------------------------------------------------------------------
// XLSX (first worksheet)

function xlsxCell(v: ExcelJS.CellValue): Cell {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'string') return v.trim() || undefined;
  if (v instanceof Date) return v;
  if ('richText' in v) return v.richText.map((t) => t.text).join('').trim() || undefined;
  if ('hyperlink' in v) return String(v.text ?? '').trim() || undefined;
  if ('formula' in v || 'sharedFormula' in v) return xlsxCell((v.result ?? null) as ExcelJS.CellValue);
  return undefined; // error values (#N/A …) count as empty
}

/** Errors of the file itself (a broken zip, bad XML), as opposed to the stream (too large, aborted). */
function isOwnError(err: unknown): boolean {
  const e = err as { statusCode?: unknown; status?: unknown; syscall?: unknown };
  return !(err instanceof AppError) && e?.statusCode === undefined && e?.status === undefined && e?.syscall === undefined;
}

async function* readXlsx(input: Readable, opts: ReadOptions): AsyncGenerator<FileItem> {
  // Styles are read so that date cells come back as dates; hyperlinks are not needed.
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, { worksheets: 'emit', sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', entries: 'ignore' });
  let sheets = 0;
  let columns: (Column | null)[] | null = null;
  try {
    for await (const sheet of reader) {
      if (++sheets > 1) continue; // the first sheet only; the others are skipped unread
      for await (const row of sheet) {
        const cells: Cell[] = [];
        row.eachCell({ includeEmpty: false }, (cell, col) => {
          cells[col - 1] = xlsxCell(cell.value);
        });
        if (isBlank(cells)) continue;
        if (!columns) {
          columns = mapHeader(cells, opts.onColumns);
          continue;
        }
        yield { row: row.number, event: rowEvent(columns, cells) };
      }
    }
  } catch (err) {
    if (isOwnError(err)) throw badRequest('INVALID_FILE', `无法读取 Excel 文件 / the .xlsx file cannot be read: ${(err as Error).message}`);
    throw err;
  } finally {
    input.destroy();
  }
  if (sheets === 0) throw badRequest('INVALID_FILE', '无法读取 Excel 文件：没有工作表 / the .xlsx file has no worksheet');
  if (!columns) throw badRequest('INVALID_FILE', '文件中没有表头 / the file has no header row');
}
