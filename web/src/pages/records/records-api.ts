// The parking-records API (停车流水, GET /api/v1/sessions…) as the console uses it.
import { api, type Query } from '../../api/api';

export const SESSION_STATES = ['open', 'closed', 'flagged'] as const;
export type SessionStateFilter = (typeof SESSION_STATES)[number];
export const PAY_CHANNELS = ['wechat', 'alipay', 'unionpay', 'etc', 'cash', 'card', 'free', 'other'] as const;
export const SESSION_FLAGS = ['no_entry', 'stale', 'duplicate_entry', 'entry_from_exit', 'negative_duration', 'late_entry'] as const;

export interface SessionFilters {
  plate?: string;
  lotCode?: string;
  districtCode?: string;
  /** Shanghai date 'YYYY-MM-DD' (or a time); `to` as a date includes the whole day. */
  from?: string;
  to?: string;
  state?: SessionStateFilter | '';
  payChannel?: string;
}

export interface ParkingSession {
  id: number;
  lotCode: string;
  lotName: string;
  districtCode: string;
  plate: string;
  plateColor: string | null;
  berthCode: string | null;
  enteredAt: string | null;
  exitedAt: string | null;
  durationMinutes: number | null;
  receivableFen: number | null;
  paidFen: number | null;
  arrearsFen: number | null;
  payChannel: string | null;
  state: 'open' | 'closed';
  flags: string[];
  /** Set aside by data cleaning: counts in no statistic. */
  excludedByFix: number | null;
}

export interface SessionEvent {
  eventId: string;
  type: string;
  occurredAt: string;
  receivedAt: string;
  via: string;
  payload: Record<string, unknown>;
}

export interface SessionPage {
  items: ParkingSession[];
  nextCursor: string | null;
}

export const sessionsApi = {
  list: (filters: SessionFilters, cursor: string | null, limit = 50) =>
    api.get<SessionPage>('/api/v1/sessions', { ...(filters as Query), cursor, limit }),
  get: (id: number) => api.get<ParkingSession & { events: SessionEvent[] }>(`/api/v1/sessions/${id}`),
  export: (filters: SessionFilters, format: 'xlsx' | 'csv') =>
    api.download('/api/v1/sessions/export', `parking-records.${format}`, { ...(filters as Query), format }),
};
