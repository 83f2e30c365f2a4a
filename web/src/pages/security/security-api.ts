// The security operations API (安全运维, /api/v1/security…) as the console uses it; answers typed by
// the OpenAPI document (web/src/api/client.ts): Schemas['SecurityVulnerability'] …
import { api, type Query } from '../../api/api';
import { apiGet, apiPatch, apiPost, apiPut, type BodyOf, type QueryOf, type ResponseOf } from '../../api/client';
import type { SheetImportResult, SheetImportRow, UploadProgress } from '../../components/sheet-import';

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const STATES = ['found', 'plan_submitted', 'fixing', 'fixed', 'verified', 'accepted_risk', 'false_positive'] as const;
export type VulnState = (typeof STATES)[number];

const base = '/api/v1/security/vulnerabilities';
const query = (filters: Record<string, string>) => filters as QueryOf<'securityListVulnerabilities'>;

export const securityApi = {
  list: (filters: Record<string, string>, limit: number, offset: number) => apiGet(base, { query: { ...query(filters), limit: String(limit), offset: String(offset) } }),
  get: (id: number) => apiGet(`${base}/{id}`, { path: { id } }),
  create: (body: BodyOf<'securityCreateVulnerability'>) => apiPost(base, { body }),
  update: (id: number, body: BodyOf<'securityUpdateVulnerability'>) => apiPatch(`${base}/{id}`, { path: { id }, body }),
  transition: (id: number, body: BodyOf<'securityTransitionVulnerability'>) => apiPost(`${base}/{id}/transition`, { path: { id }, body }),
  deadlines: () => apiGet('/api/v1/security/deadlines'),
  setDeadline: (severity: 'medium' | 'low', workingDays: number) => apiPut('/api/v1/security/deadlines/{severity}', { path: { severity }, body: { workingDays } }),
  export: (filters: Record<string, string>) => api.download(`${base}/export`, 'vulnerabilities.xlsx', filters as Query),
  summary: () => apiGet('/api/v1/security/summary'),
  reviews: () => apiGet('/api/v1/security/reviews'),
  archives: () => apiGet('/api/v1/ingest/archives'),
  review: (id: number | string) => apiGet('/api/v1/security/reviews/{id}', { path: { id } }),
  openReview: (quarter?: string) => apiPost('/api/v1/security/reviews', { body: quarter ? { quarter } : {} }),
  decide: (id: number, itemId: number, body: BodyOf<'securityDecideReviewItem'>) => apiPost('/api/v1/security/reviews/{id}/items/{itemId}/decision', { path: { id, itemId }, body }),
  signOff: (id: number, note?: string) => apiPost('/api/v1/security/reviews/{id}/sign-off', { path: { id }, body: note ? { note } : {} }),
  importScan: async (file: File, dryRun: boolean, onProgress: UploadProgress) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return importView(await api.uploadWithProgress<ResponseOf<'securityImportVulnerabilities'>>(`${base}/import`, form, { dryRun }, onProgress));
  },
  report: (from: string, to: string) => api.download(`${base}/report`, `vulnerability-report-${from}-${to}.docx`, { from, to, format: 'docx' }),
  backups: () => apiGet('/api/v1/security/backups', { query: { limit: '50' } }),
  runBackup: () => apiPost('/api/v1/security/backups', {}),
  verifyBackup: (id: number) => apiPost('/api/v1/security/backups/{id}/verify', { path: { id: String(id) } }),
  backupReport: (id: number) => api.download(`/api/v1/security/backups/${id}/report`, `backup-test-report-${id}.docx`),
  reviewReport: (id: number, quarter: string) => api.download(`/api/v1/security/reviews/${id}/report`, `permission-review-${quarter}.docx`),
  exportReview: (id: number, quarter: string) => api.download(`/api/v1/security/reviews/${id}/export`, `permission-review-${quarter}.xlsx`),
};

export const ROLES = ['admin', 'bureau', 'district', 'ops', 'viewer'] as const;

/** The import answer in the shape of the shared SheetImport flow: a rejection's reason as its error, an update's note as a warning. */
export function importView(r: ResponseOf<'securityImportVulnerabilities'>): SheetImportResult & Record<string, unknown> {
  const rows: SheetImportRow[] = r.rows.map((x) => ({
    row: x.row, status: x.verdict, name: x.title,
    errors: x.verdict === 'rejected' && x.reason ? [{ message: x.reason }] : [],
    warnings: x.verdict !== 'rejected' && x.reason ? [{ message: x.reason }] : [],
  }));
  return { dryRun: r.dryRun, format: r.format, total: r.rows.length, ...r.counts, rows };
}
