// The sync-monitoring API (数据同步监控, /api/v1/monitoring/…) and the monthly sync report
// (/api/v1/reports/sync) as the console uses them. Times are ISO 8601 instants.
import { api, type Query } from '../../api/api';
import type { Items } from '../../api/types';

export const LOT_STATES = ['ok', 'late', 'never', 'paused'] as const;
export type LotState = (typeof LOT_STATES)[number];
export const SOURCE_STATES = ['ok', 'partial', 'late', 'never', 'paused'] as const;
export type SourceState = (typeof SOURCE_STATES)[number];
export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];
export const WINDOW_SCOPES = ['lot', 'source', 'district', 'all'] as const;
export type WindowScope = (typeof WINDOW_SCOPES)[number];
export const REPORT_FORMATS = ['xlsx', 'docx'] as const;

export interface LotCounts {
  total: number;
  ok: number;
  late: number;
  never: number;
  paused: number;
}

export interface FreshnessItem {
  lotCode: string;
  sourceCode: string;
  state: LotState;
  lastOccurredAt: string | null;
  lastReceivedAt: string | null;
  lateMinutes: number | null;
  lotName: string;
  sourceName: string;
  districtCode: string;
  districtName: string;
  thresholdMinutes: number;
  pausedReason: 'maintenance' | 'lot_suspended' | 'source_disabled' | null;
  stateSince: string | null;
  lateDeliveries24h: number;
  alertId: number | null;
}

export interface FreshnessReply {
  items: FreshnessItem[];
  counts: LotCounts;
  /** The server's "now" for this answer. */
  at: string;
}

export interface FreshnessFilters {
  state?: LotState | '';
  districtCode?: string;
  sourceCode?: string;
}

export interface SourceItem {
  sourceCode: string;
  sourceName: string;
  status: 'active' | 'disabled';
  districtCode: string | null;
  operatorName: string | null;
  state: SourceState;
  pausedReason: 'source_disabled' | 'maintenance' | 'lots_paused' | null;
  thresholdMinutes: number;
  lastOccurredAt: string | null;
  lastReceivedAt: string | null;
  lastHeartbeatAt: string | null;
  lateMinutes: number | null;
  lots: LotCounts;
  lateDeliveries24h: number;
  alertId: number | null;
  problem: boolean;
  stateSince: string | null;
}

export interface SourcesReply {
  items: SourceItem[];
  counts: Record<SourceState, number>;
  at: string;
}

export interface TimelineHour {
  at: string;
  label: string;
  events: number;
  received: number;
  late: number;
}

export interface TimelineGap {
  from: string;
  to: string;
  minutes: number;
}

export interface LotTimeline {
  lotCode: string;
  lotName: string;
  sourceCode: string | null;
  thresholdMinutes: number;
  from: string;
  to: string;
  hours: TimelineHour[];
  /** The gaps in the range, as the monthly report defines them. */
  gaps: TimelineGap[];
}

export interface Alert {
  id: number;
  scope: 'lot' | 'source';
  state: AlertState;
  lotCode: string | null;
  lotName: string | null;
  sourceCode: string;
  sourceName: string | null;
  districtCodes: string[];
  openedAt: string;
  lastOccurredAt: string | null;
  lateMinutes: number | null;
  thresholdMinutes: number;
  lateLots: number;
  reminders: number;
  lastNotifiedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  ackNote: string | null;
  resolvedAt: string | null;
  resolution: 'recovered' | 'folded' | 'unmonitored' | null;
  parentId: number | null;
  durationMinutes: number;
  followupId: number | null;
  followupState: 'open' | 'done' | null;
}

export interface AlertDetail extends Alert {
  events: { at: string; kind: string; actor: string; note: string | null }[];
  folded: { id: number; lotCode: string | null }[];
  lots: { lotCode: string; lotName: string; districtCode: string; state: LotState; lateMinutes: number | null }[];
}

export interface AlertFilters {
  state?: AlertState | 'unresolved' | '';
  scope?: 'lot' | 'source' | '';
  sourceCode?: string;
  districtCode?: string;
  lotCode?: string;
}

export interface Followup {
  id: number;
  title: string;
  alertId: number;
  alertScope: 'lot' | 'source';
  alertState: AlertState;
  sourceCode: string;
  sourceName: string | null;
  lotCode: string | null;
  lotName: string | null;
  districtCodes: string[];
  operator: { id: number | null; name: string | null; contactName: string | null; contactPhone: string | null; contactEmail: string | null };
  state: 'open' | 'done';
  createdAt: string;
  completedAt: string | null;
  completedBy: string | null;
  note: string | null;
}

export interface ProblemSource {
  sourceCode: string;
  sourceName: string;
  districtCode: string | null;
  operator: { name: string; contactName: string | null; contactPhone: string | null; contactEmail: string | null } | null;
  state: 'marked' | 'cleared';
  markedAt: string;
  outagesAtMark: number;
  outages30d: number;
  lastOutageAt: string | null;
  clearedAt: string | null;
  clearedBy: string | null;
  clearNote: string | null;
}

export interface MaintenanceWindow {
  id: number;
  scope: WindowScope;
  lotCode: string | null;
  lotName: string | null;
  sourceCode: string | null;
  districtCode: string | null;
  kind: 'once' | 'weekly';
  startsAt: string | null;
  endsAt: string | null;
  daysOfWeek: number[] | null;
  startTime: string | null;
  endTime: string | null;
  validFrom: string | null;
  validTo: string | null;
  reason: string;
  activeNow: boolean;
  expired: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** A new window: `startsAt`/`endsAt` as 'YYYY-MM-DD HH:mm:ss' Shanghai time; weekly times 'HH:MM'. */
export interface NewWindow {
  scope: WindowScope;
  lotCode?: string | null;
  sourceCode?: string | null;
  districtCode?: string | null;
  kind: 'once' | 'weekly';
  startsAt?: string | null;
  endsAt?: string | null;
  daysOfWeek?: number[] | null;
  startTime?: string | null;
  endTime?: string | null;
  validFrom?: string | null;
  validTo?: string | null;
  reason: string;
}

export interface ReportTotals {
  lots: number;
  reportingLots: number;
  abnormalLots: number;
  records: number;
  gapCount: number;
  gapMinutes: number;
  lateDeliveries: number;
  states: { ok: number; late: number; never: number; paused: number };
}

export interface SyncLot {
  lotCode: string;
  lotName: string;
  districtCode: string;
  districtName: string;
  sourceCode: string;
  sourceName: string;
  operatorName: string | null;
  status: 'active' | 'suspended';
  thresholdMinutes: number;
  records: number;
  daysWithData: number;
  gaps: TimelineGap[];
  gapMinutes: number;
  lateDeliveries: number;
  coveragePercent: number | null;
  firstOccurredAt: string | null;
  lastOccurredAt: string | null;
  state: LotState;
  abnormal: boolean;
  abnormalReasons: string[];
}

export interface SyncReport {
  month: string;
  monthLabel: string;
  generatedAt: string;
  from: string;
  to: string;
  until: string;
  complete: boolean;
  defaultThresholdMinutes: number;
  summary: ReportTotals & { sources: number; byDistrict: (ReportTotals & { districtCode: string; districtName: string })[] };
  lots: SyncLot[];
  sources: (ReportTotals & { sourceCode: string; sourceName: string; operatorName: string | null; coveragePercent: number | null })[];
}

const seg = encodeURIComponent;
const base = '/api/v1/monitoring';

export const monitoringApi = {
  freshness: (filters: FreshnessFilters) => api.get<FreshnessReply>(`${base}/freshness`, filters as Query),
  sources: (filters: { districtCode?: string }) => api.get<SourcesReply>(`${base}/sources`, filters as Query),
  timeline: (lotCode: string, days = 7) => api.get<LotTimeline>(`${base}/lots/${seg(lotCode)}/timeline`, { days }),
  alerts: (filters: AlertFilters, limit: number, offset: number) =>
    api.get<{ items: Alert[]; total: number }>(`${base}/alerts`, { ...(filters as Query), limit, offset }),
  alert: (id: number) => api.get<AlertDetail>(`${base}/alerts/${id}`),
  acknowledge: (id: number, note: string) => api.post<AlertDetail>(`${base}/alerts/${id}/ack`, { note }),
  followups: (filters: { state?: 'open' | 'done' | ''; alertId?: number }, limit: number, offset: number) =>
    api.get<{ items: Followup[]; total: number }>(`${base}/followups`, { ...(filters as Query), limit, offset }),
  completeFollowup: (id: number, note: string) => api.post<Followup>(`${base}/followups/${id}/complete`, { note }),
  problemSources: (all: boolean) => api.get<Items<ProblemSource>>(`${base}/problem-sources`, { all: all || undefined }),
  clearProblemSource: (code: string, note: string) => api.post<ProblemSource>(`${base}/problem-sources/${seg(code)}/clear`, { note }),
  windows: (expired: boolean) => api.get<Items<MaintenanceWindow>>(`${base}/windows`, { expired: expired || undefined }),
  createWindow: (body: NewWindow) => api.post<MaintenanceWindow>(`${base}/windows`, body),
  deleteWindow: (id: number) => api.delete(`${base}/windows/${id}`),
};

export const reportsApi = {
  sync: (month: string) => api.get<SyncReport>('/api/v1/reports/sync', { month, format: 'json' }),
  downloadSync: (month: string, format: (typeof REPORT_FORMATS)[number]) =>
    api.download('/api/v1/reports/sync', `sync-report-${month}.${format}`, { month, format }),
};
