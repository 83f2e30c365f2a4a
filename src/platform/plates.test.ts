import { describe, expect, it } from 'vitest';
import { isValidPlate, maskPlate, normalizePlate } from './plates.js';

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
});
