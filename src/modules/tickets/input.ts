import { AppError, badRequest } from '../../platform/errors.js';
import { normalizePhone, ticketPlate } from './personal-data.js';
import { ALL_TICKET_CATEGORIES, ALL_TICKET_CHANNELS, INTERNAL_CHANNEL, INTERNAL_CATEGORIES, isInternalCategory, TICKET_CATEGORIES, TICKET_PRIORITIES, type TicketCategory, type TicketChannel, type TicketPriority } from './vocab.js';

/*
 * Checks of a new ticket or a change, shared by the console API and the signed inbound API
 * (whose body arrives as raw JSON): each bad field is refused with a code that names it.
 */

export interface NewTicketInput {
  channel: TicketChannel;
  category: TicketCategory;
  title: string;
  description: string;
  priority: TicketPriority;
  externalNo: string | null;
  citizenName: string | null;
  citizenPhone: string | null;
  lotCode: string | null;
  plate: { plate: string; raw: string } | null;
  sessionId: number | null;
  districtCode: string | null;
}

export const LIMITS = { title: 200, description: 5000, externalNo: 64, citizenName: 50, note: 2000, reason: 500 } as const;

type Raw = Record<string, unknown>;

const invalid = (code: string, zh: string, en: string) => new AppError(400, code, `${zh} / ${en}`);

function text(raw: Raw, key: string, max: number, required: boolean): string | null {
  const v = raw[key];
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '' && !required)) {
    if (required) throw invalid('INVALID_FIELD', `缺少 ${key}`, `${key} is required`);
    return null;
  }
  if (typeof v !== 'string') throw invalid('INVALID_FIELD', `${key} 应为字符串`, `${key} must be a string`);
  const s = v.trim();
  if (required && !s) throw invalid('INVALID_FIELD', `${key} 不能为空`, `${key} must not be empty`);
  if (s.length > max) throw invalid('INVALID_FIELD', `${key} 最长 ${max} 个字符`, `${key}: at most ${max} characters`);
  return s;
}

function oneOf<T extends string>(raw: Raw, key: string, values: readonly T[], code: string, fallback?: T): T {
  const v = raw[key];
  if ((v === undefined || v === null || v === '') && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw invalid(code, `${key} 应为 ${values.join('、')} 之一`, `${key} must be one of ${values.join(', ')}`);
  }
  return v as T;
}

function sessionId(raw: Raw): number | null {
  const v = raw.sessionId;
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw invalid('INVALID_FIELD', 'sessionId 应为正整数', 'sessionId must be a positive integer');
  return n;
}

/** An internal service request (channel internal) takes an internal category, and only it does. */
export function assertCategoryFits(channel: TicketChannel, category: TicketCategory): void {
  if ((channel === INTERNAL_CHANNEL) !== isInternalCategory(category)) {
    const allowed = channel === INTERNAL_CHANNEL ? INTERNAL_CATEGORIES : TICKET_CATEGORIES;
    throw invalid('INVALID_CATEGORY', `${channel} 渠道的分类应为 ${allowed.join('、')} 之一`, `a ${channel} ticket's category must be one of ${allowed.join(', ')}`);
  }
}

export function parseNewTicket(body: unknown, defaults: { channel?: TicketChannel } = {}): NewTicketInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('INVALID_BODY', '请求体应为 JSON 对象 / body must be a JSON object');
  const raw = body as Raw;
  const phone = text(raw, 'citizenPhone', 32, false);
  const plate = text(raw, 'plate', 32, false);
  const district = text(raw, 'districtCode', 16, false);
  if (district !== null && !/^[0-9]{6}$/.test(district)) throw invalid('INVALID_DISTRICT', 'districtCode 应为 6 位数字', 'districtCode must be 6 digits');
  const channel = oneOf(raw, 'channel', ALL_TICKET_CHANNELS, 'INVALID_CHANNEL', defaults.channel);
  const category = oneOf(raw, 'category', ALL_TICKET_CATEGORIES, 'INVALID_CATEGORY');
  assertCategoryFits(channel, category);
  return {
    channel,
    category,
    title: text(raw, 'title', LIMITS.title, true)!,
    description: text(raw, 'description', LIMITS.description, true)!,
    priority: oneOf(raw, 'priority', TICKET_PRIORITIES, 'INVALID_PRIORITY', 'normal'),
    externalNo: text(raw, 'externalNo', LIMITS.externalNo, false),
    citizenName: text(raw, 'citizenName', LIMITS.citizenName, false),
    citizenPhone: phone === null ? null : normalizePhone(phone),
    lotCode: text(raw, 'lotCode', 64, false),
    plate: plate === null ? null : ticketPlate(plate),
    sessionId: sessionId(raw),
    districtCode: district,
  };
}

/** The editable fields of a ticket; absent keys are left as they are, null clears. */
export interface TicketPatch {
  category?: TicketCategory;
  priority?: TicketPriority;
  title?: string;
  description?: string;
  citizenName?: string | null;
  citizenPhone?: string | null;
  lotCode?: string | null;
  plate?: { plate: string; raw: string } | null;
  sessionId?: number | null;
  districtCode?: string | null;
  team?: string | null;
}

export function parsePatch(body: unknown): TicketPatch {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('INVALID_BODY', '请求体应为 JSON 对象 / body must be a JSON object');
  const raw = body as Raw;
  const has = (k: string) => Object.prototype.hasOwnProperty.call(raw, k);
  const p: TicketPatch = {};
  if (has('category')) p.category = oneOf(raw, 'category', ALL_TICKET_CATEGORIES, 'INVALID_CATEGORY');
  if (has('priority')) p.priority = oneOf(raw, 'priority', TICKET_PRIORITIES, 'INVALID_PRIORITY');
  if (has('title')) p.title = text(raw, 'title', LIMITS.title, true)!;
  if (has('description')) p.description = text(raw, 'description', LIMITS.description, true)!;
  if (has('citizenName')) p.citizenName = text(raw, 'citizenName', LIMITS.citizenName, false);
  if (has('citizenPhone')) {
    const phone = text(raw, 'citizenPhone', 32, false);
    p.citizenPhone = phone === null ? null : normalizePhone(phone);
  }
  if (has('lotCode')) p.lotCode = text(raw, 'lotCode', 64, false);
  if (has('plate')) {
    const plate = text(raw, 'plate', 32, false);
    p.plate = plate === null ? null : ticketPlate(plate);
  }
  if (has('sessionId')) p.sessionId = sessionId(raw);
  if (has('districtCode')) {
    const d = text(raw, 'districtCode', 16, false);
    if (d !== null && !/^[0-9]{6}$/.test(d)) throw invalid('INVALID_DISTRICT', 'districtCode 应为 6 位数字', 'districtCode must be 6 digits');
    p.districtCode = d;
  }
  if (has('team')) p.team = text(raw, 'team', 32, false);
  return p;
}
