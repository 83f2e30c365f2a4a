// Data access (数据接入): offline event import and the quarantine of refused data.
import { api } from './api';

export interface ImportRowError {
  /** Row of the sheet (header = 1) or line of a JSON lines file. */
  row: number;
  eventId: string | null;
  code: string;
  message: string;
}

export interface EventImportResult {
  dryRun: boolean;
  fileName: string;
  format: 'csv' | 'xlsx' | 'jsonl';
  rows: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  errors: ImportRowError[];
  truncated: boolean;
  ignoredColumns: string[];
  quarantined: number;
}

export type QuarantineStatus = 'open' | 'replayed' | 'discarded';
export const QUARANTINE_STATUSES: readonly QuarantineStatus[] = ['open', 'replayed', 'discarded'];

export interface QuarantineReason {
  /** Index of the event in the body; null when the whole body was refused. */
  index: number | null;
  eventId: string | null;
  code: string;
  message: string;
}

export interface QuarantineItem {
  id: number;
  sourceCode: string | null;
  receivedAt: string;
  via: 'api' | 'import' | 'replay' | string;
  rejected: number;
  reasons: QuarantineReason[];
  status: QuarantineStatus;
  resolvedAt: string | null;
  resolvedBy: string | null;
  note: string | null;
  bodyBytes: number;
}

export interface QuarantineDetail extends QuarantineItem {
  rawBody: string;
}

export interface QuarantinePage {
  items: QuarantineItem[];
  nextCursor: string | null;
}

export interface EventResult {
  eventId: string | null;
  status: 'accepted' | 'duplicate' | 'rejected';
  code?: string;
  message?: string;
}

export interface IngestReply {
  accepted: number;
  duplicates: number;
  rejected: number;
  results: EventResult[];
}

export const ingestApi = {
  /** Uploads and imports in one request; the server reads the file as it arrives. */
  importEvents: (file: File, sourceCode: string, dryRun: boolean, onProgress: (loaded: number, total: number) => void) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return api.uploadWithProgress<EventImportResult>('/api/v1/ingest/import', form, { sourceCode, dryRun }, onProgress);
  },
  quarantine: (query: { status?: QuarantineStatus | ''; sourceCode?: string; cursor?: string | null }) => api.get<QuarantinePage>('/api/v1/ingest/quarantine', query),
  /** One entry with its raw body (reading it is audited). */
  quarantineItem: (id: number) => api.get<QuarantineDetail>(`/api/v1/ingest/quarantine/${id}`),
  /** Replays the entry: the corrected body when given, else the body as it was kept. */
  replay: (id: number, body?: string) => api.post<IngestReply>(`/api/v1/ingest/quarantine/${id}/replay`, body === undefined ? {} : { body }),
  discard: (id: number, note: string) => api.post<QuarantineItem>(`/api/v1/ingest/quarantine/${id}/discard`, { note }),
};
