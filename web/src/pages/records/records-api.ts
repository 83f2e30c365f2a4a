// The parking-records API (停车流水, GET /api/v1/sessions…) as the console uses it; shapes from the
// OpenAPI document (web/src/api/client.ts): Schemas['ParkingSession'], ResponseOf<'sessionsGet'>.
import { api, type Query } from '../../api/api';
import { apiGet, apiGetBlob, type QueryOf } from '../../api/client';

export const SESSION_STATES = ['open', 'closed', 'flagged'] as const;
export const PAY_CHANNELS = ['wechat', 'alipay', 'unionpay', 'etc', 'cash', 'card', 'free', 'other'] as const;
export const SESSION_FLAGS = ['no_entry', 'stale', 'duplicate_entry', 'entry_from_exit', 'negative_duration', 'late_entry'] as const;

/** `filters`: the page's filters as they stand in its URL (plate, lotCode, districtCode, from, to, state, payChannel). */
export const sessionsApi = {
  list: (filters: Record<string, string>, cursor: string | null, limit = 50) =>
    apiGet('/api/v1/sessions', { query: { ...(filters as QueryOf<'sessionsList'>), cursor: cursor ?? undefined, limit: String(limit) } }),
  get: (id: number) => apiGet('/api/v1/sessions/{id}', { path: { id } }),
  /** A stored entry/exit snapshot (pii; every read audited). */
  photo: (id: number, which: 'entry' | 'exit') => apiGetBlob('/api/v1/sessions/{id}/photos/{which}', { path: { id, which } }),
  export: (filters: Record<string, string>, format: 'xlsx' | 'csv') =>
    api.download('/api/v1/sessions/export', `parking-records.${format}`, { ...(filters as Query), format }),
};
