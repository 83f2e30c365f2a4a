import { type FieldIssue, type LotLookups, type LotCategory, type LotKind, parseCategory, parseKind } from '../registry/index.js';
import type { OnboardingStage } from './tables.js';
import { parseStage, parseYesNo } from './vocab.js';

/*
 * One validator for an onboarding entry however it arrives (JSON API or an import row), so the
 * same value is accepted or refused with the same code everywhere. Every problem is collected:
 * an import row reports all its reasons at once. The lot link is only checked for form here;
 * whether the lot exists and may be linked is the service's business (it needs the database).
 */

export type EntryField =
  | 'districtCode' | 'name' | 'address' | 'kind' | 'category' | 'knownSpaces' | 'operatorName' | 'contactName'
  | 'contactPhone' | 'keyArea' | 'highFrequency' | 'stage' | 'targetDate' | 'lotCode' | 'remark';

export type EntryInput = Partial<Record<EntryField, unknown>>;

export interface EntryValues {
  districtCode: string;
  name: string;
  address: string | null;
  kind: LotKind;
  category: LotCategory;
  knownSpaces: number;
  operatorName: string | null;
  contactName: string | null;
  contactPhone: string | null;
  keyArea: boolean;
  highFrequency: boolean;
  stage: OnboardingStage;
  targetDate: string | null;
  lotCode: string | null;
  remark: string | null;
}

export interface CheckedEntry {
  values: Partial<EntryValues>;
  issues: FieldIssue[];
  warnings: FieldIssue[];
}

export const MAX_SPACES = 100_000;
const LOT_CODE = /^[A-Za-z0-9_.-]{2,64}$/;
/** Digits with the separators Chinese numbers are written with: 0513-85123456 转 801, 138 1234 5678. */
const PHONE = /^[0-9+\-()（）\s转,，;；/]{5,50}$/;

const given = (v: unknown) => v !== undefined && v !== null;
const blank = (v: unknown) => v === null || (typeof v === 'string' && v.trim() === '');
const text = (v: unknown) => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : null);

/**
 * Checks the fields present in `input`. `create` needs name, district, kind and known spaces and
 * fills defaults; `patch` checks only what is given (the stage is not patched: it changes with a note).
 */
export function checkEntry(input: EntryInput, mode: 'create' | 'patch', lookups: Pick<LotLookups, 'district' | 'scope'>): CheckedEntry {
  const issues: FieldIssue[] = [];
  const warnings: FieldIssue[] = [];
  const values: Partial<EntryValues> = {};
  const fail = (field: string, code: string, message: string) => issues.push({ field, code, message });
  const required = (field: EntryField) => {
    if (given(input[field]) && !blank(input[field])) return true;
    if (mode === 'create' || input[field] !== undefined) fail(field, 'REQUIRED', `缺少必填项 ${field} / ${field} is required`);
    return false;
  };

  if (required('name')) {
    const name = text(input.name);
    if (name && name.length <= 200) values.name = name;
    else fail('name', 'INVALID_NAME', '名称须为 1–200 个字符 / name: 1–200 characters');
  }
  if (required('districtCode')) {
    const value = text(input.districtCode) ?? '';
    const code = lookups.district(value);
    if (!code) fail('districtCode', 'UNKNOWN_DISTRICT', `未知县市区 / unknown district ${value}`);
    else if (lookups.scope && lookups.scope !== code) fail('districtCode', 'DISTRICT_FORBIDDEN', `无权操作其他县市区的数据 / not permitted for district ${code}`);
    else values.districtCode = code;
  }
  if (required('kind')) {
    const kind = typeof input.kind === 'string' ? parseKind(input.kind) : null;
    if (kind) values.kind = kind;
    else fail('kind', 'INVALID_KIND', '类型须为 场库/off_street 或 路内/on_street / kind: off_street or on_street');
  }
  if (required('knownSpaces')) {
    const n = typeof input.knownSpaces === 'number' ? input.knownSpaces : typeof input.knownSpaces === 'string' && /^\s*\d+\s*$/.test(input.knownSpaces) ? Number(input.knownSpaces) : NaN;
    if (Number.isInteger(n) && n >= 0 && n <= MAX_SPACES) values.knownSpaces = n;
    else fail('knownSpaces', 'INVALID_KNOWN_SPACES', `泊位数须为 0–${MAX_SPACES} 的整数 / knownSpaces: an integer 0–${MAX_SPACES}`);
  }
  if (given(input.category) && !blank(input.category)) {
    const category = typeof input.category === 'string' ? parseCategory(input.category) : null;
    if (category) values.category = category;
    else fail('category', 'INVALID_CATEGORY', '类别无效，可选 商业/医院/学校/居住/办公/景区/交通枢纽/机关/其他 / unknown category');
  } else if (mode === 'create' || blank(input.category)) values.category = 'other';

  if (mode === 'create') {
    if (given(input.stage) && !blank(input.stage)) {
      const stage = typeof input.stage === 'string' ? parseStage(input.stage) : null;
      if (stage) values.stage = stage;
      else fail('stage', 'INVALID_STAGE', '阶段须为 未启动/联系中/对接中/测试中/已接入/暂停 / stage: not_started contacting docking testing connected paused');
    } else values.stage = 'not_started';
  }

  for (const field of ['keyArea', 'highFrequency'] as const) {
    if (!given(input[field])) {
      if (mode === 'create') values[field] = false;
      continue;
    }
    const yes = parseYesNo(input[field]);
    if (yes === null) fail(field, 'INVALID_FLAG', `${field} 须为 是/否 / ${field}: yes or no`);
    else values[field] = yes;
  }

  if (blank(input.targetDate) || (mode === 'create' && input.targetDate === undefined)) values.targetDate = null;
  else if (given(input.targetDate)) {
    const day = parseDay(input.targetDate);
    if (day) values.targetDate = day;
    else fail('targetDate', 'INVALID_DATE', '目标日期须为 YYYY-MM-DD / targetDate: YYYY-MM-DD');
  }

  if (blank(input.lotCode) || (mode === 'create' && input.lotCode === undefined)) values.lotCode = null;
  else if (given(input.lotCode)) {
    const code = text(input.lotCode);
    if (code && LOT_CODE.test(code)) values.lotCode = code;
    else fail('lotCode', 'INVALID_CODE', '停车场编码须为 2–64 位字母、数字或 _.- / lotCode: 2–64 of letters, digits, _.-');
  }

  if (blank(input.contactPhone) || (mode === 'create' && input.contactPhone === undefined)) values.contactPhone = null;
  else if (given(input.contactPhone)) {
    const phone = text(input.contactPhone);
    if (phone && PHONE.test(phone) && (phone.match(/\d/g)?.length ?? 0) >= 5) values.contactPhone = phone;
    else fail('contactPhone', 'INVALID_PHONE', '联系电话格式不正确 / contactPhone: digits, spaces and - + ( ) 转 only');
  }

  const TEXTS = { address: 300, operatorName: 200, contactName: 100, remark: 1000 } as const;
  for (const [field, max] of Object.entries(TEXTS) as [keyof typeof TEXTS, number][]) {
    if (blank(input[field]) || (mode === 'create' && input[field] === undefined)) values[field] = null;
    else if (given(input[field])) {
      const t = text(input[field]);
      if (t !== null && t.length <= max) values[field] = t;
      else fail(field, 'INVALID_TEXT', `${field} 须为不超过 ${max} 字的文本 / ${field}: text up to ${max} characters`);
    }
  }
  if (mode === 'create' && values.knownSpaces === 0) {
    warnings.push({ field: 'knownSpaces', code: 'NO_SPACES', message: '泊位数为 0，覆盖率计算中不计入 / known spaces is 0: it adds nothing to coverage' });
  }
  return { values, issues, warnings };
}

const DAY_RE = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/;
/** Excel's day 0 is 1899-12-30 (its 1900 leap-year bug folded in). */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);

/**
 * A calendar day as people and spreadsheets write it: 2026-12-31, 2026/12/31, 2026年12月31日,
 * an .xlsx date cell (read as midnight UTC of the shown day) or an Excel day number. → 'YYYY-MM-DD' | null.
 */
export function parseDay(value: unknown): string | null {
  let y: number, m: number, d: number;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 36_526 || value > 73_051) return null; // 2000-01-01 … 2099-12-31
    const date = new Date(EXCEL_EPOCH_MS + value * 86_400_000);
    [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
  } else if (typeof value === 'string') {
    const v = value.trim();
    const iso = /^(\d{4})-(\d{2})-(\d{2})T00:00:00(?:\.000)?Z$/.exec(v);
    const match = iso ?? DAY_RE.exec(v);
    if (!match) return null;
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else return null;
  const check = new Date(Date.UTC(y, m - 1, d));
  if (y < 2000 || y > 2100 || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return null;
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
