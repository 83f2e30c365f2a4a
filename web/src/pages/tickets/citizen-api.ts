// The citizen's complaint API (/api/v1/public/complaints…, no account) as the H5 pages use it.
import { api } from '../../api/api';
import type { Category, TicketState } from './tickets-api';

export interface ComplaintInput {
  category: Category | '';
  title?: string;
  description: string;
  citizenName?: string;
  citizenPhone: string;
  lotCode?: string;
  plate?: string;
}

export interface ComplaintReceipt {
  ticketNo: string;
  statusUrl: string;
  token: string;
}

export interface ComplaintStatus {
  ticketNo: string;
  state: TicketState;
  category: Category;
  title: string;
  description: string;
  citizenName: string | null;
  citizenPhone: string | null;
  createdAt: string;
  publicReplies: { body: string; createdAt: string }[];
  resolution: string | null;
  resolvedAt: string | null;
  canRespond: boolean;
}

/** Empty optional fields are left out (the server treats them as not given). */
function compact(input: ComplaintInput): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(input)) if (typeof v === 'string' && v.trim()) out[k] = v.trim();
  return out;
}

export const submitComplaint = (input: ComplaintInput) => api.post<ComplaintReceipt>('/api/v1/public/complaints', compact(input));
export const complaintStatus = (token: string) => api.get<ComplaintStatus>(`/api/v1/public/complaints/${encodeURIComponent(token)}`);
export const answerComplaint = (token: string, accepted: boolean, note: string) =>
  api.post<ComplaintStatus>(`/api/v1/public/complaints/${encodeURIComponent(token)}/answer`, note.trim() ? { accepted, note: note.trim() } : { accepted });
export const regenerateCitizenLink = (id: number) => api.post<{ ticketNo: string; statusUrl: string; createdAt: string }>(`/api/v1/tickets/${id}/citizen-link`);

/** The link as a citizen opens it (the server gives a path unless its public address is configured). */
export const absoluteUrl = (statusUrl: string) => (/^https?:\/\//.test(statusUrl) ? statusUrl : `${window.location.origin}${statusUrl}`);
