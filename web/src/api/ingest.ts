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
};
