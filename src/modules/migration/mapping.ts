import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { LEGACY_TABLES, type LegacyTable } from './tables.js';
import { timeFormatProblem, zoneProblem } from './time.js';

/*
 * The mapping file of a migration (docs/系统迁移.md §2): per legacy table, where it is (a file's
 * base name in the export folder, or a table of the source database), its id column, which legacy
 * column fills which of our fields, value maps (plate colours, statuses, channels …), defaults,
 * and how times and money are written. Checked in two steps, each with every problem listed by its
 * place in the file: the shape (TypeBox schema), then the meaning (known fields, required fields
 * covered, a real time zone, a time format we can read).
 */

/** How a field's text becomes a value. */
export type FieldKind = 'text' | 'time' | 'money' | 'integer' | 'number';

interface FieldSpec {
  kind: FieldKind;
  required?: boolean;
  label: string;
}

const f = (kind: FieldKind, label: string, required = false): FieldSpec => ({ kind, label, required });

/** Our fields per legacy table: what a mapping may fill. */
export const TARGET_FIELDS: Record<LegacyTable, Record<string, FieldSpec>> = {
  lots: {
    code: f('text', '车场编码', true), name: f('text', '名称'), districtCode: f('text', '县市区'), kind: f('text', '类型 off_street/on_street'),
    totalSpaces: f('integer', '总泊位'), lng: f('number', '经度'), lat: f('number', '纬度'), coordSystem: f('text', '坐标系'),
    sourceCode: f('text', '数据源编码'), category: f('text', '类别'), address: f('text', '地址'), status: f('text', '状态'), remark: f('text', '备注'),
  },
  users: {
    username: f('text', '用户名', true), displayName: f('text', '姓名'), role: f('text', '角色', true), districtCode: f('text', '县市区'),
    status: f('text', '状态 active/disabled'),
  },
  sessions: {
    lot: f('text', '车场（原系统车场编号或编码）', true), plate: f('text', '车牌', true), plateColor: f('text', '车牌颜色'), berthCode: f('text', '泊位'),
    enteredAt: f('time', '入场时间'), exitedAt: f('time', '出场时间'), receivable: f('money', '应收'), paid: f('money', '实收'), payChannel: f('text', '支付方式'),
  },
  payments: {
    session: f('text', '停车记录（原系统编号）'), lot: f('text', '车场'), orderNo: f('text', '订单号'), plate: f('text', '车牌'),
    amount: f('money', '金额', true), channel: f('text', '支付渠道', true), paidAt: f('time', '支付时间', true),
  },
  tickets: {
    number: f('text', '原系统单号'), channel: f('text', '渠道', true), category: f('text', '分类', true), priority: f('text', '优先级'),
    title: f('text', '标题', true), description: f('text', '描述'), citizenName: f('text', '市民姓名'), citizenPhone: f('text', '市民电话'),
    lot: f('text', '车场'), plate: f('text', '车牌'), state: f('text', '状态 new/closed/cancelled'), createdAt: f('time', '创建时间', true),
    closedAt: f('time', '办结时间'), resolution: f('text', '处理结果'),
  },
};

const Name = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?$' });
const Money = Type.Union([Type.Literal('fen'), Type.Literal('yuan')]);
const Scalar = Type.Union([Type.String(), Type.Number()]);

const TableMappingSchema = Type.Object(
  {
    from: Name,
    id: Type.String({ minLength: 1 }),
    columns: Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 })),
    values: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Scalar))),
    defaults: Type.Optional(Type.Record(Type.String(), Scalar)),
    timeFormat: Type.Optional(Type.String({ minLength: 1 })),
    timeZone: Type.Optional(Type.String({ minLength: 1 })),
    money: Type.Optional(Money),
  },
  { additionalProperties: false },
);

export const MappingSchema = Type.Object(
  {
    source: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' }),
    timeZone: Type.Optional(Type.String({ minLength: 1 })),
    timeFormat: Type.Optional(Type.String({ minLength: 1 })),
    money: Type.Optional(Money),
    lotCodes: Type.Optional(Type.Record(Type.String(), Type.String({ minLength: 1 }))),
    tables: Type.Object(
      {
        lots: Type.Optional(TableMappingSchema),
        users: Type.Optional(TableMappingSchema),
        sessions: Type.Optional(TableMappingSchema),
        payments: Type.Optional(TableMappingSchema),
        tickets: Type.Optional(TableMappingSchema),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type MappingFile = Static<typeof MappingSchema>;
export type TableMappingFile = Static<typeof TableMappingSchema>;

/** A table's mapping with the file-wide settings filled in. */
export interface TableMapping {
  table: LegacyTable;
  from: string;
  id: string;
  /** Our field → the legacy column that fills it. */
  fieldColumns: Map<string, string>;
  values: Record<string, Record<string, string | number>>;
  defaults: Record<string, string | number>;
  timeFormat: string;
  timeZone: string;
  money: 'fen' | 'yuan';
}

export interface Mapping {
  source: string;
  lotCodes: Record<string, string>;
  tables: TableMapping[];
}

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';
export const DEFAULT_TIME_FORMAT = 'YYYY-MM-DD HH:mm:ss';

/** A mapping file that does not hold: every problem, each with its place (`/tables/sessions/columns/fee`). */
export class MappingError extends Error {
  constructor(readonly problems: string[]) {
    super(`映射文件有误 / the mapping file is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Checks a parsed mapping file; throws MappingError listing every problem. */
export function parseMapping(json: unknown): Mapping {
  const shape = [...Value.Errors(MappingSchema, json)]
    .filter((e) => e.keyword !== 'boolean')
    .map((e) => {
      const extra = (e.params as { additionalProperties?: string[] }).additionalProperties;
      return `${e.instancePath || '/'}: ${e.message}${extra?.length ? ` (${extra.join(', ')})` : ''}`;
    });
  if (shape.length) throw new MappingError(shape);
  const file = json as MappingFile;
  const problems: string[] = [];
  const fileZone = file.timeZone ?? DEFAULT_TIME_ZONE;
  const fileFormat = file.timeFormat ?? DEFAULT_TIME_FORMAT;
  const zone = zoneProblem(fileZone);
  if (zone) problems.push(`/timeZone: ${zone}`);
  const format = timeFormatProblem(fileFormat);
  if (format) problems.push(`/timeFormat: ${format}`);
  const tables: TableMapping[] = [];
  for (const table of LEGACY_TABLES) {
    const t = file.tables[table];
    if (!t) continue;
    const at = `/tables/${table}`;
    const known = TARGET_FIELDS[table];
    const list = Object.keys(known).join(', ');
    const fieldColumns = new Map<string, string>();
    for (const [column, field] of Object.entries(t.columns)) {
      if (!(field in known)) problems.push(`${at}/columns/${column}: 未知字段 / unknown field "${field}" (${table}: ${list})`);
      else if (fieldColumns.has(field)) problems.push(`${at}/columns/${column}: 字段 "${field}" 已由列 "${fieldColumns.get(field)}" 填写 / field "${field}" is already filled by column "${fieldColumns.get(field)}"`);
      else fieldColumns.set(field, column);
    }
    for (const [kind, obj] of [['values', t.values], ['defaults', t.defaults]] as const) {
      for (const field of Object.keys(obj ?? {})) {
        if (!(field in known)) problems.push(`${at}/${kind}/${field}: 未知字段 / unknown field "${field}" (${table}: ${list})`);
      }
    }
    for (const [field, spec] of Object.entries(known)) {
      if (spec.required && !fieldColumns.has(field) && t.defaults?.[field] === undefined) {
        problems.push(`${at}/columns: 缺少必填字段 / required field "${field}"（${spec.label}）is mapped from no column and has no default`);
      }
    }
    if (table === 'payments' && !fieldColumns.has('session') && !fieldColumns.has('lot') && t.defaults?.lot === undefined) {
      problems.push(`${at}/columns: 支付须能找到车场：映射 "session" 或 "lot" / a payment needs its lot: map "session" or "lot"`);
    }
    if (table === 'sessions' && !fieldColumns.has('enteredAt') && !fieldColumns.has('exitedAt')) {
      problems.push(`${at}/columns: 停车记录须有入场或出场时间 / map "enteredAt" or "exitedAt"`);
    }
    if (t.timeZone) {
      const p = zoneProblem(t.timeZone);
      if (p) problems.push(`${at}/timeZone: ${p}`);
    }
    if (t.timeFormat) {
      const p = timeFormatProblem(t.timeFormat);
      if (p) problems.push(`${at}/timeFormat: ${p}`);
    }
    tables.push({
      table,
      from: t.from,
      id: t.id,
      fieldColumns,
      values: t.values ?? {},
      defaults: t.defaults ?? {},
      timeFormat: t.timeFormat ?? fileFormat,
      timeZone: t.timeZone ?? fileZone,
      money: t.money ?? file.money ?? 'fen',
    });
  }
  if (tables.length === 0) problems.push('/tables: 至少映射一张表 / map at least one table');
  if (problems.length) throw new MappingError(problems);
  return { source: file.source, lotCodes: file.lotCodes ?? {}, tables };
}

/** Reads the mapping file's text: JSON errors are mapping errors too. */
export function parseMappingText(text: string): Mapping {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new MappingError([`不是合法的 JSON / not valid JSON: ${(err as Error).message}`]);
  }
  return parseMapping(json);
}
