// The public service (/api/v1/public/…, no account) as the H5 pages use it. Contract:
// docs/公众服务接口.md; shapes from the OpenAPI document (web/src/api/client.ts).
import { apiGet, apiPost, type ItemOf, type QueryOf, type ResponseOf } from '../../api/client';

export type PublicLot = ItemOf<'publicLotsNearby'>;
export type LotDetail = ResponseOf<'publicLotGet'>;
export type PublicDistrict = ItemOf<'publicDistricts'>;
export type Estimate = ResponseOf<'publicLotEstimate'>;

export const nearbyLots = (q: QueryOf<'publicLotsNearby'>) => apiGet('/api/v1/public/lots/nearby', { query: q });
export const publicDistricts = () => apiGet('/api/v1/public/districts');
export const lotDetail = (code: string) => apiGet('/api/v1/public/lots/{code}', { path: { code } });
export const estimateFee = (code: string, from: string, to: string) => apiGet('/api/v1/public/lots/{code}/estimate', { path: { code }, query: { from, to } });

/** "350 米" / "1.2 公里" */
export const distanceText = (m: number | null) => (m === null ? '' : m < 1000 ? `${m} 米` : `${(m / 1000).toFixed(1)} 公里`);

// ---- 我的停车与欠费 (docs/公众服务接口.md) ----
export type CitizenRecords = ResponseOf<'publicRecords'>;
export type CitizenRecord = CitizenRecords['records'][number];
export type PublicAnnouncement = ItemOf<'publicAnnouncements'>;

export const startVerification = (plate: string, phone: string) => apiPost('/api/v1/public/verifications', { body: { plate, phone } });
export const confirmVerification = (id: string, code: string) => apiPost('/api/v1/public/verifications/{id}/confirm', { path: { id }, body: { code } });
/** The records of the verified plate, with the citizen token (never the console's). */
export const citizenRecords = (token: string) => apiGet('/api/v1/public/records', { bearer: token });
export const publicAnnouncements = (district?: string) => apiGet('/api/v1/public/announcements', { query: district ? { district } : {} });

// ---- 缴纳欠费 (docs/公众服务接口.md): a bill for everything owed, paid on the configured channel ----
export type ArrearsBill = ResponseOf<'publicArrearsBill'>;
export const createArrearsBill = (token: string) => apiPost('/api/v1/public/arrears/bills', { bearer: token });
/** The demo's sandbox channel pays the bill (a real channel is paid in WeChat or Alipay). */
export const sandboxPayBill = (token: string, billNo: string) => apiPost('/api/v1/public/arrears/bills/{billNo}/sandbox-pay', { path: { billNo }, bearer: token });
