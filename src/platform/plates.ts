import { can, type Actor } from './auth/permissions.js';
import { badRequest } from './errors.js';

/*
 * Licence plates (docs/接入规范.md §6.2). Normalised before storing; the raw value is kept too.
 * Masked for roles without `pii`.
 */

const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
const SEPARATORS = /[\s·•・.．\-－_]/g;
const REGULAR = new RegExp(`^[${PROVINCES}][A-HJ-NP-Z][A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳]$`);
const NEW_ENERGY = new RegExp(`^[${PROVINCES}][A-HJ-NP-Z][A-HJ-NP-Z0-9]{6}$`);

export const PLATE_COLORS = ['blue', 'yellow', 'green', 'white', 'black', 'yellow_green'] as const;
export type PlateColor = (typeof PLATE_COLORS)[number];

/** Trim, full-width → half-width (NFKC), upper-case, drop separators: `苏F·１２３４５` → `苏F12345`. */
export function normalizePlate(raw: string): string {
  return raw.normalize('NFKC').replace(SEPARATORS, '').toUpperCase();
}

/** A normalised plate of the 7-character regular or 8-character new-energy form. */
export function isValidPlate(normalized: string): boolean {
  return REGULAR.test(normalized) || NEW_ENERGY.test(normalized);
}

/*
 * 无牌车 (vehicles without a plate, or on a temporary code the lot system gave them): real lots
 * let them in on a paper or QR ticket. They arrive as plate `无牌车`/`临时车`/`无牌` or no plate,
 * with the lot system's own ticket id (`ticketId`, docs/接入规范.md §6.2), and are stored under
 * the key `无牌车#<ticketId>`: pairing by plate within a lot then pairs them by that ticket, the
 * records list them, and analytics counts them like any other session.
 */
export const NO_PLATE = '无牌车';
/** What a lot system sends as the plate of a vehicle without one (normalised). */
export const NO_PLATE_WORDS: readonly string[] = ['无牌车', '无牌', '无车牌', '临时车'];
/** A lot system's ticket id: printable ASCII without spaces, at most 32 characters. */
export const TICKET_ID_RE = /^[\x21-\x7e]{1,32}$/;
const NO_PLATE_KEY = /^无牌车#[\x21-\x7e]{1,32}$/;
/** The same key as a PostgreSQL regular expression (data cleaning's plate check). */
export const NO_PLATE_KEY_SQL_RE = '^无牌车#[!-~]{1,32}$';

/**
 * The stored plate of a vehicle without one, keyed by the lot system's ticket id normalised like
 * a plate (so that a records search for `无牌车#t-123` finds `无牌车#T123`); null when nothing is left.
 */
export function noPlateKey(ticketId: string): string | null {
  const ticket = normalizePlate(ticketId);
  return ticket === '' ? null : `${NO_PLATE}#${ticket}`;
}

/** Whether a stored plate is a 无牌车 key (`无牌车#<ticketId>`). */
export function isNoPlateKey(plate: string): boolean {
  return NO_PLATE_KEY.test(plate);
}

export type PlateKind = 'regular' | 'new_energy' | 'no_plate' | 'invalid';

/** The kind of a stored (normalised) plate. */
export function plateKindOf(plate: string): PlateKind {
  if (REGULAR.test(plate)) return 'regular';
  if (NEW_ENERGY.test(plate)) return 'new_energy';
  return isNoPlateKey(plate) ? 'no_plate' : 'invalid';
}

/** `苏F12345` → `苏F1**45`: province, letter and one more character, then the last two. */
export function maskPlate(plate: string): string {
  const chars = [...plate];
  if (chars.length <= 5) return chars.map((c, i) => (i === 0 ? c : '*')).join('');
  return chars.slice(0, 3).join('') + '*'.repeat(chars.length - 5) + chars.slice(-2).join('');
}

/** Longest plate filter accepted (normalised): a plate is 7 or 8 characters. */
export const MAX_PLATE_FILTER = 16;

/** How a plate filter matches: the whole normalised plate, or a part of it. */
export interface PlateFilter {
  kind: 'exact' | 'contains';
  /** Normalised. */
  value: string;
}

/** The normalised plate when `raw` is a whole valid plate, else null. */
export function wholePlate(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const value = normalizePlate(raw);
  return isValidPlate(value) ? value : null;
}

/**
 * The plate filter an actor may use, for every query that filters by plate (parking records
 * and their export, docs/用户手册.md). Normalised first; a whole valid plate matches exactly.
 * A part of a plate matches as "contains" only for actors with `pii`: without it, masked
 * answers to ever longer parts would give the plate away one character at a time, so a part
 * is refused (400 PLATE_EXACT_REQUIRED). Blank: no filter (null). Callers audit and rate-limit
 * the searches of actors without pii (`src/platform/plate-search.ts`).
 */
export function plateFilterFor(actor: Actor, raw: string | undefined): PlateFilter | null {
  if (raw === undefined || raw.trim() === '') return null;
  const value = normalizePlate(raw);
  if (value.length > MAX_PLATE_FILTER) throw badRequest('INVALID_PLATE', `车牌查询条件过长 / plate filter too long: ${raw.slice(0, 32)}`);
  if (value === '') return null;
  if (isValidPlate(value) || isNoPlateKey(value)) return { kind: 'exact', value };
  if (!can(actor, 'pii')) {
    throw badRequest('PLATE_EXACT_REQUIRED', '无查看完整车牌权限时，请输入完整车牌（如 苏F12345）查询 / without the pii permission, search by a whole plate (e.g. 苏F12345)');
  }
  return { kind: 'contains', value };
}
