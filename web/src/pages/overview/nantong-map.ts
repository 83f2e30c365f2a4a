// Nantong's seven county-level divisions as ECharts draws them (geo / registerMap), shipped with
// the console so the map works offline. Source, licence, datum and simplification:
// docs/decisions/0026-nantong-district-map.md. Each feature's properties: code (the platform's
// district code, src/db/migrations/0001_init.sql), name, cp (centroid, GCJ-02).
import districts from './nantong-districts.geo.json';

export const NANTONG_MAP = 'nantong';

export interface DistrictFeature {
  type: 'Feature';
  properties: { code: string; name: string; cp: [number, number] };
  geometry: { type: 'MultiPolygon'; coordinates: number[][][][] };
}

export const nantongDistricts = districts as unknown as { type: 'FeatureCollection'; features: DistrictFeature[] };
