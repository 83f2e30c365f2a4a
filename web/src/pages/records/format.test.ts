import { describe, expect, it } from 'vitest';
import { formatYuan, plateDisplay } from './format';

describe('records format', () => {
  it('shows a 无牌车 key as its ticket, whole or masked, and other plates as they are', () => {
    expect(plateDisplay('无牌车#T2026881')).toEqual({ noPlate: true, text: 'T2026881' });
    expect(plateDisplay('无牌车*******81')).toEqual({ noPlate: true, text: '*******81' });
    expect(plateDisplay('苏F1**45')).toEqual({ noPlate: false, text: '苏F1**45' });
  });

  it('shows fen as yuan', () => {
    expect([formatYuan(123456), formatYuan(-5), formatYuan(null)]).toEqual(['¥1,234.56', '-¥0.05', '—']);
  });
});
