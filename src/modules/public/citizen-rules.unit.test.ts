import { describe, expect, it } from 'vitest';
import {
  attemptsLeft, CODES_PER_PHONE_HOUR, CODES_PER_PLATE_HOUR, confirmVerdict, maskPhone, MAX_CODE_ATTEMPTS, maySend, normalizePhone, PLATES_PER_PHONE_30_DAYS,
} from './citizen-rules.js';

const now = new Date('2026-12-07T02:00:00Z');
const fresh = { expiresAt: new Date('2026-12-07T02:05:00Z'), attempts: 0, confirmedAt: null };

describe('citizen verification rules', () => {
  it('accepts mainland mobile numbers with +86, spaces and dashes, nothing else', () => {
    expect(normalizePhone('138 1234-5678')).toBe('13812345678');
    expect(normalizePhone('+8613812345678')).toBe('13812345678');
    expect(normalizePhone('8613812345678')).toBe('13812345678');
    expect(normalizePhone('12812345678')).toBeNull();
    expect(normalizePhone('1381234567')).toBeNull();
    expect(normalizePhone('0513-85123456')).toBeNull();
    expect(maskPhone('13812345678')).toBe('138****5678');
  });

  it('confirms the right code once, before expiry and within the attempts', () => {
    expect(confirmVerdict(fresh, true, now)).toBe('ok');
    expect(confirmVerdict(fresh, false, now)).toBe('wrong');
    expect(confirmVerdict({ ...fresh, confirmedAt: now }, true, now)).toBe('used');
    expect(confirmVerdict(fresh, true, new Date('2026-12-07T02:05:00Z'))).toBe('expired');
    expect(confirmVerdict({ ...fresh, attempts: MAX_CODE_ATTEMPTS - 1 }, true, now)).toBe('ok');
    expect(confirmVerdict({ ...fresh, attempts: MAX_CODE_ATTEMPTS }, true, now)).toBe('exhausted');
  });

  it('counts the attempts left after a wrong code', () => {
    expect(attemptsLeft(fresh, 'wrong')).toBe(MAX_CODE_ATTEMPTS - 1);
    expect(attemptsLeft({ ...fresh, attempts: MAX_CODE_ATTEMPTS - 1 }, 'wrong')).toBe(0);
  });

  it('limits codes per plate and per phone, and plates per phone', () => {
    expect(maySend({ plateLastHour: 0, phoneLastHour: 0, otherPlatesConfirmed30Days: 0 })).toEqual({ ok: true });
    expect(maySend({ plateLastHour: CODES_PER_PLATE_HOUR, phoneLastHour: 0, otherPlatesConfirmed30Days: 0 })).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    expect(maySend({ plateLastHour: 0, phoneLastHour: CODES_PER_PHONE_HOUR, otherPlatesConfirmed30Days: 0 })).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    expect(maySend({ plateLastHour: 0, phoneLastHour: 0, otherPlatesConfirmed30Days: PLATES_PER_PHONE_30_DAYS })).toMatchObject({ ok: false, code: 'TOO_MANY_PLATES' });
  });
});
