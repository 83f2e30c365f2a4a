// The public service (/api/v1/public/…, no account) as the H5 pages use it. Contract: docs/公众服务接口.md.
import { api } from '../../api/api';

export type Availability = 'live' | 'stale' | 'unknown';

export interface PublicLot {
  code: string;
  name: string;
  category: string;
  kind: 'off_street' | 'on_street' | string;
  districtCode: string;
  districtName: string;
  address: string | null;
  lng: number | null;
  lat: number | null;
  distanceM: number | null;
  totalSpaces: number;
  freeSpaces: number | null;
  availability: Availability;
  updatedAt: string | null;
  priceSummary: string | null;
  openingHours: string | null;
  chargingSpaces: number | null;
}

export interface LotDetail extends PublicLot {
  tariffText: string | null;
  occupancyToday: { hour: number; at: string; occupancy: number }[];
  usuallyFullHours: number[];
  usuallyFullAt: string | null;
  navigation: { amap: string; baidu: string; baiduWeb: string; bd09: { lng: number; lat: number } } | null;
}

export interface PublicDistrict {
  code: string;
  name: string;
  lots: number;
  lng: number | null;
  lat: number | null;
}

export interface Estimate {
  lotCode: string;
  from: string;
  to: string;
  minutes: number;
  feeFen: number;
  feeYuan: string;
  tariffText: string;
}

export const nearbyLots = (q: { lng: number; lat: number; radius?: number; coordSystem?: 'gcj02' | 'wgs84' | 'bd09' }) =>
  api.get<{ items: PublicLot[] }>('/api/v1/public/lots/nearby', q);
export const publicDistricts = () => api.get<{ items: PublicDistrict[] }>('/api/v1/public/districts');
export const lotDetail = (code: string) => api.get<LotDetail>(`/api/v1/public/lots/${encodeURIComponent(code)}`);
export const estimateFee = (code: string, from: string, to: string) =>
  api.get<Estimate>(`/api/v1/public/lots/${encodeURIComponent(code)}/estimate`, { from, to });

/** "350 米" / "1.2 公里" */
export const distanceText = (m: number | null) => (m === null ? '' : m < 1000 ? `${m} 米` : `${(m / 1000).toFixed(1)} 公里`);
