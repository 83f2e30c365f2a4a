// The data-cleaning API (数据清洗, /api/v1/quality/…) as the console uses it; shapes from the OpenAPI
// document (web/src/api/client.ts): Schemas['QualityFinding'], Schemas['QualityRule'], ItemOf<'qualityScores'> …
import { apiGet, apiPost, apiPut, type BodyOf, type QueryOf } from '../../api/client';

export const RULE_CODES = [
  'duplicate_session', 'negative_duration', 'overlong_duration', 'fee_mismatch', 'fee_over_cap',
  'paid_over_receivable', 'invalid_plate', 'status_out_of_capacity', 'lot_capacity_contradiction',
] as const;
export const STATUSES = ['open', 'fixed', 'dismissed'] as const;

export const qualityApi = {
  scan: (body: BodyOf<'qualityScan'>) => apiPost('/api/v1/quality/scan', { body }),
  findings: (query: QueryOf<'qualityFindingsList'>) => apiGet('/api/v1/quality/findings', { query }),
  fix: (id: number, body: BodyOf<'qualityFindingsFix'> = {}) => apiPost('/api/v1/quality/findings/{id}/fix', { path: { id }, body }),
  dismiss: (id: number, note?: string) => apiPost('/api/v1/quality/findings/{id}/dismiss', { path: { id }, body: note ? { note } : {} }),
  revert: (id: number) => apiPost('/api/v1/quality/fixes/{id}/revert', { path: { id } }),
  scores: (query: QueryOf<'qualityScores'>) => apiGet('/api/v1/quality/scores', { query }),
  rules: () => apiGet('/api/v1/quality/rules'),
  updateRule: (code: string, body: BodyOf<'qualityRulesUpdate'>) => apiPut('/api/v1/quality/rules/{code}', { path: { code }, body }),
};
