import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { Type, type Static } from 'typebox';
import { SourceError, type Adapter, type Page } from './types.js';

/*
 * File drop (docs/数据对接.md §2.3): a folder of .csv/.xlsx files as lot systems export them,
 * under ZHIBO_CONNECTOR_DROP_DIR/<folder>. Files are read in name order, the first row naming
 * the fields; the cursor is (file, rows done). When a file's last rows are committed it moves
 * to done/; a file that cannot be read moves to failed/ with a .error.txt beside it. Names
 * starting with "." or ending in .tmp/.part are being written and wait.
 */

export const FileConfigSchema = Type.Object({
  folder: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'ZHIBO_CONNECTOR_DROP_DIR 下的目录名 / a folder name under the drop directory' }),
  encoding: Type.Optional(Type.Union([Type.Literal('utf-8'), Type.Literal('gbk')], { description: 'CSV 编码，默认 utf-8 / CSV encoding' })),
  sheet: Type.Optional(Type.String({ maxLength: 64, description: 'xlsx 工作表名，默认第一张 / the worksheet, the first by default' })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
}, { additionalProperties: false });
export type FileConfig = Static<typeof FileConfigSchema>;

const READY = /\.(csv|xlsx)$/i;
const pad = (n: number) => String(n).padStart(2, '0');

/** An Excel date cell has no zone: exceljs gives its wall-clock time in UTC fields; keep it as wall-clock text. */
function cellValue(v: ExcelJS.CellValue): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return `${v.getUTCFullYear()}-${pad(v.getUTCMonth() + 1)}-${pad(v.getUTCDate())} ${pad(v.getUTCHours())}:${pad(v.getUTCMinutes())}:${pad(v.getUTCSeconds())}`;
  if (typeof v === 'object') {
    if ('result' in v) return cellValue(v.result as ExcelJS.CellValue);
    if ('richText' in v) return v.richText.map((r) => r.text).join('');
    if ('text' in v) return String(v.text);
    return null;
  }
  return v;
}

function recordsOf(header: unknown[], rows: unknown[][]): Record<string, unknown>[] {
  const names = header.map((h) => (h === null || h === undefined ? '' : String(h).trim()));
  return rows
    .filter((r) => r.some((c) => c !== null && c !== undefined && c !== ''))
    .map((r) => Object.fromEntries(names.flatMap((n, i) => (n ? [[n, r[i] ?? null]] : []))));
}

/** The records of one file (header row first). Throws on a file that cannot be read. */
export async function readDropFile(file: string, config: Pick<FileConfig, 'encoding' | 'sheet'>): Promise<Record<string, unknown>[]> {
  const bytes = await readFile(file);
  if (/\.xlsx$/i.test(file)) {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
    const ws = config.sheet ? wb.getWorksheet(config.sheet) : wb.worksheets[0];
    if (!ws) throw new Error(`没有工作表 / no worksheet ${config.sheet ?? ''}`);
    const grid: unknown[][] = [];
    ws.eachRow({ includeEmpty: false }, (row) => {
      const cells: unknown[] = [];
      for (let c = 1; c <= ws.columnCount; c++) cells.push(cellValue(row.getCell(c).value));
      grid.push(cells);
    });
    if (grid.length === 0) return [];
    return recordsOf(grid[0]!, grid.slice(1));
  }
  const text = new TextDecoder(config.encoding ?? 'utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  const grid = parseCsv(text, { relax_column_count: true, skip_empty_lines: true }) as string[][];
  if (grid.length === 0) return [];
  return recordsOf(grid[0]!, grid.slice(1));
}

/** `preview`: a dry run reads without moving any file. */
export function openFileAdapter(config: FileConfig, dropDir: string | null | undefined, preview = false): Adapter {
  if (!dropDir) throw new SourceError('未配置 ZHIBO_CONNECTOR_DROP_DIR / ZHIBO_CONNECTOR_DROP_DIR is not set', 'CONFIG_INVALID');
  const inbox = path.join(dropDir, config.folder);
  const cache = new Map<string, Record<string, unknown>[]>();
  const moveTo = async (name: string, sub: 'done' | 'failed') => {
    if (preview) return;
    await mkdir(path.join(inbox, sub), { recursive: true });
    await rename(path.join(inbox, name), path.join(inbox, sub, name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err; // moved already (a crash after the move)
    });
  };
  return {
    async fetch(cursor, limit): Promise<Page> {
      if (cursor?.file && cursor.done) await moveTo(String(cursor.file), 'done');
      let names: string[];
      try {
        names = (await readdir(inbox, { withFileTypes: true })).filter((d) => d.isFile() && READY.test(d.name) && !d.name.startsWith('.')).map((d) => d.name).sort();
      } catch (err) {
        throw new SourceError(`无法读取目录 / cannot read the folder ${config.folder}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      const current = cursor?.file && !cursor.done && names.includes(String(cursor.file)) ? String(cursor.file) : names[0];
      if (!current) return { records: [], next: null, more: false };
      const from = current === cursor?.file && !cursor.done ? Number(cursor.row ?? 0) : 0;
      let records = cache.get(current);
      if (!records) {
        try {
          records = await readDropFile(path.join(inbox, current), config);
        } catch (err) {
          if (preview) throw new SourceError(`无法读取文件 / cannot read ${current}: ${(err as Error).message}`);
          await moveTo(current, 'failed');
          await writeFile(path.join(inbox, 'failed', `${current}.error.txt`), `${(err as Error).message}\n`);
          return { records: [], next: null, more: true };
        }
        cache.clear();
        cache.set(current, records);
      }
      const page = records.slice(from, from + limit);
      const row = from + page.length;
      return { records: page, next: { file: current, row, done: row >= records.length ? 1 : null }, more: true };
    },
    close: async () => undefined,
  };
}
