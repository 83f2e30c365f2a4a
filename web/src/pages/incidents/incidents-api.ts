// The incident ledger API (系统事件台账, /api/v1/incidents…) as the console uses it.
import { api, type Query } from '../../api/api';
import type { Items } from '../../api/types';

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

export interface Scope {
  description: string | null;
  modules: string[];
  districts: string[];
  lots: string[];
  affectedUsers: number | null;
  affectedUsersNote: string | null;
  cityWide?: boolean;
}

export interface SlaClock {
  kind: string;
  state: string;
  startedAt: string;
  dueAt: string | null;
  metAt: string | null;
  late: boolean;
  remainingMinutes: number | null;
  target: string;
}

export interface IncidentSummary {
  id: number;
  code: string;
  title: string;
  description: string | null;
  severity: Severity;
  severityName: string;
  state: IncidentState;
  detectionSource: string;
  reporter: string | null;
  occurredAt: string;
  detectedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  recoveredAt: string | null;
  resolvedAt: string | null;
  reviewedAt: string | null;
  closedAt: string | null;
  commander: string | null;
  scope: Scope;
  resolution: string | null;
  rootCause: string | null;
  rootCauseCategory: string | null;
  closeNote: string | null;
  respondDueAt: string | null;
  restoreDueAt: string | null;
  feedbackDueAt: string | null;
  followupFeedbackDueAt: string | null;
  sla: SlaClock[];
  durations: { toAcknowledgeMinutes: number | null; toRecoverMinutes: number | null; outageMinutes: number | null };
  allowedTransitions: IncidentState[];
  openActions: number;
  overdueActions: number;
  feedbackCount: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface FollowUpAction {
  id: number;
  type: string;
  description: string;
  owner: string;
  plannedDate: string;
  state: 'open' | 'done' | 'waived';
  overdue: boolean;
  completedAt: string | null;
  completedBy: string | null;
  completionNote: string | null;
  waivedAt: string | null;
  waivedBy: string | null;
  waiveReason: string | null;
  createdBy: string;
  createdAt: string;
}

export interface TimelineEntry {
  id: number;
  at: string;
  recordedAt: string;
  actor: string;
  kind: string;
  fromState: string | null;
  toState: string | null;
  text: string;
  detail: Record<string, unknown> | null;
}

export interface FeedbackEntry {
  id: number;
  givenAt: string;
  channel: string;
  recipient: string | null;
  note: string;
  slaKinds: string[];
  recordedBy: string;
  recordedAt: string;
}

export interface IncidentLink {
  id: number;
  kind: 'alert' | 'ticket';
  refId: string;
  label: string | null;
  createdBy: string;
  createdAt: string;
}

export interface IncidentDetail extends IncidentSummary {
  links: IncidentLink[];
  actions: FollowUpAction[];
  feedback: FeedbackEntry[];
  timeline: TimelineEntry[];
}

export interface IncidentFilters {
  state?: string;
  severity?: string;
  detectionSource?: string;
  districtCode?: string;
  from?: string;
  to?: string;
  q?: string;
  open?: string;
}

export interface SlaRate {
  decided: number;
  onTime: number;
  late: number;
  pending: number;
  rate: number | null;
}

export interface IncidentKpis {
  from: string;
  to: string;
  total: number;
  open: number;
  bySeverity: Record<'1' | '2' | '3', number>;
  byState: Record<string, number>;
  bySource: Record<string, number>;
  meanTimeToAcknowledgeMinutes: number | null;
  meanTimeToRestoreMinutes: number | null;
  sla: { response: SlaRate; restore: SlaRate; feedback: SlaRate; followupFeedback: SlaRate };
  followUps: { total: number; open: number; overdue: number; done: number; waived: number };
}

export interface Standard {
  targetMinutes: number;
  calendarId: string;
  text: string;
}

export interface SeverityStandards {
  severity: Severity;
  name: string;
  response: Standard;
  restore: Standard;
  feedback: Standard;
  followupFeedback: Standard;
}

export interface NewIncident {
  title: string;
  severity: Severity;
  description?: string | null;
  occurredAt?: string;
  detectedAt?: string;
  detectionSource?: string;
  reporter?: string | null;
  scope?: Partial<Scope>;
  commander?: string | null;
}

export interface TransitionBody {
  to: IncidentState;
  note?: string;
  at?: string;
  recoveredAt?: string;
  commander?: string;
  resolution?: string;
  rootCause?: string;
  rootCauseCategory?: string;
  closeNote?: string;
}

const base = '/api/v1/incidents';
const id = (key: number | string) => encodeURIComponent(String(key));

export const incidentsApi = {
  list: (filters: IncidentFilters, limit: number, offset: number) => api.get<{ items: IncidentSummary[]; total: number }>(base, { ...(filters as Query), limit, offset }),
  kpis: (filters: IncidentFilters) => api.get<IncidentKpis>(`${base}/kpis`, filters as Query),
  standards: () => api.get<Items<SeverityStandards>>(`${base}/standards`),
  get: (key: number | string) => api.get<IncidentDetail>(`${base}/${id(key)}`),
  create: (body: NewIncident) => api.post<IncidentDetail>(base, body),
  fromAlert: (alertId: number | string, body: { severity?: Severity; commander?: string } = {}) => api.post<IncidentDetail>(`${base}/from-alert/${id(alertId)}`, body),
  fromTicket: (ticketId: number | string, body: { severity?: Severity; commander?: string } = {}) => api.post<IncidentDetail>(`${base}/from-ticket/${id(ticketId)}`, body),
  update: (key: number, body: Record<string, unknown>) => api.patch<IncidentDetail>(`${base}/${key}`, body),
  transition: (key: number, body: TransitionBody) => api.post<IncidentDetail>(`${base}/${key}/transitions`, body),
  addNote: (key: number, body: { text: string; at?: string }) => api.post<IncidentDetail>(`${base}/${key}/timeline`, body),
  addAction: (key: number, body: { type: string; description: string; owner: string; plannedDate: string }) => api.post<IncidentDetail>(`${base}/${key}/actions`, body),
  updateAction: (key: number, actionId: number, body: { plannedDate?: string; owner?: string; description?: string; reason?: string }) =>
    api.patch<IncidentDetail>(`${base}/${key}/actions/${actionId}`, body),
  completeAction: (key: number, actionId: number, body: { note?: string }) => api.post<IncidentDetail>(`${base}/${key}/actions/${actionId}/complete`, body),
  waiveAction: (key: number, actionId: number, reason: string) => api.post<IncidentDetail>(`${base}/${key}/actions/${actionId}/waive`, { reason }),
  feedback: (key: number, body: { note: string; channel: string; recipient?: string; givenAt?: string }) => api.post<IncidentDetail>(`${base}/${key}/feedback`, body),
  link: (key: number, kind: 'alert' | 'ticket', refId: string) => api.post<IncidentDetail>(`${base}/${key}/links`, { kind, id: refId }),
  unlink: (key: number, linkId: number) => api.delete<IncidentDetail>(`${base}/${key}/links/${linkId}`),
  export: (filters: IncidentFilters, format: 'xlsx' | 'docx') => api.download(`${base}/export`, `incident-ledger.${format}`, { ...(filters as Query), format }),
  /** People who can lead an incident or own a follow-up (active users with ops). */
  responders: () => api.get<Items<{ username: string; displayName: string | null; role: string }>>('/api/v1/tickets/assignees'),
};
