// The work-order API (工单, /api/v1/tickets…) as the console uses it; every shape comes from the
// OpenAPI document (web/src/api/client.ts): Schemas['Ticket'], ResponseOf<'ticketsGet'> …
import { api, type Query } from '../../api/api';
import { apiGet, apiPatch, apiPost, type BodyOf, type QueryOf, type Schemas } from '../../api/client';

export const CHANNELS = ['hotline_12345', 'wechat', 'alipay', 'phone', 'web', 'onsite'] as const satisfies readonly Schemas['Ticket']['channel'][];
export const CATEGORIES = [
  'fee_dispute', 'wrong_charge', 'plate_misread', 'payment_failure', 'refund',
  'lot_info_wrong', 'availability_wrong', 'facility_fault', 'service_attitude', 'suggestion', 'other',
] as const satisfies readonly Schemas['Ticket']['category'][];
/** Internal service requests (内部服务): their own channel and categories (docs/用户手册.md §9.14). */
export const INTERNAL_CHANNEL = 'internal' as const satisfies Schemas['Ticket']['channel'];
export const INTERNAL_CATEGORIES = ['phone_consult', 'remote_assist', 'onsite_guidance'] as const satisfies readonly Schemas['Ticket']['category'][];
export const ALL_CHANNELS = [...CHANNELS, INTERNAL_CHANNEL] as const;
export const ALL_CATEGORIES = [...CATEGORIES, ...INTERNAL_CATEGORIES] as const;
/** The categories a ticket of `channel` may take. */
export const categoriesFor = (channel: string): readonly Schemas['Ticket']['category'][] => (channel === INTERNAL_CHANNEL ? INTERNAL_CATEGORIES : CATEGORIES);
export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const satisfies readonly Schemas['Ticket']['priority'][];
export const STATES = ['new', 'assigned', 'in_progress', 'waiting_citizen', 'resolved', 'feedback_given', 'confirmed', 'closed', 'reopened', 'cancelled'] as const satisfies readonly Schemas['Ticket']['state'][];
export const SLA_FILTERS = ['overdue', 'warning', 'paused'] as const;

const base = '/api/v1/tickets';

/** `filters`: the list page's filters as they stand in its URL (useListPage). */
export const ticketsApi = {
  list: (filters: Record<string, string>, limit: number, offset: number) => apiGet(base, { query: { ...(filters as QueryOf<'ticketsList'>), limit, offset } }),
  get: (id: number) => apiGet(`${base}/{id}`, { path: { id } }),
  create: (body: BodyOf<'ticketsCreate'>) => apiPost(base, { body }),
  update: (id: number, body: BodyOf<'ticketsUpdate'>) => apiPatch(`${base}/{id}`, { path: { id }, body }),
  transition: (id: number, body: BodyOf<'ticketsTransition'>) => apiPost(`${base}/{id}/transitions`, { path: { id }, body }),
  comment: (id: number, visibility: 'public' | 'internal', body: string) => apiPost(`${base}/{id}/comments`, { path: { id }, body: { visibility, body } }),
  upload: (id: number, file: File) => {
    const form = new FormData();
    form.append('file', file);
    return apiPost(`${base}/{id}/attachments`, { path: { id }, body: form });
  },
  download: (id: number, a: Schemas['TicketAttachment']) => api.download(`${base}/${id}/attachments/${a.id}`, a.fileName),
  merge: (id: number, into: number, note: string | null) => apiPost(`${base}/{id}/merge`, { path: { id }, body: { into, note } }),
  callbacks: (id: number) => apiGet(`${base}/{id}/callbacks`, { path: { id } }),
  kpis: (from: string, to: string, groupBy?: QueryOf<'ticketsKpis'>['groupBy']) => apiGet(`${base}/kpis`, { query: { from, to, groupBy } }),
  export: (filters: Record<string, string>) => api.download(`${base}/export`, 'tickets.xlsx', filters as Query),
  teams: () => apiGet(`${base}/teams`),
  assignees: () => apiGet(`${base}/assignees`),
  clients: () => apiGet(`${base}/channel-clients`),
  createClient: (body: BodyOf<'ticketsClientsCreate'>) => apiPost(`${base}/channel-clients`, { body }),
  updateClient: (code: string, body: BodyOf<'ticketsClientsUpdate'>) => apiPatch(`${base}/channel-clients/{code}`, { path: { code }, body }),
  rotateClientSecret: (code: string) => apiPost(`${base}/channel-clients/{code}/rotate-secret`, { path: { code } }),
  clientCallbacks: (code: string) => apiGet(`${base}/channel-clients/{code}/callbacks`, { path: { code } }),
  rejects: () => apiGet(`${base}/inbound-rejects`),
};
