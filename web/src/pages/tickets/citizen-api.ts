// The citizen's complaint API (/api/v1/public/complaints…, no account) as the H5 pages use it;
// answers typed by the OpenAPI document (web/src/api/client.ts).
import { apiGet, apiPost, type BodyOf } from '../../api/client';

/** The H5 form: every field a string, the category empty until one is picked. */
export type ComplaintForm = Required<BodyOf<'ticketsPublicComplaintCreate'>>;

/** Empty optional fields are left out (the server treats them as not given). */
function compact(input: ComplaintForm): BodyOf<'ticketsPublicComplaintCreate'> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(input)) if (typeof v === 'string' && v.trim()) out[k] = v.trim();
  return out as BodyOf<'ticketsPublicComplaintCreate'>;
}

export const submitComplaint = (input: ComplaintForm) => apiPost('/api/v1/public/complaints', { body: compact(input) });
export const complaintStatus = (token: string) => apiGet('/api/v1/public/complaints/{token}', { path: { token } });
export const answerComplaint = (token: string, accepted: boolean, note: string) =>
  apiPost('/api/v1/public/complaints/{token}/answer', { path: { token }, body: note.trim() ? { accepted, note: note.trim() } : { accepted } });
export const regenerateCitizenLink = (id: number) => apiPost('/api/v1/tickets/{id}/citizen-link', { path: { id } });

/** The link as a citizen opens it (the server gives a path unless its public address is configured). */
export const absoluteUrl = (statusUrl: string) => (/^https?:\/\//.test(statusUrl) ? statusUrl : `${window.location.origin}${statusUrl}`);
