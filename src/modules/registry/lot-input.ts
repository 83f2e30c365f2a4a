import { AppError } from '../../platform/errors.js';
import { COLUMN_HEADERS } from './lot-file.js';
import { coordinateProblem, distanceKm, FAR_FROM_NANTONG_KM, NANTONG_CENTER, toGcj02, toNumber } from './coords.js';
import type { CoordSystem, LotCategory, LotKind } from './tables.js';
import { CODE_PATTERN, parseCategory, parseCoordSystem, parseKind, parseLotStatus, type LotStatus } from './vocab.js';

/*
 * One validator for every way a lot comes in (JSON API, spreadsheet import, sample data), so
 * that the same value is accepted or refused with the same code everywhere. It collects every
 * problem instead of stopping at the first: an import row reports all its reasons at once.
 */

export interface FieldIssue {
  field: string;
  code: string;
  message: string;
}

/** Fields as they arrive; values are unchecked (JSON or spreadsheet cells). */
/** Sheets carry the LotField columns; the JSON API may also set lateThresholdMinutes (monitoring). */
export type LotInput = Partial<Record<LotField | 'lateThresholdMinutes', unknown>>;
export type LotField =
  | 'code' | 'name' | 'districtCode' | 'kind' | 'totalSpaces' | 'lng' | 'lat' | 'coordSystem'
  | 'sourceCode' | 'category' | 'address' | 'operatorId' | 'status' | 'remark';

/** A checked lot, in storage terms (coordinates already GCJ-02). */
export interface LotValues {
  code: string;
  name: string;
  districtCode: string;
  kind: LotKind;
  category: LotCategory;
  totalSpaces: number;
  address: string | null;
  /** null only for lots created with `coordinatesOptional` (a feed that does not know where they are). */
  lng: number | null;
  lat: number | null;
  inputCoordSystem: CoordSystem;
  sourceCode: string | null;
  operatorId: number | null;
  status: LotStatus;
  remark: string | null;
  /** Minutes of silence before monitoring calls the lot late; null: the source's, else the platform default. */
  lateThresholdMinutes: number | null;
}

/** What references resolve against; built per actor so that unseen rows stay unseen. */
export interface LotLookups {
  /** District code for a code or a Chinese/English name, or null. */
  district(value: string): string | null;
  /** Sources the actor may bind lots to. */
  hasSource(code: string): boolean;
  /** Operator id for an id or a name, or null. */
  operator(value: string | number): number | null;
  /** The actor's district, or null when city-wide. */
  scope: string | null;
}

export interface CheckLotOptions {
  /**
   * Allow a new lot without any coordinates (both absent): stored as null with a NO_COORDINATES
   * warning. Only for service callers that import third-party feeds; the API and sheets still
   * require them.
   */
  coordinatesOptional?: boolean;
}

export interface CheckedLot {
  values: Partial<LotValues>;
  issues: FieldIssue[];
  warnings: FieldIssue[];
}

const MAX_SPACES = 100_000;
/** undefined = not given (an empty import cell arrives as undefined); null = given as "clear". */
const given = (v: unknown) => v !== undefined && v !== null;
const blank = (v: unknown) => v === null || (typeof v === 'string' && v.trim() === '');
const text = (v: unknown) => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : null);

/**
 * Checks the fields present in `input`. `create` needs every required field; `patch` checks only
 * what is given. Without `lookups` the references (district, source, operator) are not resolved.
 */
export function checkLot(input: LotInput, mode: 'create' | 'patch', lookups: LotLookups | null, opts: CheckLotOptions = {}): CheckedLot {
  const issues: FieldIssue[] = [];
  const warnings: FieldIssue[] = [];
  const values: Partial<LotValues> = {};
  const fail = (field: string, code: string, message: string) => issues.push({ field, code, message });
  const required = (field: LotField) => {
    if (given(input[field])) return true;
    if (mode === 'create' || input[field] === null) fail(field, 'REQUIRED', `缺少必填项「${COLUMN_HEADERS[field][0]}」 / ${field} is required`);
    return false;
  };

  if (mode === 'create' && required('code')) {
    const code = text(input.code);
    if (code && CODE_PATTERN.test(code)) values.code = code;
    else fail('code', 'INVALID_CODE', '编码须为 2–64 位字母、数字或 _.- / code: 2–64 of letters, digits, _.-');
  }
  if (required('name')) {
    const name = text(input.name);
    if (name && name.length <= 200) values.name = name;
    else fail('name', 'INVALID_NAME', '名称须为 1–200 个字符 / name: 1–200 characters');
  }
  if (required('districtCode')) checkDistrict(text(input.districtCode) ?? '', lookups, values, fail);
  if (required('kind')) {
    const kind = typeof input.kind === 'string' ? parseKind(input.kind) : null;
    if (kind) values.kind = kind;
    else fail('kind', 'INVALID_KIND', '类型须为 场库/off_street 或 路内/on_street / kind: off_street or on_street');
  }
  if (required('totalSpaces')) {
    const n = toNumber(input.totalSpaces);
    if (n !== null && Number.isInteger(n) && n >= 0 && n <= MAX_SPACES) values.totalSpaces = n;
    else fail('totalSpaces', 'INVALID_TOTAL_SPACES', `总泊位须为 0–${MAX_SPACES} 的整数 / totalSpaces: an integer 0–${MAX_SPACES}`);
  }
  checkCoordinates(input, mode, values, warnings, fail, opts.coordinatesOptional === true);
  if (given(input.category)) {
    const category = typeof input.category === 'string' ? parseCategory(input.category) : null;
    if (category) values.category = category;
    else fail('category', 'INVALID_CATEGORY', '类别无效，可选 商业/医院/学校/居住/办公/景区/交通枢纽/机关/其他 / unknown category');
  } else if (mode === 'create') values.category = 'other';
  if (given(input.status)) {
    const status = typeof input.status === 'string' ? parseLotStatus(input.status) : null;
    if (status) values.status = status;
    else fail('status', 'INVALID_STATUS', '状态须为 正常/active 或 暂停/suspended / status: active or suspended');
  } else if (mode === 'create') values.status = 'active';
  checkReferences(input, mode, lookups, values, fail);
  checkLateThreshold(input, mode, values, fail);
  for (const field of ['address', 'remark'] as const) {
    if (blank(input[field]) || (mode === 'create' && input[field] === undefined)) values[field] = null;
    else if (given(input[field])) {
      const t = text(input[field]);
      if (t !== null && t.length <= 500) values[field] = t;
      else fail(field, `INVALID_${field.toUpperCase()}`, `${field} 须为不超过 500 字的文本 / ${field}: text up to 500 characters`);
    }
  }
  return { values, issues, warnings };
}

type Fail = (field: string, code: string, message: string) => void;

export const LATE_THRESHOLD_RANGE = { min: 5, max: 10080 } as const;

/** An integer number of minutes in range, or null to inherit; undefined when not given. */
export function checkThresholdValue(v: unknown): { ok: true; value: number | null | undefined } | { ok: false } {
  if (v === undefined) return { ok: true, value: undefined };
  if (blank(v)) return { ok: true, value: null };
  const n = toNumber(v);
  return n !== null && Number.isInteger(n) && n >= LATE_THRESHOLD_RANGE.min && n <= LATE_THRESHOLD_RANGE.max ? { ok: true, value: n } : { ok: false };
}

export const LATE_THRESHOLD_MESSAGE = `延迟阈值须为 ${LATE_THRESHOLD_RANGE.min}–${LATE_THRESHOLD_RANGE.max} 的整数分钟，空为继承 / lateThresholdMinutes: whole minutes ${LATE_THRESHOLD_RANGE.min}–${LATE_THRESHOLD_RANGE.max}, null to inherit`;

function checkLateThreshold(input: LotInput, mode: 'create' | 'patch', values: Partial<LotValues>, fail: Fail): void {
  const r = checkThresholdValue(input.lateThresholdMinutes);
  if (!r.ok) fail('lateThresholdMinutes', 'INVALID_LATE_THRESHOLD', LATE_THRESHOLD_MESSAGE);
  else if (r.value !== undefined) values.lateThresholdMinutes = r.value;
  else if (mode === 'create') values.lateThresholdMinutes = null;
}

function checkDistrict(value: string, lookups: LotLookups | null, values: Partial<LotValues>, fail: Fail): void {
  const code = lookups ? lookups.district(value) : /^[0-9]{6}$/.test(value) ? value : null;
  if (!code) {
    if (lookups || !/^[0-9]{6}$/.test(value)) fail('districtCode', 'UNKNOWN_DISTRICT', `未知县市区 / unknown district ${value}`);
    return;
  }
  if (lookups?.scope && lookups.scope !== code) {
    fail('districtCode', 'DISTRICT_FORBIDDEN', `无权操作其他县市区的数据 / not permitted for district ${code}`);
    return;
  }
  values.districtCode = code;
}

function checkCoordinates(input: LotInput, mode: 'create' | 'patch', values: Partial<LotValues>, warnings: FieldIssue[], fail: Fail, optional = false): void {
  let system: CoordSystem | null = 'gcj02';
  if (given(input.coordSystem) && !blank(input.coordSystem)) {
    system = typeof input.coordSystem === 'string' ? parseCoordSystem(input.coordSystem) : null;
    // Reported, and the coordinates are still checked so that the row lists every problem.
    if (!system) fail('coordSystem', 'INVALID_COORD_SYSTEM', '坐标系须为 gcj02、wgs84 或 bd09 / coordSystem: gcj02, wgs84 or bd09');
  }
  const hasLng = given(input.lng);
  const hasLat = given(input.lat);
  if (mode === 'patch' && !hasLng && !hasLat) return;
  if (optional && mode === 'create' && !hasLng && !hasLat) {
    Object.assign(values, { lng: null, lat: null, inputCoordSystem: system ?? 'gcj02' });
    warnings.push({ field: 'lng', code: 'NO_COORDINATES', message: '未提供坐标，地图上不显示 / no coordinates; the lot is not shown on maps' });
    return;
  }
  if (!hasLng || !hasLat) {
    fail('lng', 'INVALID_COORDINATES', '须同时提供经度和纬度 / lng and lat are both required');
    return;
  }
  const problem = coordinateProblem(input.lng, input.lat);
  if (problem) {
    fail('lng', 'INVALID_COORDINATES', problem);
    return;
  }
  if (!system) return;
  const [lng, lat] = toGcj02(toNumber(input.lng)!, toNumber(input.lat)!, system);
  Object.assign(values, { lng, lat, inputCoordSystem: system });
  const km = distanceKm(NANTONG_CENTER, [lng, lat]);
  if (km > FAR_FROM_NANTONG_KM) {
    warnings.push({ field: 'lng', code: 'FAR_FROM_NANTONG', message: `距南通市中心约 ${Math.round(km)} km，请核对坐标 / about ${Math.round(km)} km from Nantong; check the coordinates` });
  }
}

function checkReferences(input: LotInput, mode: 'create' | 'patch', lookups: LotLookups | null, values: Partial<LotValues>, fail: Fail): void {
  if (blank(input.sourceCode) || (mode === 'create' && input.sourceCode === undefined)) values.sourceCode = null;
  else if (given(input.sourceCode)) {
    const code = text(input.sourceCode);
    if (code && (!lookups || lookups.hasSource(code))) values.sourceCode = code;
    else fail('sourceCode', 'UNKNOWN_SOURCE', `未知接入系统 / unknown data source ${code ?? ''}`);
  }
  if (blank(input.operatorId) || (mode === 'create' && input.operatorId === undefined)) values.operatorId = null;
  else if (given(input.operatorId)) {
    const raw = input.operatorId;
    const id = lookups && (typeof raw === 'number' || typeof raw === 'string') ? lookups.operator(raw) : toNumber(raw);
    if (id !== null && Number.isInteger(id)) values.operatorId = id;
    else fail('operatorId', 'UNKNOWN_OPERATOR', `未知运营单位 / unknown operator ${String(raw)}`);
  }
}

const STATUS_OF: Record<string, number> = { DISTRICT_FORBIDDEN: 403, DUPLICATE: 409 };

/** For single-lot calls: the most telling issue as an AppError (permission before validation), all in details. */
export function issuesError(issues: FieldIssue[]): AppError {
  const first = issues.find((i) => i.code === 'DISTRICT_FORBIDDEN') ?? issues[0]!;
  return new AppError(STATUS_OF[first.code] ?? 400, first.code, first.message, issues);
}
