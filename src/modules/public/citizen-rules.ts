/*
 * Rules of citizen verification (docs/公众服务接口.md, “我的停车与欠费”), pure: the caller passes
 * the clock's now and what the database holds. A citizen proves a plate with a phone code and
 * receives a short-lived token; nothing about a plate is answered without one.
 */

/** Minutes a phone code is valid. */
export const CODE_TTL_MINUTES = 5;
/** Wrong codes a verification accepts before it is dead. */
export const MAX_CODE_ATTEMPTS = 5;
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

/** 138****5678: what the citizen and staff see of a phone. */
export function maskPhone(phone: string): string {
  return `${phone.slice(0, 3)}****${phone.slice(-4)}`;
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

export interface VerificationState {
  expiresAt: Date;
  attempts: number;
  confirmedAt: Date | null;
}

export type ConfirmVerdict = 'ok' | 'wrong' | 'expired' | 'exhausted' | 'used';

/**
 * The outcome of a code typed for a verification. `matches` says whether the code's hash equals
 * the stored one; an expired, used or exhausted verification refuses even the right code.
 */
export function confirmVerdict(v: VerificationState, matches: boolean, now: Date): ConfirmVerdict {
  if (v.confirmedAt !== null) return 'used';
  if (now.getTime() >= v.expiresAt.getTime()) return 'expired';
  if (v.attempts >= MAX_CODE_ATTEMPTS) return 'exhausted';
  return matches ? 'ok' : 'wrong';
}

/** The attempts left after this verdict (shown to the citizen after a wrong code). */
export function attemptsLeft(v: VerificationState, verdict: ConfirmVerdict): number {
  return verdict === 'wrong' ? Math.max(0, MAX_CODE_ATTEMPTS - v.attempts - 1) : Math.max(0, MAX_CODE_ATTEMPTS - v.attempts);
}

export const addMinutes = (at: Date, minutes: number): Date => new Date(at.getTime() + minutes * 60_000);
