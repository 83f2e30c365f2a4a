import { yuanToFen } from '../payments/index.js';
import { TARGET_FIELDS, type TableMapping } from './mapping.js';
import { parseLegacyTime, type Cell } from './time.js';

/*
 * One legacy row through its table's mapping (docs/系统迁移.md §2): each of our fields from its
 * column, through the value map, else the default; then converted by kind — text, integer,
 * number, money (fen, or yuan with at most two decimals, to integer fen exactly) and time (the
 * mapping's format and zone, to UTC). A row that does not convert says why, by field. Pure.
 */

export type FieldValue = string | number | Date | null;

export interface MappedRow {
  legacyId: string;
  values: Record<string, FieldValue>;
}

export class RowProblem extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const blank = (c: Cell | undefined) => c === undefined || c === null || (typeof c === 'string' && c.trim() === '');

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** A cell as text: a spreadsheet date cell as its wall clock 'YYYY-MM-DD HH:mm:ss'. */
export function cellText(c: Cell): string {
  if (c instanceof Date) return `${c.getUTCFullYear()}-${pad(c.getUTCMonth() + 1)}-${pad(c.getUTCDate())} ${pad(c.getUTCHours())}:${pad(c.getUTCMinutes())}:${pad(c.getUTCSeconds())}`;
  return String(c ?? '').trim();
}

/** The columns a mapping reads that the source lacks (checked once per table, before any row). */
export function missingColumns(m: TableMapping, columns: readonly string[]): string[] {
  const have = new Set(columns);
  return [m.id, ...m.fieldColumns.values()].filter((c, i, all) => !have.has(c) && all.indexOf(c) === i);
}

function convert(m: TableMapping, field: string, value: Cell): FieldValue {
  const spec = TARGET_FIELDS[m.table][field]!;
  switch (spec.kind) {
    case 'text':
      return cellText(value);
    case 'integer':
    case 'number': {
      const n = typeof value === 'number' ? value : Number(cellText(value));
      if (!Number.isFinite(n) || (spec.kind === 'integer' && !Number.isInteger(n))) throw new RowProblem('INVALID_NUMBER', `${field}: "${cellText(value).slice(0, 40)}" 不是${spec.kind === 'integer' ? '整数' : '数字'} / not ${spec.kind === 'integer' ? 'an integer' : 'a number'}`);
      return n;
    }
    case 'money': {
      const text = cellText(value);
      const fen = m.money === 'yuan' ? yuanToFen(text) : /^\d{1,12}$/.test(text) ? Number(text) : null;
      if (fen === null) throw new RowProblem('INVALID_MONEY', `${field}: "${text.slice(0, 40)}" 不是${m.money === 'yuan' ? '元（最多两位小数）' : '整数分'} / not ${m.money === 'yuan' ? 'yuan with at most two decimals' : 'whole fen'}`);
      return fen;
    }
    case 'time':
      try {
        return parseLegacyTime(value, m.timeFormat, m.timeZone);
      } catch (err) {
        throw new RowProblem('INVALID_TIME', `${field}: ${(err as Error).message}`);
      }
  }
}

/** Our fields of one legacy row; throws RowProblem naming the first field that does not convert. */
export function mapRow(m: TableMapping, row: Record<string, Cell>): MappedRow {
  const id = row[m.id];
  if (blank(id)) throw new RowProblem('MISSING_ID', `原系统编号列 ${m.id} 为空 / the id column ${m.id} is empty`);
  const values: Record<string, FieldValue> = {};
  for (const [field, spec] of Object.entries(TARGET_FIELDS[m.table])) {
    const column = m.fieldColumns.get(field);
    let value: Cell | undefined = column === undefined ? undefined : row[column];
    const map = m.values[field];
    if (!blank(value) && map) {
      const key = cellText(value!);
      const mapped = map[key] ?? map['*'];
      if (mapped === undefined) throw new RowProblem('UNMAPPED_VALUE', `${field}: 值 "${key.slice(0, 40)}" 不在映射 values.${field} 中 / value "${key.slice(0, 40)}" is not in values.${field}`);
      value = mapped;
    }
    if (blank(value)) value = m.defaults[field];
    if (blank(value)) {
      if (spec.required) throw new RowProblem('MISSING_FIELD', `${field}（${spec.label}）为空 / is empty`);
      values[field] = null;
      continue;
    }
    values[field] = convert(m, field, value!);
  }
  return { legacyId: cellText(id!), values };
}
