import { Type, type Static } from 'typebox';
import { PLATE_COLORS } from '../../platform/plates.js';
import { PAY_CHANNELS } from '../sessions/index.js';

/*
 * The mapping of a connector (docs/数据对接.md §3): how one record of a source system becomes
 * one or more events of the push API (docs/接入规范.md, src/modules/ingest/schemas.ts). Pure: no clock,
 * no database. What the mapped events are worth is ingest's validation's to say (the dry run
 * shows it per record); a record the mapping itself cannot read is refused here with a reason.
 */

export const EVENT_TYPES = ['entry', 'exit', 'status', 'heartbeat', 'payment'] as const;
type EventType = (typeof EVENT_TYPES)[number];

/** The event fields a mapping fills (eventId and type have rules of their own). */
export const TARGET_FIELDS = [
  'occurredAt', 'lotCode', 'plate', 'plateColor', 'berthCode', 'entryEventId', 'enteredAt', 'receivableFen', 'paidFen', 'payChannel',
  'totalSpaces', 'freeSpaces', 'orderNo', 'amountFen', 'channel', 'paidAt',
] as const;
type TargetField = (typeof TARGET_FIELDS)[number];

const TIME_FIELDS: ReadonlySet<TargetField> = new Set(['occurredAt', 'enteredAt', 'paidAt']);
const MONEY_FIELDS: ReadonlySet<TargetField> = new Set(['receivableFen', 'paidFen', 'amountFen']);
const COUNT_FIELDS: ReadonlySet<TargetField> = new Set(['totalSpaces', 'freeSpaces']);

/** Which fields each event type takes, and which of them it needs (ingest's validate.ts). */
const FIELDS_OF: Record<EventType, { required: TargetField[]; optional: TargetField[] }> = {
  entry: { required: ['occurredAt', 'lotCode', 'plate'], optional: ['plateColor', 'berthCode'] },
  exit: { required: ['occurredAt', 'lotCode', 'plate'], optional: ['entryEventId', 'enteredAt', 'receivableFen', 'paidFen', 'payChannel'] },
  status: { required: ['occurredAt', 'lotCode', 'totalSpaces', 'freeSpaces'], optional: [] },
  heartbeat: { required: ['occurredAt'], optional: [] },
  payment: { required: ['occurredAt', 'lotCode', 'orderNo', 'amountFen', 'channel', 'paidAt'], optional: ['plate'] },
};

const Path = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\s]+$', description: '字段路径：a.b[0].c / a field path' });
const Text = Type.String({ maxLength: 64 });

export const FieldRuleSchema = Type.Object({
  path: Type.Optional(Path),
  value: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Number()])),
  prefix: Type.Optional(Text),
  suffix: Type.Optional(Text),
}, { additionalProperties: false, description: 'path（记录中的字段）或 value（常量）二选一 / a path into the record or a constant value' });

const ValueMap = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 64 }), { description: '源值 → 本平台的值 / source value → ours' });

export const EventRuleSchema = Type.Object({
  type: Type.Object({ value: Type.Optional(Type.String()), path: Type.Optional(Path) }, { additionalProperties: false, description: '事件类型：常量或字段（经 valueMaps.type 翻译） / constant or a field translated by valueMaps.type' }),
  when: Type.Optional(Type.Object({ path: Path }, { additionalProperties: false, description: '仅当该字段非空时产生此事件 / only when this field has a value' })),
  eventId: Type.Object({
    paths: Type.Array(Path, { minItems: 1, maxItems: 4 }),
    prefix: Type.Optional(Text),
    suffix: Type.Optional(Text),
  }, { additionalProperties: false, description: '事件编号：字段值以“-”连接，加前后缀；同一来源内唯一且不变 / the source event id: unique and stable' }),
  fields: Type.Record(Type.String(), FieldRuleSchema),
}, { additionalProperties: false });

export const MappingSchema = Type.Object({
  events: Type.Array(EventRuleSchema, { minItems: 1, maxItems: 4 }),
  time: Type.Optional(Type.Object({
    format: Type.Optional(Type.String({ maxLength: 40, description: 'auto | epoch_s | epoch_ms | 模式如 YYYY/MM/DD HH:mm:ss / a pattern' })),
    zone: Type.Optional(Type.String({ maxLength: 64, description: 'IANA 时区，默认 Asia/Shanghai / IANA zone' })),
  }, { additionalProperties: false })),
  money: Type.Optional(Type.Union([Type.Literal('fen'), Type.Literal('yuan')], { description: '金额单位，默认分 / money unit of the source, fen by default' })),
  valueMaps: Type.Optional(Type.Object({
    type: Type.Optional(ValueMap),
    plateColor: Type.Optional(ValueMap),
    payChannel: Type.Optional(ValueMap),
    lotCode: Type.Optional(ValueMap),
  }, { additionalProperties: false })),
}, { additionalProperties: false });

export type Mapping = Static<typeof MappingSchema>;
type EventRule = Static<typeof EventRuleSchema>;
type FieldRule = Static<typeof FieldRuleSchema>;

/** One problem of a mapping, named by where it is. */
export interface MappingProblem {
  at: string;
  message: string;
}

const TIME_TOKENS = /YYYY|MM|DD|HH|mm|ss|SSS/g;

/** Whether `zone` is an IANA time zone this runtime knows. */
function knownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The checks a mapping must pass to be saved (beyond its schema): event types, the fields each
 * type needs, value maps into our vocabularies, a known time zone and a readable time format.
 */
export function checkMapping(mapping: Mapping): MappingProblem[] {
  const problems: MappingProblem[] = [];
  const add = (at: string, message: string) => problems.push({ at, message });
  const maps = mapping.valueMaps ?? {};
  for (const [k, v] of Object.entries(maps.type ?? {})) if (!(EVENT_TYPES as readonly string[]).includes(v)) add(`valueMaps.type.${k}`, `应为 ${EVENT_TYPES.join('|')} / unknown event type ${v}`);
  for (const [k, v] of Object.entries(maps.plateColor ?? {})) if (!(PLATE_COLORS as readonly string[]).includes(v)) add(`valueMaps.plateColor.${k}`, `应为 ${PLATE_COLORS.join('|')} / unknown plate colour ${v}`);
  for (const [k, v] of Object.entries(maps.payChannel ?? {})) if (!(PAY_CHANNELS as readonly string[]).includes(v)) add(`valueMaps.payChannel.${k}`, `应为 ${PAY_CHANNELS.join('|')} / unknown pay channel ${v}`);
  const zone = mapping.time?.zone;
  if (zone !== undefined && !knownZone(zone)) add('time.zone', `未知时区 / unknown time zone ${zone}`);
  const format = mapping.time?.format;
  if (format !== undefined && !['auto', 'epoch_s', 'epoch_ms'].includes(format)) {
    const tokens: string[] = format.match(TIME_TOKENS) ?? [];
    for (const t of ['YYYY', 'MM', 'DD']) if (!tokens.includes(t)) add('time.format', `模式缺少 ${t} / the pattern lacks ${t}`);
    if (new Set(tokens).size !== tokens.length) add('time.format', '模式中有重复的部分 / a part repeats');
  }
  mapping.events.forEach((rule, i) => {
    const at = `events[${i}]`;
    const { value, path } = rule.type;
    if ((value === undefined) === (path === undefined)) add(`${at}.type`, 'value 与 path 须二选一 / give either value or path');
    if (value !== undefined && !(EVENT_TYPES as readonly string[]).includes(value)) add(`${at}.type.value`, `应为 ${EVENT_TYPES.join('|')} / unknown event type`);
    if (path !== undefined && Object.keys(maps.type ?? {}).length === 0) add(`${at}.type.path`, '按字段取类型时须给出 valueMaps.type / a type from a field needs valueMaps.type');
    // A fixed type is checked for its fields; a type from a field is checked against every type it may map to.
    const types: EventType[] = value !== undefined ? (EVENT_TYPES.includes(value as EventType) ? [value as EventType] : []) : [...new Set(Object.values(maps.type ?? {}))].filter((t): t is EventType => (EVENT_TYPES as readonly string[]).includes(t));
    for (const [name, f] of Object.entries(rule.fields)) {
      if (!(TARGET_FIELDS as readonly string[]).includes(name)) add(`${at}.fields.${name}`, `不是事件字段 / not an event field (${TARGET_FIELDS.join(', ')})`);
      if ((f.path === undefined) === (f.value === undefined)) add(`${at}.fields.${name}`, 'path 与 value 须二选一 / give either path or value');
    }
    for (const t of types) {
      const { required, optional } = FIELDS_OF[t];
      for (const r of required) if (!rule.fields[r]) add(`${at}.fields.${r}`, `${t} 事件必填 / required for ${t} events`);
      if (value !== undefined) {
        for (const name of Object.keys(rule.fields)) {
          if ((TARGET_FIELDS as readonly string[]).includes(name) && !required.includes(name as TargetField) && !optional.includes(name as TargetField)) add(`${at}.fields.${name}`, `${t} 事件没有此字段 / not a field of ${t} events`);
        }
      }
    }
  });
  return problems;
}

/** What one record maps to: the events, or why the mapping could not read it. */
export type MappedRecord = { ok: true; events: Record<string, unknown>[] } | { ok: false; code: 'MAPPING_FAILED'; message: string };

class Unreadable extends Error {}

/** The value at a path such as `a.b[0].c` (a key holding dots can be read whole: `["a.b"]` is not supported; keys are plain). */
export function valueAt(record: unknown, path: string): unknown {
  let v: unknown = record;
  for (const part of path.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    if (m[1]) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string, unknown>)[m[1]];
    }
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) {
      if (!Array.isArray(v)) return undefined;
      v = v[Number(idx[1])];
    }
  }
  return v;
}

const empty = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** Offset of `zone` from UTC at the instant `utcMs`, in ms. */
function zoneOffsetMs(zone: string, utcMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(utcMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/** The instant of a wall-clock time in `zone` (y, mo 1-based, …). Null when the date does not exist. */
function wallToInstant(zone: string, y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): Date | null {
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const check = new Date(wall);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  let guess = wall - zoneOffsetMs(zone, wall);
  guess = wall - zoneOffsetMs(zone, guess);
  return new Date(guess);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Reads a time per the mapping's format and zone; returns ISO 8601 with offset Z. */
export function readTime(v: unknown, format: string, zone: string): string {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new Unreadable('无效时间 / invalid date');
    return v.toISOString();
  }
  if (format === 'epoch_s' || format === 'epoch_ms') {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN;
    if (!Number.isFinite(n)) throw new Unreadable(`应为时间戳 / not an epoch number: ${String(v).slice(0, 40)}`);
    return new Date(format === 'epoch_s' ? Math.round(n * 1000) : Math.round(n)).toISOString();
  }
  if (typeof v !== 'string') throw new Unreadable(`应为时间字符串 / not a time text: ${String(v).slice(0, 40)}`);
  const text = v.trim();
  if (format === 'auto') {
    // ISO with an offset stays as sent; a wall-clock time is read in the mapping's zone.
    const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
    if (!m) throw new Unreadable(`无法识别的时间 / unreadable time: ${text.slice(0, 40)}`);
    const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', off] = m;
    const ms = Number(frac.padEnd(3, '0').slice(0, 3));
    if (off) {
      const iso = `${y}-${pad(Number(mo))}-${pad(Number(d))}T${pad(Number(h))}:${mi}:${pad(Number(s))}.${pad(ms, 3)}${off.length === 5 ? `${off.slice(0, 3)}:${off.slice(3)}` : off}`;
      const t = new Date(iso);
      if (Number.isNaN(t.getTime())) throw new Unreadable(`无效时间 / invalid time: ${text.slice(0, 40)}`);
      return t.toISOString();
    }
    const t = wallToInstant(zone, Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), ms);
    if (!t) throw new Unreadable(`无效日期 / impossible date: ${text.slice(0, 40)}`);
    return t.toISOString();
  }
  // A pattern: its tokens become digit groups, everything else must match literally.
  const order: string[] = [];
  const re = new RegExp(`^${format.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(TIME_TOKENS, (tok) => {
    order.push(tok);
    return tok === 'YYYY' ? '(\\d{4})' : tok === 'SSS' ? '(\\d{1,3})' : '(\\d{1,2})';
  })}$`);
  const m = re.exec(text);
  if (!m) throw new Unreadable(`时间与格式 ${format} 不符 / does not match ${format}: ${text.slice(0, 40)}`);
  const part = (tok: string) => {
    const i = order.indexOf(tok);
    return i < 0 ? 0 : Number(m[i + 1]);
  };
  const t = wallToInstant(zone, part('YYYY'), part('MM'), part('DD'), part('HH'), part('mm'), part('ss'), part('SSS'));
  if (!t) throw new Unreadable(`无效日期 / impossible date: ${text.slice(0, 40)}`);
  return t.toISOString();
}

function readNumber(v: unknown, what: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new Unreadable(`${what}: 应为数字 / not a number: ${String(v).slice(0, 40)}`);
  return n;
}

function readText(v: unknown): string {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  throw new Unreadable(`应为文本 / not a text value`);
}

function fieldValue(record: unknown, name: TargetField, rule: FieldRule, mapping: Mapping): unknown {
  const raw = rule.path !== undefined ? valueAt(record, rule.path) : rule.value;
  if (empty(raw)) return undefined;
  const maps = mapping.valueMaps ?? {};
  const mapped = (m: Record<string, string> | undefined, v: string) => m?.[v] ?? v;
  try {
    if (TIME_FIELDS.has(name)) return readTime(raw, mapping.time?.format ?? 'auto', mapping.time?.zone ?? 'Asia/Shanghai');
    if (MONEY_FIELDS.has(name)) {
      const n = readNumber(raw, name);
      return mapping.money === 'yuan' ? Math.round(n * 100) : n;
    }
    if (COUNT_FIELDS.has(name)) return readNumber(raw, name);
    let text = readText(raw);
    if (name === 'plateColor') text = mapped(maps.plateColor, text);
    else if (name === 'payChannel' || name === 'channel') text = mapped(maps.payChannel, text);
    else if (name === 'lotCode') text = mapped(maps.lotCode, text);
    return `${rule.prefix ?? ''}${text}${rule.suffix ?? ''}`;
  } catch (err) {
    if (err instanceof Unreadable) throw new Unreadable(`${name}${rule.path ? ` (${rule.path})` : ''}: ${err.message}`);
    throw err;
  }
}

function mapRule(record: unknown, rule: EventRule, mapping: Mapping): Record<string, unknown> | null {
  if (rule.when && empty(valueAt(record, rule.when.path))) return null;
  let type: string;
  if (rule.type.value !== undefined) type = rule.type.value;
  else {
    const raw = valueAt(record, rule.type.path!);
    if (empty(raw)) throw new Unreadable(`type (${rule.type.path}): 缺少 / missing`);
    const code = readText(raw);
    const t = mapping.valueMaps?.type?.[code];
    if (t === undefined) throw new Unreadable(`type (${rule.type.path}): 未映射的类型代码 / unmapped type code ${code.slice(0, 32)}`);
    type = t;
  }
  const idParts = rule.eventId.paths.map((p) => {
    const v = valueAt(record, p);
    if (empty(v)) throw new Unreadable(`eventId (${p}): 缺少 / missing`);
    return readText(v);
  });
  const event: Record<string, unknown> = { type, eventId: `${rule.eventId.prefix ?? ''}${idParts.join('-')}${rule.eventId.suffix ?? ''}` };
  for (const [name, f] of Object.entries(rule.fields)) {
    const v = fieldValue(record, name as TargetField, f, mapping);
    if (v !== undefined) event[name] = v;
  }
  return event;
}

/** Maps one record to its events (none when every rule's `when` is empty). */
export function mapRecord(record: unknown, mapping: Mapping): MappedRecord {
  try {
    const events = mapping.events.flatMap((rule): Record<string, unknown>[] => {
      const e = mapRule(record, rule, mapping);
      return e ? [e] : [];
    });
    return { ok: true, events };
  } catch (err) {
    if (err instanceof Unreadable) return { ok: false, code: 'MAPPING_FAILED', message: `映射失败 / mapping failed: ${err.message}` };
    throw err;
  }
}
