import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest } from '../../platform/errors.js';
import { ASCII_BASE, FILE_BASE } from './sync-labels.js';
import { buildSyncReport, type SyncReport } from './sync-report.js';
import type { MonitoringContext } from './repo.js';
import { DOCX_TYPE, XLSX_TYPE } from '../../platform/http/download.js';

/** The sync report in one of its formats, with the audit row every download leaves. */

export const REPORT_FORMATS = ['json', 'xlsx', 'docx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export { XLSX_TYPE, DOCX_TYPE };
export const JSON_TYPE = 'application/json; charset=utf-8';

export function parseReportFormat(text: string | undefined): ReportFormat {
  const f = (text ?? 'json').trim().toLowerCase() || 'json';
  if (!(REPORT_FORMATS as readonly string[]).includes(f)) throw badRequest('INVALID_FORMAT', `格式应为 json、xlsx 或 docx / format must be json, xlsx or docx: ${String(text).slice(0, 40)}`);
  return f as ReportFormat;
}

export interface SyncReportFile {
  report: SyncReport;
  format: ReportFormat;
  contentType: string;
  /** 数据同步监控报告-2026-11.xlsx */
  fileName: string;
  asciiName: string;
  body: Buffer;
}

/** Builds the report, renders it, and records who took which month in which format. */
export async function downloadSyncReport(ctx: MonitoringContext, actor: Actor, q: { month?: string; format?: string }, via: 'api' | 'cli' = 'api'): Promise<SyncReportFile> {
  const format = parseReportFormat(q.format);
  const report = await buildSyncReport(ctx, actor, q.month);
  // The renderers pull in exceljs, docx and ECharts: loaded when first asked for, not at every start.
  const body = format === 'xlsx'
    ? await (await import('./sync-xlsx.js')).syncReportXlsx(report)
    : format === 'docx'
      ? await (await import('./sync-docx.js')).syncReportDocx(report)
      : Buffer.from(JSON.stringify(report), 'utf8');
  await audit(ctx, ctx.db, actor, {
    action: 'report.sync.download',
    targetType: 'report',
    targetId: `sync:${report.month}`,
    detail: { month: report.month, format, via, lots: report.summary.lots, abnormalLots: report.summary.abnormalLots, ...(actor.districtCode ? { districtCode: actor.districtCode } : {}) },
  });
  return {
    report,
    format,
    contentType: format === 'xlsx' ? XLSX_TYPE : format === 'docx' ? DOCX_TYPE : JSON_TYPE,
    fileName: `${FILE_BASE(report.month)}.${format}`,
    asciiName: `${ASCII_BASE(report.month)}.${format}`,
    body,
  };
}
