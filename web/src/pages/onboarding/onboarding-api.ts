// The county onboarding API (县市区接入, /api/v1/onboarding/…) as the console uses it.
// Dates are Shanghai calendar days 'YYYY-MM-DD'; times ISO 8601 instants.
import { api, type Query } from '../../api/api';
import type { LotCategory, LotKind } from '../../api/types';

export const STAGES = ['not_started', 'contacting', 'docking', 'testing', 'connected', 'paused'] as const;
export type Stage = (typeof STAGES)[number];
export const PRIORITIES = ['key_area', 'high_frequency'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface Entry {
  id: number;
  districtCode: string;
  districtName: string;
  name: string;
  address: string | null;
  kind: LotKind;
  category: LotCategory;
  knownSpaces: number;
  operatorName: string | null;
  contactName: string | null;
  contactPhone: string | null;
  keyArea: boolean;
  highFrequency: boolean;
  stage: Stage;
  stageDate: string;
  targetDate: string | null;
  overdue: boolean;
  overdueDays: number;
  lotCode: string | null;
  lotName: string | null;
  lotReporting: boolean;
  connectedOn: string | null;
  latestNote: { date: string; note: string } | null;
  remark: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface HistoryItem {
  id: number;
  fromStage: Stage | null;
  toStage: Stage;
  date: string;
  at: string;
  actor: string;
  note: string | null;
  system: boolean;
}

export type EntryDetail = Entry & { history: HistoryItem[] };

export interface EntryFilters {
  districtCode?: string;
  stage?: string;
  overdue?: string;
  priority?: string;
  q?: string;
}

export interface EntryInput {
  districtCode: string;
  name: string;
  address: string | null;
  kind: LotKind;
  category: LotCategory | null;
  knownSpaces: number;
  operatorName: string | null;
  contactName: string | null;
  contactPhone: string | null;
  keyArea: boolean;
  highFrequency: boolean;
  targetDate: string | null;
  lotCode: string | null;
  remark: string | null;
}

export interface Coverage {
  connectedLots: number;
  connectedSpaces: number;
  pendingEntries: number;
  pendingSpaces: number;
  knownSpaces: number;
  coveragePercent: number | null;
}

export type DistrictCoverage = Coverage & { districtCode: string; districtName: string };

export interface ImportIssue {
  field: string;
  code: string;
  message: string;
}

export interface ImportResult {
  dryRun: boolean;
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  rows: { row: number; name: string | null; districtCode: string | null; status: 'created' | 'updated' | 'unchanged' | 'rejected'; errors: ImportIssue[]; warnings: ImportIssue[] }[];
}

const base = '/api/v1/onboarding';

export const onboardingApi = {
  list: (filters: EntryFilters, limit: number, offset: number) => api.get<{ items: Entry[]; total: number }>(`${base}/entries`, { ...(filters as Query), limit, offset }),
  get: (id: number) => api.get<EntryDetail>(`${base}/entries/${id}`),
  create: (body: EntryInput & { stage?: Stage; note?: string }) => api.post<EntryDetail>(`${base}/entries`, body),
  update: (id: number, body: Partial<EntryInput>) => api.patch<EntryDetail>(`${base}/entries/${id}`, body),
  changeStage: (id: number, body: { stage: Stage; note: string; date?: string }) => api.post<EntryDetail>(`${base}/entries/${id}/stage`, body),
  remove: (id: number) => api.delete(`${base}/entries/${id}`),
  coverage: () => api.get<{ items: DistrictCoverage[]; total: Coverage }>(`${base}/coverage`),
  downloadReport: (quarter: string, format: 'xlsx' | 'docx') => api.download(`${base}/report`, `onboarding-progress-${quarter}.${format}`, { quarter, format }),
  template: () => api.download(`${base}/import/template`, 'onboarding-import-template.xlsx'),
  importFile: (file: File, dryRun: boolean) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return api.upload<ImportResult>(`${base}/import`, form, { dryRun });
  },
};

/** The Shanghai quarter of today and the seven before it, newest first: '2026Q4', '2026Q3', … */
export function recentQuarters(today: string, count = 8): string[] {
  let year = Number(today.slice(0, 4));
  let q = Math.floor((Number(today.slice(5, 7)) - 1) / 3) + 1;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push(`${year}Q${q}`);
    q -= 1;
    if (q === 0) {
      q = 4;
      year -= 1;
    }
  }
  return out;
}
