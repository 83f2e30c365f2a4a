// The arrears API (欠费追缴, /api/v1/arrears…) as the staff console uses it; shapes from the
// OpenAPI document (web/src/api/client.ts). Money is fen in the API, yuan on screen
// (docs/用户手册.md 第 24 章).
import { api, type Query } from '../../api/api';
import { apiGet, apiPost, apiPut, type BodyOf, type QueryOf } from '../../api/client';
import { yuanToFen } from '../sharing/offer-form';

const base = '/api/v1/arrears';

export const LEVELS = ['open', 'enforcement'] as const;
export const WRITEOFF_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type WriteoffStatus = (typeof WRITEOFF_STATUSES)[number];

/**
 * The list page's filters (as they stand in its URL, amounts in yuan) as the ledger's query:
 * minYuan / maxYuan become minFen / maxFen, order becomes sort; an amount that is not money is left out.
 */
export function ledgerQuery(filters: Record<string, string>): QueryOf<'arrearsLedger'> {
  const { minYuan, maxYuan, minDays, order, ...rest } = filters;
  const sort = order === 'oldest' || order === 'sessions' || order === 'total' ? order : undefined;
  const fen = (text: string | undefined) => {
    const v = text === undefined ? null : yuanToFen(text);
    return v === null || Number.isNaN(v) || v < 1 ? undefined : v;
  };
  const days = minDays !== undefined && /^\d{1,4}$/.test(minDays) ? Number(minDays) : undefined;
  return { ...(rest as QueryOf<'arrearsLedger'>), minFen: fen(minYuan), maxFen: fen(maxYuan), minDays: days, sort };
}

export const arrearsApi = {
  ledger: (filters: Record<string, string>, limit: number, offset: number) => apiGet(`${base}/ledger`, { query: { ...ledgerQuery(filters), limit, offset } }),
  export: (filters: Record<string, string>) => api.download(`${base}/ledger/export`, 'arrears-ledger.xlsx', ledgerQuery(filters) as Query),
  plate: (key: number) => apiGet(`${base}/ledger/{key}`, { path: { key } }),
  kpis: (month?: string) => apiGet(`${base}/kpis`, { query: { month } }),
  settings: () => apiGet(`${base}/settings`),
  saveSettings: (body: BodyOf<'arrearsUpdateSettings'>) => apiPut(`${base}/settings`, { body }),
  writeoffs: (status?: WriteoffStatus) => apiGet(`${base}/writeoffs`, { query: { status } }),
  requestWriteoff: (body: BodyOf<'arrearsRequestWriteoff'>) => apiPost(`${base}/writeoffs`, { body }),
  decide: (id: number, approve: boolean, note?: string) => apiPost(`${base}/writeoffs/{id}/decision`, { path: { id }, body: { approve, note } }),
};
