/*
 * Rules of citizen verification (docs/公众服务接口.md, “我的停车与欠费”), pure: the caller passes
 * the clock's now and what the database holds. A citizen proves a plate with a phone code and
 * receives a short-lived token; nothing about a plate is answered without one.
 */

// How long a code lives, how many tries it allows and how it is judged: one rule for every phone code (src/platform/phone-codes.ts).
export { CODE_TTL_MINUTES, MAX_CODE_ATTEMPTS, maskPhone, confirmVerdict, attemptsLeft, type VerificationState, type ConfirmVerdict } from '../../platform/phone-codes.js';
/** Minutes a citizen token is valid after the code is confirmed. */
export const TOKEN_TTL_MINUTES = 30;
/** Codes sent for one plate, and to one phone, within an hour (429 beyond). */
export const CODES_PER_PLATE_HOUR = 5;
export const CODES_PER_PHONE_HOUR = 5;
/** Distinct plates one phone may verify within 30 days: bounds a phone used to walk through plates. */
export const PLATES_PER_PHONE_30_DAYS = 5;
/** How far back "my records" reach. */
export const RECORD_DAYS = 90;

const PHONE = /^1[3-9]\d{9}$/;

/** A mainland mobile number, spaces, dashes and a +86 prefix removed; null when it is not one. */
export function normalizePhone(raw: string): string | null {
  const digits = raw.replace(/[\s-]/g, '').replace(/^(\+?86)(?=1\d{10}$)/, '');
  return PHONE.test(digits) ? digits : null;
}

export interface RecentSends {
  /** Codes sent for this plate in the last hour. */
  plateLastHour: number;
  /** Codes sent to this phone in the last hour. */
  phoneLastHour: number;
  /** Distinct plates this phone verified (confirmed) in the last 30 days, this one excluded. */
  otherPlatesConfirmed30Days: number;
}

export type SendVerdict = { ok: true } | { ok: false; code: 'RATE_LIMITED' | 'TOO_MANY_PLATES'; retryAfterS: number };

/** May another code be sent? Limits per plate and per phone (per address is the route's limit). */
export function maySend(recent: RecentSends): SendVerdict {
  if (recent.plateLastHour >= CODES_PER_PLATE_HOUR || recent.phoneLastHour >= CODES_PER_PHONE_HOUR) {
    return { ok: false, code: 'RATE_LIMITED', retryAfterS: 3600 };
  }
  if (recent.otherPlatesConfirmed30Days >= PLATES_PER_PHONE_30_DAYS) return { ok: false, code: 'TOO_MANY_PLATES', retryAfterS: 30 * 86_400 };
  return { ok: true };
}

export const addMinutes = (at: Date, minutes: number): Date => new Date(at.getTime() + minutes * 60_000);
