/*
 * Phone codes (验证码), pure: how long one lives, how many tries it allows, and the verdict on a
 * typed code. Used by 公众服务's plate verification and the complaint pages' work-order lookup
 * (docs/公众服务接口.md); the caller passes the clock's now and what the database holds.
 */

/** Minutes a phone code is valid. */
export const CODE_TTL_MINUTES = 5;
/** Wrong codes a verification accepts before it is dead. */
export const MAX_CODE_ATTEMPTS = 5;

/** 138****5678: what the citizen and staff see of a phone. */
export function maskPhone(phone: string): string {
  return `${phone.slice(0, 3)}****${phone.slice(-4)}`;
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
