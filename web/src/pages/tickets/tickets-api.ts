// The work-order API (工单, /api/v1/tickets…) as the console uses it.
import { api, type Query } from '../../api/api';

export const CHANNELS = ['hotline_12345', 'wechat', 'alipay', 'phone', 'web', 'onsite'] as const;
export type Channel = (typeof CHANNELS)[number];
export const CATEGORIES = [
  'fee_dispute', 'wrong_charge', 'plate_misread', 'payment_failure', 'refund',
  'lot_info_wrong', 'availability_wrong', 'facility_fault', 'service_attitude', 'suggestion', 'other',
] as const;
export type Category = (typeof CATEGORIES)[number];
export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const STATES = ['new', 'assigned', 'in_progress', 'waiting_citizen', 'resolved', 'feedback_given', 'confirmed', 'closed', 'reopened', 'cancelled'] as const;
export type TicketState = (typeof STATES)[number];
export const SLA_FILTERS = ['overdue', 'warning', 'paused'] as const;
export type SlaStatus = 'running' | 'warning' | 'overdue' | 'paused' | 'done' | 'none';

export interface Ticket {
  id: number;
  no: string;
  channel: Channel;
  externalNo: string | null;
  clientCode: string | null;
  category: Category;
  priority: Priority;
  title: string;
  description: string;
  citizenName: string | null;
  citizenPhone: string | null;
  lotCode: string | null;
  plate: string | null;
  sessionId: number | null;
  districtCode: string | null;
  state: TicketState;
  assignee: string | null;
  team: string | null;
  resolution: string | null;
  cancelReason: string | null;
  mergedInto: number | null;
  reopenCount: number;
  firstResponseAt: string | null;
  firstResolvedAt: string | null;
  resolvedAt: string | null;
  feedbackAt: string | null;
  confirmedAt: string | null;
  closedAt: string | null;
  cancelledAt: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  responseDueAt: string | null;
  resolveDueAt: string | null;
  feedbackDueAt: string | null;
  slaStatus: SlaStatus;
  late: boolean;
  nextDueKind: string | null;
  nextDueAt: string | null;
}

export interface SlaClock {
  id: number;
  kind: string;
  policyKey: string | null;
  calendarId: string;
  targetMinutes: number;
  state: 'running' | 'paused' | 'breached' | 'met' | 'cancelled';
  startedAt: string;
  dueAt: string | null;
  warnAt: string | null;
  pausedSince: string | null;
  pausedMinutes: number;
  metAt: string | null;
  cancelledAt: string | null;
  breachedAt: string | null;
  late: boolean;
  remainingMinutes: number | null;
}

export interface HistoryEntry {
  id: number;
  at: string;
  actor: string;
  kind: 'created' | 'transition' | 'field' | 'merge' | 'merged_into' | 'attachment' | 'citizen';
  fromState: string | null;
  toState: string | null;
  field: string | null;
  oldValue: string | null;
  newValue: string | null;
  note: string | null;
}

export interface TicketComment {
  id: number;
  ticketId: number;
  ticketNo: string;
  visibility: 'public' | 'internal';
  body: string;
  author: string;
  createdAt: string;
}

export interface TicketAttachment {
  id: number;
  ticketId: number;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  uploadedBy: string;
  createdAt: string;
}

export interface TicketDetail extends Ticket {
  sla: SlaClock[];
  history: HistoryEntry[];
  comments: TicketComment[];
  attachments: TicketAttachment[];
  mergedTickets: { id: number; no: string; channel: string; externalNo: string | null; title: string }[];
  mergedIntoNo: string | null;
  allowedTransitions: TicketState[];
}

export interface TicketFilters {
  state?: string;
  channel?: string;
  category?: string;
  priority?: string;
  assignee?: string;
  team?: string;
  districtCode?: string;
  sla?: string;
  q?: string;
  from?: string;
  to?: string;
  open?: string;
}

export interface KpiFigures {
  total: number;
  closed: number;
  closureRate: number | null;
  resolved: number;
  onTime: number;
  onTimeRate: number | null;
  avgHandlingMinutes: number | null;
  reopened: number;
  reopenRate: number | null;
  open: number;
}

export interface KpiReport extends KpiFigures {
  from: string;
  to: string;
  cancelled: number;
  merged: number;
  groupBy: string | null;
  groups: (KpiFigures & { key: string | null; label: string })[];
}

export interface NewTicket {
  channel: Channel;
  category: Category;
  title: string;
  description: string;
  priority?: Priority;
  externalNo?: string | null;
  citizenName?: string | null;
  citizenPhone?: string | null;
  lotCode?: string | null;
  plate?: string | null;
  districtCode?: string | null;
}

export interface TransitionBody {
  to: TicketState;
  note?: string | null;
  assignee?: string | null;
  team?: string | null;
  reason?: string | null;
}

export interface Team {
  code: string;
  name: string;
  enabled: boolean;
}

export interface Assignee {
  username: string;
  displayName: string | null;
  role: string;
}

export interface ChannelClient {
  code: string;
  name: string;
  channel: Channel;
  callbackUrl: string | null;
  enabled: boolean;
  secretRotatedAt: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface Callback {
  id: number;
  ticketId: number;
  clientCode: string;
  event: string;
  status: 'pending' | 'sent' | 'failed' | 'cancelled';
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastHttpStatus: number | null;
  lastError: string | null;
  sentAt: string | null;
  createdAt: string;
  payload: string;
}

export interface InboundReject {
  id: number;
  clientCode: string;
  receivedAt: string;
  code: string;
  message: string;
  bodyBytes: number;
}

const base = '/api/v1/tickets';

export const ticketsApi = {
  list: (filters: TicketFilters, limit: number, offset: number) => api.get<{ items: Ticket[]; total: number }>(base, { ...(filters as Query), limit, offset }),
  get: (id: number) => api.get<TicketDetail>(`${base}/${id}`),
  create: (body: NewTicket) => api.post<Ticket>(base, body),
  update: (id: number, body: Record<string, unknown>) => api.patch<TicketDetail>(`${base}/${id}`, body),
  transition: (id: number, body: TransitionBody) => api.post<TicketDetail>(`${base}/${id}/transitions`, body),
  comment: (id: number, visibility: 'public' | 'internal', body: string) => api.post<TicketComment>(`${base}/${id}/comments`, { visibility, body }),
  upload: (id: number, file: File) => {
    const form = new FormData();
    form.append('file', file);
    return api.upload<TicketAttachment>(`${base}/${id}/attachments`, form);
  },
  download: (id: number, a: TicketAttachment) => api.download(`${base}/${id}/attachments/${a.id}`, a.fileName),
  merge: (id: number, into: number, note: string | null) => api.post<TicketDetail>(`${base}/${id}/merge`, { into, note }),
  callbacks: (id: number) => api.get<{ items: Callback[] }>(`${base}/${id}/callbacks`),
  kpis: (from: string, to: string, groupBy?: string) => api.get<KpiReport>(`${base}/kpis`, { from, to, groupBy }),
  export: (filters: TicketFilters) => api.download(`${base}/export`, 'tickets.xlsx', filters as Query),
  teams: () => api.get<{ items: Team[] }>(`${base}/teams`),
  assignees: () => api.get<{ items: Assignee[] }>(`${base}/assignees`),
  clients: () => api.get<{ items: ChannelClient[] }>(`${base}/channel-clients`),
  createClient: (body: { code: string; name: string; channel: Channel; callbackUrl?: string | null }) => api.post<ChannelClient & { secret: string }>(`${base}/channel-clients`, body),
  updateClient: (code: string, body: { name?: string; callbackUrl?: string | null; enabled?: boolean }) => api.patch<ChannelClient>(`${base}/channel-clients/${encodeURIComponent(code)}`, body),
  rotateClientSecret: (code: string) => api.post<ChannelClient & { secret: string }>(`${base}/channel-clients/${encodeURIComponent(code)}/rotate-secret`),
  clientCallbacks: (code: string) => api.get<{ items: Callback[] }>(`${base}/channel-clients/${encodeURIComponent(code)}/callbacks`),
  rejects: () => api.get<{ items: InboundReject[] }>(`${base}/inbound-rejects`),
};
