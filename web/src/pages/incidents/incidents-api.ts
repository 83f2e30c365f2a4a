// The incident ledger API (系统事件台账, /api/v1/incidents…) as the console uses it; answers typed by
// the OpenAPI document (web/src/api/client.ts): Schemas['IncidentDetail'], ResponseOf<'incidentsKpis'> …
// The document gives an incident's state as a string and its severity as a number; the unions below
// are the console's names for the values it shows.
import { api, type Query } from '../../api/api';
import { apiDelete, apiGet, apiPatch, apiPost, type BodyOf, type QueryOf } from '../../api/client';

export const STATES = ['open', 'acknowledged', 'mitigated', 'resolved', 'reviewed', 'closed'] as const;
export type IncidentState = (typeof STATES)[number];
export const SEVERITIES = [1, 2, 3] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SOURCES = ['monitoring', 'ticket', 'inspection', 'person'] as const;
export const ROOT_CAUSES = ['software', 'hardware', 'network', 'data_source', 'third_party', 'change', 'capacity', 'security', 'human', 'external', 'other'] as const;
export const ACTION_TYPES = ['bug_fix', 'change', 'other'] as const;
export const CHANNELS = ['phone', 'sms', 'wechat', 'email', 'notice', 'meeting', 'document', 'other'] as const;
export const MODULES = ['overview', 'registry', 'analytics', 'public', 'sharing', 'themes', 'sessions', 'ingest', 'monitoring', 'onboarding', 'payments', 'tickets', 'reports', 'console', 'platform'] as const;
export const SLA_KINDS = ['response', 'restore', 'feedback', 'followup_feedback'] as const;

const base = '/api/v1/incidents';

/** `filters`: the list page's filters as they stand in its URL (useListPage). */
const query = (filters: Record<string, string>) => filters as QueryOf<'incidentsList'>;

export const incidentsApi = {
  list: (filters: Record<string, string>, limit: number, offset: number) => apiGet(base, { query: { ...query(filters), limit: String(limit), offset: String(offset) } }),
  kpis: (filters: Record<string, string>) => apiGet(`${base}/kpis`, { query: query(filters) }),
  standards: () => apiGet(`${base}/standards`),
  get: (id: number | string) => apiGet(`${base}/{id}`, { path: { id } }),
  create: (body: BodyOf<'incidentsCreate'>) => apiPost(base, { body }),
  fromAlert: (alertId: number | string, body: BodyOf<'incidentsCreateFromAlert'> = {}) => apiPost(`${base}/from-alert/{alertId}`, { path: { alertId }, body }),
  fromTicket: (ticketId: number | string, body: BodyOf<'incidentsCreateFromTicket'> = {}) => apiPost(`${base}/from-ticket/{ticketId}`, { path: { ticketId }, body }),
  update: (id: number, body: BodyOf<'incidentsUpdate'>) => apiPatch(`${base}/{id}`, { path: { id }, body }),
  transition: (id: number, body: BodyOf<'incidentsTransition'>) => apiPost(`${base}/{id}/transitions`, { path: { id }, body }),
  addNote: (id: number, body: BodyOf<'incidentsAddTimelineEntry'>) => apiPost(`${base}/{id}/timeline`, { path: { id }, body }),
  addAction: (id: number, body: BodyOf<'incidentsAddAction'>) => apiPost(`${base}/{id}/actions`, { path: { id }, body }),
  updateAction: (id: number, actionId: number, body: BodyOf<'incidentsUpdateAction'>) => apiPatch(`${base}/{id}/actions/{actionId}`, { path: { id, actionId }, body }),
  completeAction: (id: number, actionId: number, body: BodyOf<'incidentsCompleteAction'>) => apiPost(`${base}/{id}/actions/{actionId}/complete`, { path: { id, actionId }, body }),
  waiveAction: (id: number, actionId: number, reason: string) => apiPost(`${base}/{id}/actions/{actionId}/waive`, { path: { id, actionId }, body: { reason } }),
  feedback: (id: number, body: BodyOf<'incidentsAddFeedback'>) => apiPost(`${base}/{id}/feedback`, { path: { id }, body }),
  link: (id: number, kind: 'alert' | 'ticket', refId: string) => apiPost(`${base}/{id}/links`, { path: { id }, body: { kind, id: refId } }),
  unlink: (id: number, linkId: number) => apiDelete(`${base}/{id}/links/{linkId}`, { path: { id, linkId } }),
  export: (filters: Record<string, string>, format: 'xlsx' | 'docx') => api.download(`${base}/export`, `incident-ledger.${format}`, { ...(filters as Query), format }),
  /** People who can lead an incident or own a follow-up (active users with ops). */
  responders: () => apiGet('/api/v1/tickets/assignees'),
};
