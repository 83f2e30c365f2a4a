// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { clearCitizenToken, durationText, loadCitizenToken, saveCitizenToken } from './citizen-token';

describe('citizen token of 我的停车', () => {
  afterEach(() => {
    sessionStorage.clear();
    localStorage.clear();
  });

  it('is kept in sessionStorage only, apart from the console token, and cleared on demand', () => {
    expect(loadCitizenToken()).toBeNull();
    saveCitizenToken({ token: 'abc', expiresAt: '2026-11-25T02:30:00.000Z', plateMasked: '苏F1**45' });
    expect(loadCitizenToken()).toEqual({ token: 'abc', expiresAt: '2026-11-25T02:30:00.000Z', plateMasked: '苏F1**45' });
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.getItem('zhibo.token')).toBeNull();
    clearCitizenToken();
    expect(loadCitizenToken()).toBeNull();
  });

  it('drops an unreadable stored value', () => {
    sessionStorage.setItem('zhibo.citizen', '{not json');
    expect(loadCitizenToken()).toBeNull();
    expect(sessionStorage.getItem('zhibo.citizen')).toBeNull();
  });

  it('writes durations in hours and minutes', () => {
    const unit = { h: '小时', m: '分' };
    expect(durationText(150, unit)).toBe('2 小时 30 分');
    expect(durationText(120, unit)).toBe('2 小时');
    expect(durationText(45, unit)).toBe('45 分');
    expect(durationText(null, unit)).toBe('—');
  });
});
