// The citizen's complaint API (/api/v1/public/complaints…, no account) as the H5 pages use it;
// answers typed by the OpenAPI document (web/src/api/client.ts).
import { apiGet, apiPost, type BodyOf } from '../../api/client';

/**
 * The H5 form: every text field a string, the category empty until one is picked; `sessionId` the
 * parking record complained about when the form came from 我的停车.
 */
export type ComplaintForm = Required<Omit<BodyOf<'ticketsPublicComplaintCreate'>, 'sessionId'>> & { sessionId: number | null };

/** Empty optional fields are left out (the server treats them as not given). */
function compact(input: ComplaintForm): BodyOf<'ticketsPublicComplaintCreate'> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(input)) if (typeof v === 'string' && v.trim()) out[k] = v.trim();
  if (input.sessionId !== null) out.sessionId = input.sessionId;
  return out as BodyOf<'ticketsPublicComplaintCreate'>;
}

export const submitComplaint = (input: ComplaintForm) => apiPost('/api/v1/public/complaints', { body: compact(input) });
export const complaintStatus = (token: string) => apiGet('/api/v1/public/complaints/{token}', { path: { token } });
export const answerComplaint = (token: string, accepted: boolean, note: string) =>
  apiPost('/api/v1/public/complaints/{token}/answer', { path: { token }, body: note.trim() ? { accepted, note: note.trim() } : { accepted } });
export const startLookup = (ticketNo: string, phone: string) => apiPost('/api/v1/public/complaints/lookup', { body: { ticketNo: ticketNo.trim(), phone: phone.trim() } });
export const confirmLookup = (id: string, code: string) => apiPost('/api/v1/public/complaints/lookup/{id}/confirm', { path: { id }, body: { code: code.trim() } });
export function uploadComplaintPhoto(token: string, file: File) {
  const form = new FormData();
  form.append('file', file);
  return apiPost('/api/v1/public/complaints/{token}/photos', { path: { token }, body: form });
}
export const regenerateCitizenLink = (id: number) => apiPost('/api/v1/tickets/{id}/citizen-link', { path: { id } });

/** The link as a citizen opens it (the server gives a path unless its public address is configured). */
export const absoluteUrl = (statusUrl: string) => (/^https?:\/\//.test(statusUrl) ? statusUrl : `${window.location.origin}${statusUrl}`);
