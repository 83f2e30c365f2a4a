import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { Cell } from './time.js';

/*
 * Where a legacy export is read from (docs/系统迁移.md §1): a folder of CSV/XLSX files, one per
 * table (`<from>.csv` or `<from>.xlsx`), or a PostgreSQL / MySQL (MariaDB) database read-only,
 * one table per legacy table. Times come back as the legacy system wrote them (text, or a
 * spreadsheet's date cell): the mapping says their format and zone. Only SELECT is ever sent.
 */

export interface LegacyRows {
  columns: string[];
  rows: Record<string, Cell>[];
}

export interface LegacySource {
  /** For the report and messages: the folder, or the database URL without its password. */
  readonly description: string;
  read(from: string): Promise<LegacyRows>;
  close(): Promise<void>;
}

/** A legacy table the source cannot give: exit code 2 like an unreadable file. */
export class SourceError extends Error {}

/** The source named by `--from`: a mysql:// or postgres:// URL, else a folder. */
export async function openLegacySource(from: string): Promise<LegacySource> {
  if (/^mysql:\/\/|^mariadb:\/\//i.test(from)) return mysqlSource(from);
  if (/^postgres(ql)?:\/\//i.test(from)) return postgresSource(from);
  const s = await stat(from).catch(() => null);
  if (!s?.isDirectory()) throw new SourceError(`不是文件夹或数据库地址 / not a folder or a database URL: ${from}`);
  return folderSource(from);
}

function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

function decodeText(file: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(file).replace(/^\uFEFF/, '');
  } catch {
    return new TextDecoder('gbk').decode(file);
  }
}

function fromGrid(grid: Cell[][], name: string): LegacyRows {
  const header = grid.findIndex((r) => r.some((c) => c !== null && c !== ''));
  if (header < 0) return { columns: [], rows: [] };
  const columns = grid[header]!.map((c) => String(c ?? '').trim());
  const rows: Record<string, Cell>[] = [];
  for (const cells of grid.slice(header + 1)) {
    if (!cells.some((c) => c !== null && c !== '')) continue;
    const row: Record<string, Cell> = {};
    columns.forEach((col, i) => {
      if (col) row[col] = cells[i] ?? null;
    });
    rows.push(row);
  }
  if (new Set(columns.filter(Boolean)).size !== columns.filter(Boolean).length) throw new SourceError(`${name}: 表头有重复列名 / the header repeats a column name`);
  return { columns: columns.filter(Boolean), rows };
}

function xlsxCell(v: ExcelJS.CellValue): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) return v;
  if ('richText' in v) return v.richText.map((t) => t.text).join('');
  if ('hyperlink' in v) return String(v.text ?? '');
  if ('formula' in v || 'sharedFormula' in v) return xlsxCell((v.result ?? null) as ExcelJS.CellValue);
  return null;
}

function folderSource(dir: string): LegacySource {
  return {
    description: path.resolve(dir),
    async read(from) {
      const names = await readdir(dir);
      const found = names.filter((n) => n.toLowerCase() === `${from.toLowerCase()}.csv` || n.toLowerCase() === `${from.toLowerCase()}.xlsx`);
      if (found.length === 0) throw new SourceError(`文件夹中没有 ${from}.csv 或 ${from}.xlsx / ${dir} has no ${from}.csv or ${from}.xlsx`);
      if (found.length > 1) throw new SourceError(`${from}.csv 与 ${from}.xlsx 同时存在，请只留一个 / both ${from}.csv and ${from}.xlsx exist; keep one`);
      const file = path.join(dir, found[0]!);
      const bytes = await readFile(file);
      if (file.toLowerCase().endsWith('.xlsx')) {
        const wb = new ExcelJS.Workbook();
        try {
          await wb.xlsx.load(bytes as unknown as ExcelJS.Buffer);
        } catch {
          throw new SourceError(`无法读取 Excel 文件 / cannot read ${file}`);
        }
        const sheet = wb.worksheets[0];
        if (!sheet) throw new SourceError(`${file}: 没有工作表 / no sheet`);
        const grid: Cell[][] = [];
        sheet.eachRow({ includeEmpty: false }, (row) => {
          const cells: Cell[] = [];
          row.eachCell({ includeEmpty: true }, (cell, col) => {
            cells[col - 1] = xlsxCell(cell.value);
          });
          grid.push(Array.from(cells, (c) => c ?? null));
        });
        return fromGrid(grid, file);
      }
      let records: string[][];
      try {
        records = parse(decodeText(bytes), { relax_column_count: true, skip_empty_lines: true });
      } catch (err) {
        throw new SourceError(`无法解析 CSV / cannot parse ${file}: ${(err as Error).message}`);
      }
      return fromGrid(records, file);
    },
    close: async () => {},
  };
}

const quoteMysql = (name: string) => name.split('.').map((p) => `\`${p}\``).join('.');
const quotePg = (name: string) => name.split('.').map((p) => `"${p}"`).join('.');

function plainCell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return String(v);
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return String(v);
}

async function mysqlSource(url: string): Promise<LegacySource> {
  // dateStrings: DATETIME values come back as the legacy system wrote them, without a zone applied.
  const conn = await mysql.createConnection({ uri: url.replace(/^mariadb:/i, 'mysql:'), dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
  return {
    description: withoutPassword(url),
    async read(from) {
      try {
        const [rows, fields] = await conn.query({ sql: `SELECT * FROM ${quoteMysql(from)}`, rowsAsArray: false });
        const columns = (fields ?? []).map((f) => f.name);
        return { columns, rows: (rows as Record<string, unknown>[]).map((r) => Object.fromEntries(columns.map((c) => [c, plainCell(r[c])]))) };
      } catch (err) {
        throw new SourceError(`无法读取表 ${from} / cannot read table ${from}: ${(err as Error).message}`);
      }
    },
    close: () => conn.end(),
  };
}

async function postgresSource(url: string): Promise<LegacySource> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // Timestamps, dates and numerics as text: the mapping reads them as the legacy system wrote them.
  const asText = (v: string) => v;
  const types = { getTypeParser: (oid: number, format?: 'text' | 'binary') => ([1082, 1114, 1184, 1700, 20].includes(oid) ? asText : pg.types.getTypeParser(oid, format)) } as pg.CustomTypesConfig;
  return {
    description: withoutPassword(url),
    async read(from) {
      try {
        const r = await client.query({ text: `SELECT * FROM ${quotePg(from)}`, types });
        const columns = r.fields.map((f) => f.name);
        return { columns, rows: r.rows.map((row: Record<string, unknown>) => Object.fromEntries(columns.map((c) => [c, plainCell(row[c])]))) };
      } catch (err) {
        throw new SourceError(`无法读取表 ${from} / cannot read table ${from}: ${(err as Error).message}`);
      }
    },
    close: () => client.end(),
  };
}
