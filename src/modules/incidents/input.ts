import type { Actor } from '../../platform/auth/permissions.js';
import { AppError, badRequest } from '../../platform/errors.js';
import { districtScope } from '../../platform/scope.js';
import { parseBusinessTime, shanghaiDay } from '../../platform/time.js';
import { listUsers } from '../accounts/index.js';
import { listDistricts, lotRefs } from '../registry/index.js';
import { DETECTION_SOURCES, moduleKey, MODULE_KEYS, ROOT_CAUSE_CATEGORIES, type DetectionSource, type RootCauseCategory } from './vocab.js';
import type { IncidentsContext } from './repo.js';

/** Checks and normalises what clients send; every refusal names the field and says why. */

/** Clients' clocks drift: a time this far ahead of ours is taken as now. */
const SKEW_MS = 5 * 60_000;

/** A business time (ISO 8601 or 'YYYY-MM-DD HH:mm:ss' Shanghai), not in the future. */
export function pastTime(field: string, value: string | undefined | null, now: Date): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const at = parseBusinessTime(value);
  if (!at) throw badRequest('INVALID_TIME', `${field} 时间格式错误（ISO 8601 或 YYYY-MM-DD HH:mm:ss） / ${field}: not a time: '${value}'`);
  if (at.getTime() > now.getTime() + SKEW_MS) throw badRequest('FUTURE_TIME', `${field} 不能晚于当前时间 / ${field} is in the future`);
  return at.getTime() > now.getTime() ? now : at;
}

export function notBefore(field: string, at: Date, floor: Date, floorName: string): void {
  if (at.getTime() < floor.getTime()) {
    throw badRequest('INVALID_TIME', `${field} 不能早于${floorName} / ${field} cannot be before ${floorName}`);
  }
}

export function text(field: string, value: string | undefined | null, max: number): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  const v = value.trim();
  if (v.length > max) throw badRequest('INVALID_FIELD', `${field} 超过 ${max} 个字符 / ${field}: at most ${max} characters`);
  return v || null;
}

export function requiredText(field: string, value: string | undefined | null, max: number): string {
  const v = text(field, value, max);
  if (!v) throw badRequest('INVALID_FIELD', `${field} 不能为空 / ${field} is required`);
  return v;
}

export function detectionSource(value: string | undefined): DetectionSource | undefined {
  if (value === undefined) return undefined;
  if (!(DETECTION_SOURCES as readonly string[]).includes(value)) {
    throw badRequest('INVALID_SOURCE', `发现方式须为 ${DETECTION_SOURCES.join('|')} / detectionSource: one of ${DETECTION_SOURCES.join(', ')}`);
  }
  return value as DetectionSource;
}

export function rootCauseCategory(value: string | undefined | null): RootCauseCategory | null | undefined {
  if (value === undefined || value === null) return value;
  if (!(ROOT_CAUSE_CATEGORIES as readonly string[]).includes(value)) {
    throw badRequest('INVALID_CATEGORY', `原因分类须为 ${ROOT_CAUSE_CATEGORIES.join('|')} / rootCauseCategory: one of ${ROOT_CAUSE_CATEGORIES.join(', ')}`);
  }
  return value as RootCauseCategory;
}

/** 'YYYY-MM-DD' that is a real date. */
export function isoDate(field: string, value: string): string {
  const at = /^\d{4}-\d{2}-\d{2}$/.test(value) ? parseBusinessTime(`${value} 00:00:00`) : null;
  if (!at || shanghaiDay(at) !== value) throw badRequest('INVALID_DATE', `${field} 须为日期 YYYY-MM-DD / ${field}: a date YYYY-MM-DD`);
  return value;
}

/** An active user's username (commanders, action owners). */
export async function activeUsername(ctx: IncidentsContext, field: string, value: string): Promise<string> {
  const name = value.trim();
  const user = (await listUsers(ctx)).find((u) => u.username === name);
  if (!user || user.status !== 'active') throw badRequest('UNKNOWN_USER', `${field}：用户 ${name} 不存在或已停用 / ${field}: no active user '${name}'`);
  return name;
}

export interface ScopeInput {
  description?: string | null;
  modules?: string[];
  districts?: string[];
  lots?: string[];
  affectedUsers?: number | null;
  affectedUsersNote?: string | null;
  /** Alias: a number is affectedUsers, text affectedUsersNote. */
  users?: number | string;
}

export interface Scope {
  description: string | null;
  modules: string[];
  districts: string[];
  lots: string[];
  affectedUsers: number | null;
  affectedUsersNote: string | null;
}

export const EMPTY_SCOPE: Scope = { description: null, modules: [], districts: [], lots: [], affectedUsers: null, affectedUsersNote: null };

/** A plain string is the scope's description (how people write it in a ledger). */
export function scopeInput(raw: string | ScopeInput | undefined | null): ScopeInput | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') return { description: raw };
  const { users, ...rest } = raw;
  if (typeof users === 'number' && rest.affectedUsers === undefined) rest.affectedUsers = users;
  if (typeof users === 'string' && rest.affectedUsersNote === undefined) rest.affectedUsersNote = users;
  return rest;
}

const uniq = (list: string[]) => [...new Set(list.map((v) => v.trim()).filter(Boolean))];

/**
 * Resolves modules (key or Chinese name), districts (code or name) and lots (codes that exist);
 * the lots' districts join the districts. A district user may only record impact in their own
 * district, and an impact without districts becomes theirs.
 */
export async function resolveScope(ctx: IncidentsContext, actor: Actor, input: ScopeInput, base: Scope = EMPTY_SCOPE): Promise<Scope> {
  const out: Scope = { ...base };
  if (input.description !== undefined) out.description = text('scope.description', input.description, 2000) ?? null;
  if (input.affectedUsersNote !== undefined) out.affectedUsersNote = text('scope.affectedUsersNote', input.affectedUsersNote, 500) ?? null;
  if (input.affectedUsers !== undefined) {
    if (input.affectedUsers !== null && !(Number.isInteger(input.affectedUsers) && input.affectedUsers >= 0)) {
      throw badRequest('INVALID_SCOPE', '受影响用户数须为非负整数 / scope.affectedUsers: a whole number ≥ 0');
    }
    out.affectedUsers = input.affectedUsers;
  }
  if (input.modules !== undefined) {
    out.modules = uniq(input.modules).map((m) => {
      const key = moduleKey(m);
      if (!key) throw badRequest('INVALID_SCOPE', `未知模块 / unknown module '${m}'; modules: ${MODULE_KEYS.join(', ')}`);
      return key;
    });
    out.modules = uniq(out.modules);
  }
  let lotDistricts: string[] = [];
  if (input.lots !== undefined) {
    const codes = uniq(input.lots);
    if (codes.length > 500) throw badRequest('INVALID_SCOPE', '停车场最多 500 个 / scope.lots: at most 500');
    const refs = await lotRefs(ctx, codes);
    const missing = codes.filter((c) => !refs.has(c));
    if (missing.length) throw badRequest('UNKNOWN_LOT', `停车场不存在 / unknown lots: ${missing.slice(0, 10).join(', ')}`);
    out.lots = codes;
    lotDistricts = codes.map((c) => refs.get(c)!.districtCode);
  }
  if (input.districts !== undefined || lotDistricts.length) {
    const named = input.districts !== undefined ? uniq(input.districts) : out.districts;
    const districts = await listDistricts(ctx, actor);
    const byKey = new Map<string, string>();
    for (const d of districts) {
      byKey.set(d.code, d.code);
      byKey.set(d.name, d.code);
    }
    const codes = named.map((d) => {
      const code = byKey.get(d);
      if (!code) throw badRequest('INVALID_SCOPE', `未知县市区 / unknown district '${d}'`);
      return code;
    });
    out.districts = uniq([...codes, ...lotDistricts]).sort();
  }
  const scope = districtScope(actor);
  if (scope !== null) {
    if (!out.districts.length) out.districts = [scope];
    const other = out.districts.find((d) => d !== scope);
    if (other) throw new AppError(403, 'DISTRICT_FORBIDDEN', `无权记录其他县市区的事件 / not permitted for district ${other}`);
  }
  return out;
}
