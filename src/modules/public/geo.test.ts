import { describe, expect, it } from 'vitest';
import { toGcj02 } from '../registry/index.js';
import { boundingBox, haversineMetres, MAX_RADIUS_M, nearbyPoint } from './geo.js';

describe('public: great-circle distance and the query point', () => {
  it('measures known distances (haversine on the mean earth sphere)', () => {
    expect(haversineMetres([120.8643, 32.0146], [120.8643, 32.0146])).toBe(0);
    // One degree of latitude is 111.195 km on a sphere of 6371.0088 km.
    expect(haversineMetres([120, 32], [120, 33])).toBeCloseTo(111_195, -1);
    // Along a parallel a degree of longitude shrinks with cos(latitude).
    expect(haversineMetres([120, 32], [121, 32])).toBeCloseTo(94_294, -2);
    // Symmetric; Nantong → Shanghai People's Square is about 100 km.
    const a: [number, number] = [120.8643, 32.0146];
    const b: [number, number] = [121.4737, 31.2304];
    expect(haversineMetres(a, b)).toBeCloseTo(haversineMetres(b, a), 6);
    expect(haversineMetres(a, b) / 1000).toBeGreaterThan(100);
    expect(haversineMetres(a, b) / 1000).toBeLessThan(105);
  });

  it('holds every point of the radius in its bounding box', () => {
    const c: [number, number] = [120.8643, 32.0146];
    const box = boundingBox(c, 5000);
    for (let deg = 0; deg < 360; deg += 15) {
      const r = (deg * Math.PI) / 180;
      const p: [number, number] = [c[0] + Math.cos(r) * 0.053, c[1] + Math.sin(r) * 0.045];
      if (haversineMetres(c, p) <= 5000) {
        expect(p[0]).toBeGreaterThanOrEqual(box.minLng);
        expect(p[0]).toBeLessThanOrEqual(box.maxLng);
        expect(p[1]).toBeGreaterThanOrEqual(box.minLat);
        expect(p[1]).toBeLessThanOrEqual(box.maxLat);
      }
    }
  });

  it('defaults the radius to 1000 m and the point to GCJ-02; converts WGS-84 and BD-09', () => {
    expect(nearbyPoint({ lng: 120.8643, lat: 32.0146 })).toEqual({ point: [120.8643, 32.0146], radiusM: 1000 });
    expect(nearbyPoint({ lng: '120.8643', lat: '32.0146', radius: '5000' }).radiusM).toBe(MAX_RADIUS_M);
    expect(nearbyPoint({ lng: 120.86, lat: 32.01, coordSystem: 'wgs84' }).point).toEqual(toGcj02(120.86, 32.01, 'wgs84'));
    expect(nearbyPoint({ lng: 120.87, lat: 32.02, coordSystem: 'bd09' }).point).toEqual(toGcj02(120.87, 32.02, 'bd09'));
    // WGS-84 and GCJ-02 differ by a few hundred metres in Nantong: the conversion matters.
    expect(haversineMetres([120.86, 32.01], nearbyPoint({ lng: 120.86, lat: 32.01, coordSystem: 'wgs84' }).point)).toBeGreaterThan(300);
  });

  it.each([
    [{ lng: 120.86, lat: 32.01, radius: 5001 }, 'INVALID_RADIUS'],
    [{ lng: 120.86, lat: 32.01, radius: 0 }, 'INVALID_RADIUS'],
    [{ lng: 120.86, lat: 32.01, radius: -5 }, 'INVALID_RADIUS'],
    [{ lng: 120.86, lat: 32.01, radius: 'far' }, 'INVALID_RADIUS'],
    [{ lng: 181, lat: 32.01 }, 'INVALID_LOCATION'],
    [{ lng: 120.86, lat: -91 }, 'INVALID_LOCATION'],
    [{ lng: 'east', lat: 32.01 }, 'INVALID_LOCATION'],
    [{ lat: 32.01 }, 'INVALID_LOCATION'],
    [{ lng: 120.86, lat: 32.01, coordSystem: 'cgcs2000' }, 'INVALID_COORD_SYSTEM'],
  ])('refuses %j with 400 %s', (q, code) => {
    expect(() => nearbyPoint(q as never)).toThrow(expect.objectContaining({ status: 400, code }));
  });
});
