// 共享停车 for citizens (/api/v1/public/sharing/…, no account) as the H5 pages use it.
// Contract: docs/共享停车接口.md; shapes from the OpenAPI document.
import { apiGet, apiPost, type BodyOf, type ItemOf, type ResponseOf } from '../../api/client';

export type NearbyOffer = ItemOf<'sharingPublicNearby'>;
export type CitizenBooking = ResponseOf<'sharingPublicBooking'>;

export const h5Sharing = {
  nearby: (lng: number, lat: number, from: string, to: string) => apiGet('/api/v1/public/sharing/offers/nearby', { query: { lng, lat, radius: 3000, from, to } }),
  book: (body: BodyOf<'sharingPublicBook'>) => apiPost('/api/v1/public/sharing/bookings', { body }),
  get: (id: number, cancelCode: string) => apiGet('/api/v1/public/sharing/bookings/{id}', { path: { id }, query: { cancelCode } }),
  cancel: (id: number, cancelCode: string) => apiPost('/api/v1/public/sharing/bookings/{id}/cancel', { path: { id }, body: { cancelCode } }),
};

/** A Shanghai date and time from the form, as ISO 8601 with the +08:00 offset. */
export const shanghaiIso = (date: string, time: string) => `${date}T${time}:00+08:00`;
