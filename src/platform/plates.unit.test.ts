import { describe, expect, it } from 'vitest';
import type { Actor, Permission } from './auth/permissions.js';
import { AppError } from './errors.js';
import { isValidPlate, maskPlate, normalizePlate, plateFilterFor, wholePlate } from './plates.js';

const actor = (...permissions: Permission[]): Actor => ({ userId: 1, username: 'u', role: 'viewer', districtCode: null, permissions: new Set(permissions), ip: null });
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof AppError ? `${e.status} ${e.code}` : String(e);
  }
  return 'no error';
};

describe('plates', () => {
  it.each([
    ['苏F·12345', '苏F12345'],
    [' 苏f 12345 ', '苏F12345'],
    ['苏Ｆ１２３４５', '苏F12345'],
    ['苏F-D12345', '苏FD12345'],
    ['沪A.12B34', '沪A12B34'],
  ])('normalises %s → %s', (raw, normalized) => {
    expect(normalizePlate(raw)).toBe(normalized);
  });

  it.each(['苏F12345', '苏FD12345', '沪AF12345', '京A1234学', '粤Z1234港', '苏F12A45'])('accepts %s', (p) => {
    expect(isValidPlate(p)).toBe(true);
  });

  it.each(['苏F1234', '苏F1234567', 'AF12345', '苏112345', '苏F12I45', '苏O12345', '无牌车', ''])('rejects %s', (p) => {
    expect(isValidPlate(p)).toBe(false);
  });

  it('masks as 苏F1**45', () => {
    expect(maskPlate('苏F12345')).toBe('苏F1**45');
    expect(maskPlate('苏FD12345')).toBe('苏FD***45');
    expect(maskPlate('苏F1')).toBe('苏**');
  });

  it('filters by a whole plate exactly, and by a part only with pii', () => {
    const viewer = actor('registry:read');
    const pii = actor('registry:read', 'pii');
    expect(plateFilterFor(viewer, ' 苏f·12345 ')).toEqual({ kind: 'exact', value: '苏F12345' });
    expect(plateFilterFor(pii, '苏F12345')).toEqual({ kind: 'exact', value: '苏F12345' });
    expect(plateFilterFor(pii, 'f12')).toEqual({ kind: 'contains', value: 'F12' });
    expect(codeOf(() => plateFilterFor(viewer, 'F12'))).toBe('400 PLATE_EXACT_REQUIRED');
    expect(codeOf(() => plateFilterFor(viewer, '苏F1234'))).toBe('400 PLATE_EXACT_REQUIRED'); // one short
    expect(codeOf(() => plateFilterFor(pii, '苏'.repeat(17)))).toBe('400 INVALID_PLATE');
    for (const blank of [undefined, '', '  ', '·']) expect(plateFilterFor(viewer, blank)).toBeNull();
    expect(wholePlate('苏F·12345')).toBe('苏F12345');
    expect(wholePlate('GD20261125-00001')).toBeNull();
  });
});
