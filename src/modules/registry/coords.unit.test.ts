import { describe, expect, it } from 'vitest';
import { coordinateProblem, distanceKm, NANTONG_CENTER, toGcj02 } from './coords.js';

describe('coordinates', () => {
  it('converts WGS-84 and BD-09 to GCJ-02 and keeps GCJ-02 as given', () => {
    const [wLng, wLat] = toGcj02(120.894, 31.981, 'wgs84');
    // GCJ-02 shifts Nantong by roughly +0.0042° lng, −0.0022° lat (about 450 m).
    expect(wLng).toBeCloseTo(120.8982158, 6);
    expect(wLat).toBeCloseTo(31.9788301, 6);
    const [bLng, bLat] = toGcj02(120.9, 31.99, 'bd09');
    expect(bLng).toBeCloseTo(120.8934136, 6);
    expect(bLat).toBeCloseTo(31.9843429, 6);
    expect(toGcj02(120.86412345678, 32.0133, 'gcj02')).toEqual([120.8641235, 32.0133]);
  });

  it('names unusable coordinates', () => {
    expect(coordinateProblem(120.8, 32.0)).toBeNull();
    expect(coordinateProblem('120.8', '32.0')).toBeNull();
    expect(coordinateProblem('abc', 32)).toMatch(/numbers/);
    expect(coordinateProblem(Number.NaN, 32)).toMatch(/numbers/);
    expect(coordinateProblem(181, 32)).toMatch(/±180/);
    expect(coordinateProblem(120, -91)).toMatch(/±90/);
    expect(coordinateProblem(0, 0)).toMatch(/0,0/);
    expect(coordinateProblem(undefined, 32)).toMatch(/numbers/);
  });

  it('measures distance from Nantong', () => {
    expect(distanceKm(NANTONG_CENTER, [120.5763, 32.3772])).toBeLessThan(60); // 如皋
    const shanghai = distanceKm(NANTONG_CENTER, [121.4737, 31.2304]);
    expect(shanghai).toBeGreaterThan(90);
    expect(shanghai).toBeLessThan(110);
    expect(distanceKm(NANTONG_CENTER, [116.397, 39.909])).toBeGreaterThan(900); // 北京
  });
});
