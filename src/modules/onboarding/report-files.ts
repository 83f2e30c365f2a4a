import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest } from '../../platform/errors.js';
import { readContext } from '../../platform/read-db.js';
import { DOCX_TYPE, fileNames, XLSX_TYPE } from './report-labels.js';
import { reportDocx } from './report-docx.js';
import { reportXlsx } from './report-xlsx.js';
import { buildReport, type OnboardingReport } from './report.js';
import type { OnboardingContext } from './repo.js';

export const REPORT_FORMATS = ['json', 'xlsx', 'docx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function parseReportFormat(text: string | undefined): ReportFormat {
  const f = (text ?? '').trim().toLowerCase() || 'json';
  if (!(REPORT_FORMATS as readonly string[]).includes(f)) throw badRequest('INVALID_FORMAT', `格式应为 json、xlsx 或 docx / format must be json, xlsx or docx: ${text}`.slice(0, 200));
  return f as ReportFormat;
}

export type ReportOutput =
  | { format: 'json'; report: OnboardingReport }
  | { format: 'xlsx' | 'docx'; report: OnboardingReport; body: Buffer; contentType: string; fileName: string; asciiName: string };

/** The quarterly list in the asked format: the API route and `zhibo report onboarding` share this. */
export async function onboardingReport(ctx: OnboardingContext, actor: Actor, q: { quarter?: string; format?: string }): Promise<ReportOutput> {
  const format = parseReportFormat(q.format);
  // Only reads: the replica when there is one (src/platform/read-db.ts); the audit row goes to the primary.
  const report = await buildReport(readContext(ctx), actor, q.quarter);
  // The list carries operators' contact names and phone numbers: who took it, and when, is kept.
  await audit(ctx, ctx.db, actor, { action: 'onboarding.report.download', targetType: 'onboarding_report', targetId: report.quarter, detail: { format, asOf: report.asOf } });
  if (format === 'json') return { format, report };
  const body = format === 'xlsx' ? await reportXlsx(report) : await reportDocx(report);
  return { format, report, body, contentType: format === 'xlsx' ? XLSX_TYPE : DOCX_TYPE, ...fileNames(report, format) };
}
