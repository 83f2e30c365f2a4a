// Data access (数据接入): offline event import and the quarantine of refused data; types from the
// OpenAPI document (client.ts).
import { api } from './api';
import { apiGet, apiPost, type QueryOf, type ResponseOf } from './client';

export const QUARANTINE_STATUSES: readonly NonNullable<QueryOf<'ingestQuarantineList'>['status']>[] = ['open', 'replayed', 'discarded'];

export const ingestApi = {
  /** Uploads and imports in one request; the server reads the file as it arrives. */
  importEvents: (file: File, sourceCode: string, dryRun: boolean, onProgress: (loaded: number, total: number) => void) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return api.uploadWithProgress<ResponseOf<'ingestImportFile'>>('/api/v1/ingest/import', form, { sourceCode, dryRun }, onProgress);
  },
  quarantine: (query: QueryOf<'ingestQuarantineList'>) => apiGet('/api/v1/ingest/quarantine', { query }),
  /** One entry with its raw body (reading it is audited). */
  quarantineItem: (id: number) => apiGet('/api/v1/ingest/quarantine/{id}', { path: { id } }),
  /** Replays the entry: the corrected body when given, else the body as it was kept. */
  replay: (id: number, body?: string) => apiPost('/api/v1/ingest/quarantine/{id}/replay', { path: { id }, body: body === undefined ? {} : { body } }),
  discard: (id: number, note: string) => apiPost('/api/v1/ingest/quarantine/{id}/discard', { path: { id }, body: { note } }),
  /** The open entries a source and reason code match: their number and ids (the bulk preview). */
  matching: (query: QueryOf<'ingestQuarantineMatching'>) => apiGet('/api/v1/ingest/quarantine/matching', { query }),
  /** Replays (as kept) or discards up to BULK_CHUNK entries; a result per entry. */
  bulk: (action: 'replay' | 'discard', ids: number[], note?: string) => apiPost('/api/v1/ingest/quarantine/bulk', { body: { action, ids, ...(note ? { note } : {}) } }),
};

/** Entries per bulk call (the server takes at most 50): the progress moves after each. */
export const BULK_CHUNK = 20;

/** Reason codes an entry can carry (docs/接入规范.md §11), for the filter. */
export const REASON_CODES = ['INVALID_PLATE', 'UNKNOWN_LOT', 'LOT_NOT_BOUND', 'INVALID_TIME', 'FUTURE_TIME', 'INVALID_FIELD', 'INVALID_JSON', 'INVALID_BODY', 'TOO_MANY_EVENTS'] as const;
