import { formatShanghai } from '../../platform/time.js';
import type { AbnormalReason, LotState, SyncReport } from './sync-report.js';

/** Words of the report files (.xlsx, .docx) and the CLI, in the bureau's Chinese. */

export const REPORT_TITLE = '数据同步监控报告';

export const STATE_LABELS: Record<LotState, string> = { ok: '正常', late: '超时未上报', never: '从未上报', paused: '暂停' };

export const REASON_LABELS: Record<AbnormalReason, string> = { gaps: '数据断档', late_deliveries: '迟报', never_reported: '从未上报' };

export const reasonsText = (reasons: readonly AbnormalReason[]) => reasons.map((r) => REASON_LABELS[r]).join('、');

export const coverageText = (p: number | null) => (p === null ? '—' : `${p.toFixed(1)}%`);

/** An ISO instant as Shanghai wall time. */
export const shanghai = (iso: string | null) => (iso ? formatShanghai(new Date(iso)) : '');

/** '2026-11-01 至 2026-11-30', and up to when when the month is still running. */
export function periodText(r: SyncReport): string {
  const first = shanghai(r.from).slice(0, 10);
  const last = formatShanghai(new Date(Date.parse(r.to) - 1)).slice(0, 10);
  return r.complete ? `${first} 至 ${last}` : `${first} 至 ${last}（本月尚未结束，统计截至 ${shanghai(r.until)}）`;
}

export const FILE_BASE = (month: string) => `${REPORT_TITLE}-${month}`;
export const ASCII_BASE = (month: string) => `sync-report-${month}`;

/** The one-line summary the CLI prints. */
export function summaryLine(r: SyncReport): string {
  const s = r.summary;
  return `${r.monthLabel}：停车场 ${s.lots} 个，有数据 ${s.reportingLots} 个，异常 ${s.abnormalLots} 个；数据 ${s.records} 条，断档 ${s.gapCount} 次共 ${s.gapMinutes} 分钟，迟报 ${s.lateDeliveries} 条 / `
    + `${r.month}: ${s.lots} lots, ${s.reportingLots} reporting, ${s.abnormalLots} abnormal; ${s.records} records, ${s.gapCount} gaps (${s.gapMinutes} min), ${s.lateDeliveries} late deliveries`;
}
