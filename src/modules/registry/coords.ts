import gcoordModule from 'gcoord';
import type { CoordSystem } from './tables.js';

// gcoord ships CommonJS with ESM-style typings: Node hands us module.exports as the default,
// TypeScript expects it under `.default`. Accept either.
type Gcoord = typeof gcoordModule.default;
const gcoord: Gcoord = (gcoordModule as unknown as { default?: Gcoord }).default ?? (gcoordModule as unknown as Gcoord);

/*
 * Lots are stored in GCJ-02 because every Chinese map the console and the mini-programs use
 * (AMap, Tencent) draws in it; operators send whatever their system speaks, so we convert once
 * on the way in and remember what they sent.
 */

const CRS = { gcj02: gcoord.GCJ02, wgs84: gcoord.WGS84, bd09: gcoord.BD09 } as const;

/** Nantong city centre (GCJ-02), the reference for "is this lot plausibly ours". */
export const NANTONG_CENTER: readonly [number, number] = [120.8643, 32.0146];
/** The whole municipality fits within ~120 km of the centre; beyond 200 km is probably a typo. */
export const FAR_FROM_NANTONG_KM = 200;

/** Rounded to 1e-7° (~1 cm) so that re-importing the same sheet compares equal. */
const round7 = (v: number) => Math.round(v * 1e7) / 1e7;

export function toGcj02(lng: number, lat: number, from: CoordSystem): [number, number] {
  if (from === 'gcj02') return [round7(lng), round7(lat)];
  const [x, y] = gcoord.transform([lng, lat] as [number, number], CRS[from], CRS.gcj02);
  return [round7(x), round7(y)];
}

/** A number from JSON or a spreadsheet cell (which may hold text); null when it is not one. */
export function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v.trim());
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** Why a coordinate pair is unusable, or null when it is fine. (0,0) is the classic "not filled in". */
export function coordinateProblem(lng: unknown, lat: unknown): string | null {
  const x = toNumber(lng);
  const y = toNumber(lat);
  if (x === null || y === null) return '经纬度须为数字 / lng and lat must be numbers';
  if (x < -180 || x > 180 || y < -90 || y > 90) return '经纬度超出范围 / lng must be within ±180 and lat within ±90';
  if (x === 0 && y === 0) return '经纬度为 0,0（未填写） / 0,0 is not a location';
  return null;
}

/** Great-circle distance in km (haversine); plenty for a plausibility check. */
export function distanceKm(a: readonly [number, number], b: readonly [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLng = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}
