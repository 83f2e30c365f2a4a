// The data-cleaning API (数据清洗, /api/v1/quality/…) as the console uses it.
import { api, type Query } from '../../api/api';

export const RULE_CODES = [
  'duplicate_session', 'negative_duration', 'overlong_duration', 'fee_mismatch', 'fee_over_cap',
  'paid_over_receivable', 'invalid_plate', 'status_out_of_capacity', 'lot_capacity_contradiction',
] as const;
export const STATUSES = ['open', 'fixed', 'dismissed'] as const;
export type FindingStatus = (typeof STATUSES)[number];

export interface Bilingual {
  zh: string;
  en: string;
}

export interface Fix {
  id: number;
  findingId: number;
  targetType: string;
  targetId: number;
  action: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  auto: boolean;
  appliedAt: string;
  appliedBy: string;
  revertedAt: string | null;
  revertedBy: string | null;
}

export interface Finding {
  id: number;
  rule: string;
  ruleName: Bilingual;
  safe: boolean;
  status: FindingStatus;
  targetType: 'session' | 'status_report' | 'lot';
  targetId: number;
  lotCode: string;
  lotName: string;
  districtCode: string;
  sourceCode: string | null;
  at: string;
  action: 'exclude' | 'set_receivable' | 'set_plate' | 'set_total_spaces';
  suggested: Record<string, unknown>;
  suggestion: Bilingual;
  detail: Record<string, unknown>;
  foundAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  note: string | null;
  session: { plate: string; enteredAt: string | null; exitedAt: string | null; receivableFen: number | null; paidFen: number | null; excluded: boolean } | null;
  report: { occurredAt: string; totalSpaces: number; freeSpaces: number; excluded: boolean } | null;
  fix: Fix | null;
}

export interface FindingPage {
  items: Finding[];
  nextCursor: string | null;
  openByRule: Record<string, number>;
}

export interface ScanResult {
  scanId: number;
  from: string;
  to: string;
  lots: number;
  found: Record<string, number>;
  created: number;
  dropped: number;
  autoFixed: number;
}

export interface ScoreEntity {
  code: string;
  name: string;
  score: number | null;
  rows: number;
  sessions: number;
  statusReports: number;
  affected: number;
  findings: Record<string, number>;
  trend: { day: string; score: number | null; rows: number; affected: number }[];
}

export interface Rule {
  code: string;
  name: Bilingual;
  description: Bilingual;
  safe: boolean;
  enabled: boolean;
  autoApply: boolean;
  params: Record<string, number | boolean | null>;
}

export interface FixOverride {
  exclude?: boolean;
  plate?: string;
  receivableFen?: number;
  totalSpaces?: number;
  note?: string;
}

export const qualityApi = {
  scan: (body: { from?: string; to?: string; lotCodes?: string[] }) => api.post<ScanResult>('/api/v1/quality/scan', body),
  findings: (q: { rule?: string; status?: string; lot?: string; cursor?: string | null; limit?: number }) => api.get<FindingPage>('/api/v1/quality/findings', q as Query),
  fix: (id: number, body: FixOverride = {}) => api.post<Fix>(`/api/v1/quality/findings/${id}/fix`, body),
  dismiss: (id: number, note?: string) => api.post(`/api/v1/quality/findings/${id}/dismiss`, note ? { note } : {}),
  revert: (fixId: number) => api.post<Fix>(`/api/v1/quality/fixes/${fixId}/revert`, {}),
  scores: (q: { by: 'lot' | 'source'; from?: string; to?: string }) => api.get<{ by: string; from: string; to: string; items: ScoreEntity[] }>('/api/v1/quality/scores', q as Query),
  rules: () => api.get<{ items: Rule[] }>('/api/v1/quality/rules'),
  updateRule: (code: string, body: { enabled?: boolean; autoApply?: boolean; params?: Record<string, unknown> }) => api.put<Rule>(`/api/v1/quality/rules/${encodeURIComponent(code)}`, body),
};
