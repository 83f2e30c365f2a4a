import { can, type Actor } from '../../platform/auth/permissions.js';
import { badRequest } from '../../platform/errors.js';
import { isValidPlate, maskPlate, normalizePlate } from '../../platform/plates.js';

/*
 * A ticket's personal data: the citizen's name and phone, and the plate. Masked for actors
 * without `pii`, like plates everywhere (docs/architecture.md, cross-cutting rules); the service audits every response that
 * carried them unmasked.
 */

export function seesPersonalData(actor: Actor): boolean {
  return can(actor, 'pii');
}

/** 13812341234 → 138****1234; 0513-85123456 → 051*****3456; short numbers keep only the last two. */
export function maskPhone(phone: string): string {
  const chars = [...phone];
  if (chars.length >= 8) return chars.slice(0, 3).join('') + '*'.repeat(chars.length - 7) + chars.slice(-4).join('');
  if (chars.length <= 2) return '*'.repeat(chars.length);
  return '*'.repeat(chars.length - 2) + chars.slice(-2).join('');
}

/** 张三 → 张*, 欧阳小明 → 欧***; the surname is what a caller on the phone would use. */
export function maskName(name: string): string {
  const chars = [...name];
  if (chars.length <= 1) return '*';
  return chars[0]! + '*'.repeat(chars.length - 1);
}

/** Phone numbers as people give them: digits with optional +, spaces and dashes; stored without spaces. */
export function normalizePhone(raw: string): string {
  const value = raw.normalize('NFKC').replace(/\s+/g, '');
  if (!/^\+?[0-9][0-9-]{4,19}$/.test(value)) {
    throw badRequest('INVALID_PHONE', `联系电话格式不正确 / invalid phone number: ${raw.slice(0, 32)}`);
  }
  return value;
}

/** A plate for a ticket: normalised and of a valid form, or 400 INVALID_PLATE. */
export function ticketPlate(raw: string): { plate: string; raw: string } {
  const plate = normalizePlate(raw);
  if (!isValidPlate(plate)) throw badRequest('INVALID_PLATE', `车牌格式不正确 / invalid plate: ${raw.slice(0, 16)}`);
  return { plate, raw: raw.trim() };
}

export interface PersonalFields {
  citizenName: string | null;
  citizenPhone: string | null;
  plate: string | null;
}

export function maskPersonal<T extends PersonalFields>(view: T, unmasked: boolean): T {
  if (unmasked) return view;
  return {
    ...view,
    citizenName: view.citizenName === null ? null : maskName(view.citizenName),
    citizenPhone: view.citizenPhone === null ? null : maskPhone(view.citizenPhone),
    plate: view.plate === null ? null : maskPlate(view.plate),
  };
}

export function hasPersonal(view: PersonalFields): boolean {
  return view.citizenName !== null || view.citizenPhone !== null || view.plate !== null;
}
