import { describe, expect, it } from 'vitest';
import { PAY_CHANNELS, receivableFen, settle, tariffFor } from './fees.js';
import { Rng } from './random.js';

const centre = { districtCode: '320602' };

describe('fees', () => {
  const mall = tariffFor({ ...centre, category: 'commercial', kind: 'off_street' });

  it('commercial in the centre: free 15 min, 5 yuan the first hour, 2 yuan per hour after, 30 yuan a day', () => {
    expect(receivableFen(mall, 10)).toBe(0);
    expect(receivableFen(mall, 15)).toBe(0);
    expect(receivableFen(mall, 16)).toBe(500);
    expect(receivableFen(mall, 60)).toBe(500);
    expect(receivableFen(mall, 61)).toBe(700);
    expect(receivableFen(mall, 180)).toBe(900);
    expect(receivableFen(mall, 20 * 60)).toBe(3000);
    expect(receivableFen(mall, 24 * 60)).toBe(3000);
    expect(receivableFen(mall, 25 * 60)).toBe(3500);
    expect(receivableFen(mall, 3 * 24 * 60)).toBe(9000);
  });

  it('hospital: first 15 minutes free', () => {
    const t = tariffFor({ ...centre, category: 'hospital', kind: 'off_street' });
    expect(receivableFen(t, 14)).toBe(0);
    expect(receivableFen(t, 45)).toBe(300);
    expect(receivableFen(t, 150)).toBe(700);
  });

  it('on-street in the centre: 2 yuan per 30 minutes', () => {
    const t = tariffFor({ ...centre, category: 'commercial', kind: 'on_street' });
    expect(receivableFen(t, 15)).toBe(0);
    expect(receivableFen(t, 20)).toBe(200);
    expect(receivableFen(t, 30)).toBe(200);
    expect(receivableFen(t, 31)).toBe(400);
    expect(receivableFen(t, 120)).toBe(800);
  });

  it('counties charge less than the centre', () => {
    const county = tariffFor({ districtCode: '320681', category: 'commercial', kind: 'off_street' });
    expect(receivableFen(county, 180)).toBeLessThan(receivableFen(mall, 180));
    expect(receivableFen(county, 180)).toBeGreaterThan(0);
  });

  it('settles: paid usually equals receivable, channels in their shares, arrears on-street', () => {
    const rng = new Rng(3);
    const off = Array.from({ length: 20_000 }, () => settle(rng, { ...centre, category: 'hospital', kind: 'off_street' }, 120));
    const paid = off.filter((s) => s.paidFen > 0);
    expect(off.filter((s) => s.paidFen === s.receivableFen).length / off.length).toBeGreaterThan(0.95);
    expect(off.filter((s) => s.paidFen > s.receivableFen || (s.payChannel === undefined) !== (s.paidFen === 0) || (s.payChannel && !PAY_CHANNELS.includes(s.payChannel)))).toEqual([]);
    const share = (c: string) => paid.filter((s) => s.payChannel === c).length / paid.length;
    expect(share('wechat')).toBeCloseTo(45 / 95, 1);
    expect(share('alipay')).toBeCloseTo(30 / 95, 1);
    expect(share('etc')).toBeGreaterThan(0.04);

    const street = Array.from({ length: 5000 }, () => settle(rng, { ...centre, category: 'commercial', kind: 'on_street' }, 90));
    const arrears = street.filter((s) => s.arrearsFen > 0);
    expect(arrears.length / street.length).toBeGreaterThan(0.08);
    expect(arrears.length / street.length).toBeLessThan(0.2);
    expect(arrears.filter((s) => s.paidFen + s.arrearsFen !== s.receivableFen)).toEqual([]);
  });

  it('monthly pass holders pay nothing', () => {
    const rng = new Rng(4);
    const homes = Array.from({ length: 2000 }, () => settle(rng, { ...centre, category: 'residential', kind: 'off_street' }, 12 * 60));
    expect(homes.filter((s) => s.receivableFen === 0).length / homes.length).toBeGreaterThan(0.6);
  });
});
