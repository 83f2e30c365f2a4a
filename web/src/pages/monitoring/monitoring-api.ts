// The sync-monitoring API (数据同步监控, /api/v1/monitoring/…) and the monthly sync report
// (/api/v1/reports/sync) as the console uses them; shapes from the OpenAPI document
// (web/src/api/client.ts): Schemas['FreshnessItem'], ResponseOf<'monitoringAlertsGet'> … Times are ISO 8601 instants.
import { api } from '../../api/api';
import { apiDelete, apiGet, apiPatch, apiPost, type BodyOf, type QueryOf, type Schemas } from '../../api/client';

export const LOT_STATES = ['ok', 'late', 'never', 'paused'] as const satisfies readonly Schemas['FreshnessItem']['state'][];
export const SOURCE_STATES = ['ok', 'partial', 'late', 'never', 'paused'] as const satisfies readonly Schemas['SourceFreshnessItem']['state'][];
export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const satisfies readonly Schemas['MonitoringAlert']['state'][];
export const WINDOW_SCOPES = ['lot', 'source', 'district', 'all'] as const satisfies readonly BodyOf<'monitoringWindowsCreate'>['scope'][];
export const REPORT_FORMATS = ['xlsx', 'docx'] as const;

const base = '/api/v1/monitoring';

export const monitoringApi = {
  freshness: (query: QueryOf<'monitoringFreshness'>) => apiGet(`${base}/freshness`, { query }),
  sources: (query: QueryOf<'monitoringSources'>) => apiGet(`${base}/sources`, { query }),
  timeline: (code: string, days = 7) => apiGet(`${base}/lots/{code}/timeline`, { path: { code }, query: { days } }),
  alerts: (filters: QueryOf<'monitoringAlertsList'>, limit: number, offset: number) => apiGet(`${base}/alerts`, { query: { ...filters, limit, offset } }),
  alert: (id: number) => apiGet(`${base}/alerts/{id}`, { path: { id } }),
  acknowledge: (id: number, note: string) => apiPost(`${base}/alerts/{id}/ack`, { path: { id }, body: { note } }),
  followups: (filters: QueryOf<'monitoringFollowupsList'>, limit: number, offset: number) => apiGet(`${base}/followups`, { query: { ...filters, limit, offset } }),
  completeFollowup: (id: number, note: string) => apiPost(`${base}/followups/{id}/complete`, { path: { id }, body: { note } }),
  problemSources: (all: boolean) => apiGet(`${base}/problem-sources`, { query: { all: all || undefined } }),
  clearProblemSource: (code: string, note: string) => apiPost(`${base}/problem-sources/{code}/clear`, { path: { code }, body: { note } }),
  windows: (expired: boolean) => apiGet(`${base}/windows`, { query: { expired: expired || undefined } }),
  createWindow: (body: BodyOf<'monitoringWindowsCreate'>) => apiPost(`${base}/windows`, { body }),
  deleteWindow: (id: number) => apiDelete(`${base}/windows/{id}`, { path: { id } }),
};

export const reportsApi = {
  sync: (month: string) => apiGet('/api/v1/reports/sync', { query: { month, format: 'json' } }),
  downloadSync: (month: string, format: (typeof REPORT_FORMATS)[number]) =>
    api.download('/api/v1/reports/sync', `sync-report-${month}.${format}`, { month, format }),
};

/** 数据对接 (docs/数据对接.md): connectors with their health, dry runs, pulls and re-reads. */
export const connectorsApi = {
  list: () => apiGet('/api/v1/connectors'),
  create: (body: BodyOf<'connectorsCreate'>) => apiPost('/api/v1/connectors', { body }),
  update: (code: string, body: BodyOf<'connectorsUpdate'>) => apiPatch('/api/v1/connectors/{code}', { path: { code }, body }),
  dryRun: (code: string, body: BodyOf<'connectorsDryRun'>) => apiPost('/api/v1/connectors/{code}/dry-run', { path: { code }, body }),
  pull: (code: string) => apiPost('/api/v1/connectors/{code}/pull', { path: { code } }),
  backfills: (code: string) => apiGet('/api/v1/connectors/{code}/backfills', { path: { code } }),
  backfill: (code: string, from: BodyOf<'connectorsBackfill'>['from']) => apiPost('/api/v1/connectors/{code}/backfills', { path: { code }, body: { from } }),
};
