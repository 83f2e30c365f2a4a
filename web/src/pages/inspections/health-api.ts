// The health module's API (巡检、周报/月报、报告中心、平台状态) as the console uses it; shapes from the
// OpenAPI document (web/src/api/client.ts): Schemas['Inspection'], Schemas['WorkReport'] …
import { api } from '../../api/api';
import { apiDelete, apiGet, apiPatch, apiPost, apiPut, type BodyOf } from '../../api/client';

export type ItemStatus = 'ok' | 'warn' | 'fail';
export const ITEM_STATUSES: readonly ItemStatus[] = ['ok', 'warn', 'fail'];

export const healthApi = {
  inspections: (limit: number, offset: number) => apiGet('/api/v1/inspections', { query: { limit, offset } }),
  inspection: (id: number) => apiGet('/api/v1/inspections/{id}', { path: { id } }),
  run: () => apiPost('/api/v1/inspections'),
  updateItem: (id: number, code: string, body: BodyOf<'healthUpdateInspectionItem'>) => apiPatch('/api/v1/inspections/{id}/items/{code}', { path: { id, code }, body }),
  openIncident: (id: number, code: string) => apiPost('/api/v1/inspections/{id}/items/{code}/incident', { path: { id, code }, body: {} }),
  downloadInspection: (id: number, format: 'docx' | 'xlsx') => api.download(`/api/v1/inspections/${id}/report`, `inspection-${id}.${format}`, { format }),
  reports: (limit: number, offset: number) => apiGet('/api/v1/work-reports', { query: { limit, offset } }),
  report: (id: number) => apiGet('/api/v1/work-reports/{id}', { path: { id } }),
  generate: (body: BodyOf<'healthGenerateWorkReport'>) => apiPost('/api/v1/work-reports', { body }),
  edit: (id: number, body: BodyOf<'healthEditWorkReport'>) => apiPatch('/api/v1/work-reports/{id}', { path: { id }, body }),
  review: (id: number, action: 'submit' | 'approve' | 'return', comment?: string) => apiPost('/api/v1/work-reports/{id}/review', { path: { id }, body: { action, ...(comment ? { comment } : {}) } }),
  downloadReport: (id: number, format: 'docx' | 'xlsx') => api.download(`/api/v1/work-reports/${id}/download`, `work-report-${id}.${format}`, { format }),
  documents: (limit: number, offset: number, kind?: string) => apiGet('/api/v1/report-centre', { query: { limit, offset, ...(kind ? { kind } : {}) } }),
  details: () => apiGet('/api/v1/health/details'),
  schedules: () => apiGet('/api/v1/report-schedules'),
  putSchedule: (kind: string, body: BodyOf<'healthPutReportSchedule'>) => apiPut('/api/v1/report-schedules/{kind}', { path: { kind }, body }),
  deleteSchedule: (kind: string) => apiDelete('/api/v1/report-schedules/{kind}', { path: { kind } }),
};
