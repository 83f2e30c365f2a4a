// The county onboarding API (县市区接入, /api/v1/onboarding/…) as the console uses it; shapes from the
// OpenAPI document (web/src/api/client.ts): Schemas['OnboardingEntry'], ResponseOf<'onboardingEntriesGet'> …
// The document gives an entry's stage, kind and category as strings; Stage names the values the console shows.
// Dates are Shanghai calendar days 'YYYY-MM-DD'; times ISO 8601 instants.
import { api } from '../../api/api';
import { apiDelete, apiGet, apiPatch, apiPost, type BodyOf, type QueryOf } from '../../api/client';

export const STAGES = ['not_started', 'contacting', 'docking', 'testing', 'connected', 'paused'] as const;
export type Stage = (typeof STAGES)[number];
export const PRIORITIES = ['key_area', 'high_frequency'] as const;

const base = '/api/v1/onboarding';

export const onboardingApi = {
  /** `filters`: the list page's filters as they stand in its URL (useListPage). */
  list: (filters: Record<string, string>, limit: number, offset: number) =>
    apiGet(`${base}/entries`, { query: { ...(filters as QueryOf<'onboardingEntriesList'>), limit, offset } }),
  get: (id: number) => apiGet(`${base}/entries/{id}`, { path: { id } }),
  create: (body: BodyOf<'onboardingEntriesCreate'>) => apiPost(`${base}/entries`, { body }),
  update: (id: number, body: BodyOf<'onboardingEntriesUpdate'>) => apiPatch(`${base}/entries/{id}`, { path: { id }, body }),
  changeStage: (id: number, body: BodyOf<'onboardingEntriesSetStage'>) => apiPost(`${base}/entries/{id}/stage`, { path: { id }, body }),
  remove: (id: number) => apiDelete(`${base}/entries/{id}`, { path: { id } }),
  coverage: () => apiGet(`${base}/coverage`),
  downloadReport: (quarter: string, format: 'xlsx' | 'docx') => api.download(`${base}/report`, `onboarding-progress-${quarter}.${format}`, { quarter, format }),
  template: () => api.download(`${base}/import/template`, 'onboarding-import-template.xlsx'),
  importFile: (file: File, dryRun: boolean) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return apiPost(`${base}/import`, { query: { dryRun }, body: form });
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
