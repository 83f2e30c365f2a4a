import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { AppError, badRequest } from '../../platform/errors.js';
import type { LotField, LotInput } from './lot-input.js';

/*
 * Reads a lot sheet (.xlsx or .csv) into rows of raw fields. Sheets come from people: headers in
 * Chinese or English, decorated ("*编码", "经度(GCJ-02)"), CSV saved by Chinese Excel in GBK, with
 * a BOM, or with blank lines. Values stay unchecked here; lot-input.ts judges them.
 */

export interface SheetRow<I = LotInput> {
  /** Row number in the sheet, header included (the first data row is 2). */
  row: number;
  input: I;
}

export interface LotSheet {
  format: 'xlsx' | 'csv';
  rows: SheetRow[];
  /** Headers that matched no field; reported, not fatal (an exported sheet has extra columns). */
  ignoredColumns: string[];
}

/** What a sheet's columns mean: header spellings per field (the first is the template's label), the required ones. */
export interface SheetSpec<F extends string> {
  headers: Record<F, readonly string[]>;
  required: readonly F[];
}

/** A sheet read against a spec; other modules' imports (onboarding candidates …) read theirs this way too. */
export interface Sheet<F extends string> {
  format: 'xlsx' | 'csv';
  rows: SheetRow<Partial<Record<F, Cell>>>[];
  ignoredColumns: string[];
}

/** Column headers, first the label written by the template and export. */
export const COLUMN_HEADERS: Record<LotField, readonly string[]> = {
  code: ['编码', 'code', '停车场编码', 'lotcode'],
  name: ['名称', 'name', '停车场名称'],
  districtCode: ['县市区', 'district', 'districtcode', '县市区编码', '区县', '所属县市区'],
  kind: ['类型', 'kind', '停车场类型'],
  category: ['类别', 'category', '停车场类别'],
  totalSpaces: ['总泊位', 'totalspaces', '总泊位数', '泊位总数'],
  address: ['地址', 'address'],
  lng: ['经度', 'lng', 'longitude', 'lon'],
  lat: ['纬度', 'lat', 'latitude'],
  coordSystem: ['坐标系', 'coordsystem', '坐标系统'],
  sourceCode: ['接入系统', 'sourcecode', 'source', '接入系统编码'],
  status: ['状态', 'status'],
  operatorId: ['运营单位', 'operator', 'operatorid', 'operatorname'],
  remark: ['备注', 'remark'],
};
export const REQUIRED_COLUMNS: readonly LotField[] = ['code', 'name', 'districtCode', 'kind', 'totalSpaces', 'lng', 'lat'];
export const MAX_ROWS = 20_000;

/** "*经度（GCJ-02）" → "经度", "Total Spaces" → "totalspaces". */
function headerKey(h: string): string {
  return h.replace(/^[\s*＊]+|[\s*＊]+$/g, '').replace(/\s*[（(][^)）]*[)）]\s*$/, '').replace(/[\s_]/g, '').toLowerCase();
}

export function readLotSheet(file: Buffer, fileName: string): Promise<LotSheet> {
  return readSheet(file, fileName, { headers: COLUMN_HEADERS, required: REQUIRED_COLUMNS });
}

export async function readSheet<F extends string>(file: Buffer, fileName: string, spec: SheetSpec<F>): Promise<Sheet<F>> {
  const ext = fileName.toLowerCase().split('.').pop() ?? '';
  const isZip = file.length > 4 && file.readUInt32LE(0) === 0x04034b50;
  const isOle = file.length > 8 && file.readUInt32BE(0) === 0xd0cf11e0; // legacy .xls
  if (isOle || ext === 'xls') throw badRequest('INVALID_FILE', '不支持旧版 .xls，请另存为 .xlsx 或 .csv / legacy .xls is not supported; save as .xlsx or .csv');
  if (file.length === 0) throw badRequest('INVALID_FILE', '文件为空 / the file is empty');
  const format = isZip || ext === 'xlsx' ? 'xlsx' : 'csv';
  if (format === 'csv' && file.subarray(0, 4096).includes(0)) throw badRequest('INVALID_FILE', '文件不是 .xlsx 或 .csv / not an .xlsx or .csv file');
  const grid = format === 'xlsx' ? await xlsxGrid(file) : csvGrid(file);
  return { format, ...gridRows(grid, spec) };
}

export type Cell = string | number | undefined;
type Grid = { row: number; cells: Cell[] }[];

function gridRows<F extends string>(grid: Grid, spec: SheetSpec<F>): Omit<Sheet<F>, 'format'> {
  const headerIndex = new Map<string, F>(
    (Object.entries(spec.headers) as [F, readonly string[]][]).flatMap(([field, names]) => names.map((n) => [headerKey(n), field] as const)),
  );
  const headerAt = grid.findIndex((r) => r.cells.some((c) => c !== undefined));
  if (headerAt < 0) throw badRequest('INVALID_FILE', '文件中没有表头 / the file has no header row');
  const fields: (F | null)[] = [];
  const ignoredColumns: string[] = [];
  for (const cell of grid[headerAt]!.cells) {
    const label = cell === undefined ? '' : String(cell);
    const field = headerIndex.get(headerKey(label)) ?? null;
    // A field named twice (编码 and code): the first column wins, the other is ignored.
    if (field && !fields.includes(field)) fields.push(field);
    else {
      fields.push(null);
      if (label.trim()) ignoredColumns.push(label.trim());
    }
  }
  const missing = spec.required.filter((f) => !fields.includes(f));
  if (missing.length) {
    const names = missing.map((f) => `${spec.headers[f][0]}/${f}`).join(', ');
    throw new AppError(400, 'MISSING_COLUMNS', `缺少必需的列 / missing required columns: ${names}`, { missing });
  }
  const rows: Sheet<F>['rows'] = [];
  for (const r of grid.slice(headerAt + 1)) {
    if (!r.cells.some((c) => c !== undefined)) continue;
    const input: Partial<Record<F, Cell>> = {};
    fields.forEach((field, i) => {
      if (field && r.cells[i] !== undefined) input[field] = r.cells[i];
    });
    rows.push({ row: r.row, input });
  }
  if (rows.length > MAX_ROWS) throw badRequest('TOO_MANY_ROWS', `一次最多导入 ${MAX_ROWS} 行，请拆分文件 / at most ${MAX_ROWS} rows per file; split it`);
  return { rows, ignoredColumns };
}

function cellValue(v: ExcelJS.CellValue): Cell {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  if ('richText' in v) return v.richText.map((t) => t.text).join('').trim() || undefined;
  if ('hyperlink' in v) return String(v.text ?? '').trim() || undefined;
  if ('formula' in v || 'sharedFormula' in v) return cellValue((v.result ?? null) as ExcelJS.CellValue);
  return undefined; // error values (#N/A …) count as empty
}

async function xlsxGrid(file: Buffer): Promise<Grid> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(file as unknown as ExcelJS.Buffer);
  } catch {
    throw badRequest('INVALID_FILE', '无法读取 Excel 文件 / the .xlsx file cannot be read');
  }
  const sheet = wb.worksheets[0];
  if (!sheet) throw badRequest('INVALID_FILE', 'Excel 文件中没有工作表 / the workbook has no sheet');
  const grid: Grid = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: Cell[] = [];
    row.eachCell({ includeEmpty: true }, (cell, col) => {
      cells[col - 1] = cellValue(cell.value);
    });
    grid.push({ row: rowNumber, cells });
  });
  return grid;
}

/** UTF-8 (with or without BOM), else GBK: what Excel's "CSV" writes on a Chinese Windows. */
export function decodeText(file: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(file);
  } catch {
    return new TextDecoder('gbk').decode(file);
  }
}

function csvGrid(file: Buffer): Grid {
  const text = decodeText(file);
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = !firstLine.includes(',') && firstLine.includes('\t') ? '\t' : ',';
  let records: string[][];
  try {
    records = parse(text, { delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: false, bom: true });
  } catch (err) {
    throw badRequest('INVALID_FILE', `无法解析 CSV 文件 / the CSV cannot be parsed: ${(err as Error).message}`);
  }
  return records.map((cells, i) => ({ row: i + 1, cells: cells.map((c) => c.trim() || undefined) }));
}
