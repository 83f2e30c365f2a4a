import gcoordModule from 'gcoord';
import { describe, expect, it } from 'vitest';
import { hoursText, usuallyFullHours } from './busy-hours.js';
import { navigationLinks } from './navigation.js';
import { tariffSummary, tariffText, yuan } from './tariff-text.js';

type Gcoord = typeof gcoordModule.default;
const gcoord: Gcoord = (gcoordModule as unknown as { default?: Gcoord }).default ?? (gcoordModule as unknown as Gcoord);

describe('public: tariff words, navigation links, usual full hours', () => {
  const T = { freeMinutes: 15, firstPeriodMinutes: 60, firstPeriodFen: 500, unitMinutes: 60, unitFen: 200, dailyCapFen: 3000 };

  it('words the tariff in yuan', () => {
    expect(yuan(500)).toBe('5');
    expect(yuan(250)).toBe('2.5');
    expect(yuan(5)).toBe('0.05');
    expect(yuan(0)).toBe('0');
    expect(tariffSummary(T)).toBe('15分钟内免费，首1小时5元，之后每1小时2元，每日最高30元');
    expect(tariffSummary({ ...T, freeMinutes: 0, firstPeriodMinutes: 0, unitMinutes: 30, unitFen: 150, dailyCapFen: null })).toBe('每30分钟1.5元');
    expect(tariffText(T)).toBe('停车不超过15分钟免费；超过则自入场时起计费。首1小时收费5元。此后每1小时收费2元，不足1小时按1小时计。自入场时起每24小时最高收费30元。');
  });

  it('links AMap in GCJ-02 and Baidu in BD-09', () => {
    const links = navigationLinks(120.8643, 32.0146, '文峰 停车场');
    expect(links.amap).toBe(`https://uri.amap.com/navigation?to=120.8643,32.0146,${encodeURIComponent('文峰 停车场')}&mode=car&coordinate=gaode&callnative=1`);
    const [bx, by] = gcoord.transform([120.8643, 32.0146], gcoord.GCJ02, gcoord.BD09);
    expect(links.bd09.lng).toBeCloseTo(bx, 6);
    expect(links.bd09.lat).toBeCloseTo(by, 6);
    // BD-09 is offset from GCJ-02 by some 0.006°: the Baidu link must not carry the stored value.
    expect(Math.abs(links.bd09.lng - 120.8643)).toBeGreaterThan(0.003);
    expect(links.baidu).toContain(`destination=latlng:${links.bd09.lat},${links.bd09.lng}|name:`);
    expect(links.baidu).toMatch(/^baidumap:\/\/map\/direction\?.*coord_type=bd09ll/);
    expect(links.baiduWeb).toMatch(/^https:\/\/api\.map\.baidu\.com\/direction\?destination=latlng:/);
  });

  it('finds the hours usually at least 90 % full, on at least 3 days', () => {
    // Shanghai 09:00 is 01:00Z; 10:00 is 02:00Z; 18:00 is 10:00Z.
    const day = (d: number, utcHour: number, ratio: number) => ({ at: new Date(Date.UTC(2026, 10, d, utcHour)), ratio });
    const rows = [
      day(1, 1, 0.95), day(2, 1, 0.92), day(3, 1, 0.9), // 09:00 full on 3 days
      day(1, 2, 1), day(2, 2, 0.85), day(3, 2, 0.95), // 10:00 mean 0.933
      day(1, 10, 1), day(2, 10, 1), // 18:00 full but only 2 days
      day(1, 3, 0.5), day(2, 3, 0.6), day(3, 3, 0.7),
    ];
    expect(usuallyFullHours(rows)).toEqual([9, 10]);
    expect(hoursText([9, 10])).toBe('09:00–11:00');
    expect(hoursText([8, 17, 18, 23])).toBe('08:00–09:00、17:00–19:00、23:00–24:00');
    expect(hoursText([])).toBeNull();
  });
});
