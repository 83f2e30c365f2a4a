import { AppError } from '../../platform/errors.js';
import { toGcj02, type CoordSystem } from '../registry/index.js';

/*
 * Where the citizen is, and how far each lot is (docs/公众服务接口.md, "附近停车场"). Lots are
 * stored in GCJ-02 (registry/coords.ts); a query point in WGS-84 (a phone's GPS) or BD-09
 * (Baidu) is converted to GCJ-02 first, with the registry's own conversion (gcoord), and the
 * distance is the great-circle distance between the two GCJ-02 points.
 */

export const DEFAULT_RADIUS_M = 1000;
export const MAX_RADIUS_M = 5000;
/** Mean earth radius in metres (IUGG), the radius of the haversine sphere. */
export const EARTH_RADIUS_M = 6_371_008.8;

export type LngLat = readonly [number, number];

/** Great-circle distance in metres between two points (haversine), each [lng, lat] in degrees. */
export function haversineMetres(a: LngLat, b: LngLat): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLng = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** A box that holds every point within `radiusM` of `centre` (for an index-friendly pre-filter). */
export function boundingBox(centre: LngLat, radiusM: number): { minLng: number; maxLng: number; minLat: number; maxLat: number } {
  const dLat = (radiusM / EARTH_RADIUS_M) * (180 / Math.PI);
  const cosLat = Math.max(Math.cos((Math.min(89, Math.abs(centre[1])) * Math.PI) / 180), 0.01);
  const dLng = dLat / cosLat;
  // A little slack: the box is only a pre-filter, the haversine decides.
  return { minLng: centre[0] - dLng * 1.01, maxLng: centre[0] + dLng * 1.01, minLat: centre[1] - dLat * 1.01, maxLat: centre[1] + dLat * 1.01 };
}

export interface NearbyQueryInput {
  lng?: number | string;
  lat?: number | string;
  radius?: number | string;
  coordSystem?: string;
}

export interface NearbyPoint {
  /** The query point in GCJ-02. */
  point: LngLat;
  radiusM: number;
}

const num = (v: number | string | undefined): number | null => {
  if (v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
};

/** Validates the query and converts its point to GCJ-02; 400 with a code on anything wrong. */
export function nearbyPoint(q: NearbyQueryInput): NearbyPoint {
  const lng = num(q.lng);
  const lat = num(q.lat);
  if (lng === null || lat === null || lng < -180 || lng > 180 || lat < -90 || lat > 90) {
    throw new AppError(400, 'INVALID_LOCATION', '经纬度无效：lng 须在 ±180、lat 须在 ±90 之内 / lng must be within ±180 and lat within ±90');
  }
  const system = (q.coordSystem ?? 'gcj02') as CoordSystem;
  if (!['gcj02', 'wgs84', 'bd09'].includes(system)) {
    throw new AppError(400, 'INVALID_COORD_SYSTEM', '坐标系须为 gcj02、wgs84 或 bd09 / coordSystem must be gcj02, wgs84 or bd09');
  }
  const radius = q.radius === undefined || q.radius === '' ? DEFAULT_RADIUS_M : num(q.radius);
  if (radius === null || radius <= 0 || radius > MAX_RADIUS_M) {
    throw new AppError(400, 'INVALID_RADIUS', `半径须大于 0 且不超过 ${MAX_RADIUS_M} 米 / radius must be more than 0 and at most ${MAX_RADIUS_M} metres`);
  }
  return { point: toGcj02(lng, lat, system), radiusM: radius };
}
