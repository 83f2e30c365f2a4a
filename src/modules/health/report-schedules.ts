import { createHash } from 'node:crypto';
import { can, systemActor, type Actor } from '../../platform/auth/permissions.js';
import { audit, contextOf, type AppContext } from '../../platform/context.js';
import { badRequest, notFound } from '../../platform/errors.js';
import { DOCX_TYPE } from '../../platform/http/download.js';
import { monthDays, type CatalogueEntry } from '../../platform/report-catalogue.js';
import { exportLedger } from '../incidents/index.js';
import { downloadSyncReport } from '../monitoring/index.js';
import { recordNotice } from '../notifications/index.js';
import { vulnerabilityReportDocx } from '../security/index.js';
import { renderDocx } from './document.js';
import { parseWeek } from './period.js';
import { healthContext, type HealthContext } from './repo.js';
import { dueReport, type Cadence } from './schedule-rules.js';
import { generateWorkReport, workReportDocument } from './work-report.js';

/*
 * Report schedules (报告中心的定时生成与发送, docs/巡检与报告.md §6): per report kind, "generate on
 * the Nth working day of the month (or ISO week)" and the notification channels (e-mail, WeCom,
 * DingTalk robots) to send it to. The job `health.report-schedules` (hourly, under its lease)
 * generates each due report of the period just ended, archives it in health_report_archive —
 * once per kind and period (unique), so a rerun or a second node makes nothing twice — and
 * queues one notice whose deliveries go to exactly the chosen channels, with the link to the
 * archived document in the report centre. The document itself is downloaded from the report
 * centre (a robot message carries no file; e-mail sends the link as the other channels do).
 */

export const REPORT_SCHEDULE_JOB = 'health.report-schedules';

export interface GeneratedFile { body: Buffer; fileName: string; contentType: string }

interface SchedulableKind {
  kind: string;
  name: string;
  cadence: Cadence;
  generate(ctx: AppContext, actor: Actor, period: string): Promise<GeneratedFile>;
}

const workReport = (kind: 'weekly' | 'monthly') => async (ctx: AppContext, actor: Actor, period: string): Promise<GeneratedFile> => {
  const r = await generateWorkReport(ctx, actor, { kind, period });
  const body = await renderDocx(workReportDocument(r.content, { problems: r.problems, nextPlan: r.nextPlan, version: r.version, state: r.state }));
  return { body, fileName: `${kind === 'weekly' ? '运维周报' : '运维月报'}-${period}-v${r.version}.docx`, contentType: DOCX_TYPE };
};

/** The kinds a schedule can generate, each for the period just ended (its cadence's). */
export const SCHEDULABLE: readonly SchedulableKind[] = [
  {
    kind: 'sync_monthly', name: '数据同步监控报告', cadence: 'month',
    generate: async (ctx, actor, month) => {
      const f = await downloadSyncReport(contextOf(ctx), actor, { month, format: 'docx' }, 'cli');
      return { body: f.body, fileName: f.fileName, contentType: f.contentType };
    },
  },
  {
    kind: 'incident_ledger', name: '系统事件台账', cadence: 'month',
    generate: async (ctx, actor, month) => {
      const f = await exportLedger(contextOf(ctx), actor, { ...monthDays(month), format: 'docx' });
      return { body: f.body, fileName: `系统事件台账-${month}.docx`, contentType: f.contentType };
    },
  },
  {
    kind: 'vulnerability_report', name: '安全漏洞处置报告', cadence: 'month',
    generate: async (ctx, _actor, month) => {
      const { from, to } = monthDays(month);
      return { body: await vulnerabilityReportDocx(ctx, from, to), fileName: `安全漏洞处置报告-${month}.docx`, contentType: DOCX_TYPE };
    },
  },
  {
    kind: 'vulnerability_report_weekly', name: '安全漏洞处置报告（周）', cadence: 'week',
    generate: async (ctx, _actor, week) => {
      const p = parseWeek(week);
      return { body: await vulnerabilityReportDocx(ctx, p.from, p.to), fileName: `安全漏洞处置报告-${week}.docx`, contentType: DOCX_TYPE };
    },
  },
  { kind: 'monthly', name: '运维月报', cadence: 'month', generate: workReport('monthly') },
  { kind: 'weekly', name: '运维周报', cadence: 'week', generate: workReport('weekly') },
];

const kindOf = (kind: string) => SCHEDULABLE.find((k) => k.kind === kind);

export interface ScheduleView {
  kind: string;
  kindName: string;
  cadence: Cadence;
  /** null: no schedule configured for this kind. */
  workingDay: number | null;
  channelIds: number[];
  enabled: boolean;
  updatedBy: string | null;
  updatedAt: string | null;
  /** The newest archived document of this kind (null: none yet). */
  last: { period: string; generatedAt: string; archiveId: number } | null;
}

/** Every schedulable kind with its schedule (or none), and the channels one may choose. */
export async function listSchedules(root: AppContext): Promise<{ items: ScheduleView[]; channels: { id: number; name: string; type: string; enabled: boolean }[] }> {
  const ctx = healthContext(root);
  const rows = await ctx.db.selectFrom('health_report_schedules').selectAll().execute();
  const archive = await ctx.db.selectFrom('health_report_archive').select(['id', 'kind', 'period', 'generated_at']).orderBy('generated_at', 'desc').orderBy('id', 'desc').execute();
  const channels = await ctx.db.selectFrom('notification_channels').select(['id', 'name', 'type', 'enabled']).orderBy('id').execute();
  return {
    items: SCHEDULABLE.map((k) => {
      const r = rows.find((x) => x.kind === k.kind);
      const a = archive.find((x) => x.kind === k.kind);
      return {
        kind: k.kind, kindName: k.name, cadence: k.cadence, workingDay: r?.working_day ?? null, channelIds: (r?.channel_ids ?? []).map(Number), enabled: r?.enabled ?? false,
        updatedBy: r?.updated_by ?? null, updatedAt: r?.updated_at.toISOString() ?? null,
        last: a ? { period: a.period, generatedAt: a.generated_at.toISOString(), archiveId: Number(a.id) } : null,
      };
    }),
    channels: channels.map((c) => ({ id: Number(c.id), name: c.name, type: c.type, enabled: c.enabled })),
  };
}

/** Sets (or replaces) the schedule of a kind; audited. */
export async function putSchedule(root: AppContext, actor: Actor, kind: string, input: { workingDay: number; channelIds: number[]; enabled?: boolean }): Promise<ScheduleView> {
  const ctx = healthContext(root);
  const k = kindOf(kind);
  if (!k) throw badRequest('INVALID_KIND', `不能定时生成的报告种类 / not a schedulable report kind: ${kind.slice(0, 40)}; one of ${SCHEDULABLE.map((x) => x.kind).join(', ')}`);
  const max = k.cadence === 'week' ? 7 : 23;
  if (!Number.isInteger(input.workingDay) || input.workingDay < 1 || input.workingDay > max) {
    throw badRequest('INVALID_WORKING_DAY', `workingDay 须为 1–${max} / workingDay: 1–${max} for a ${k.cadence}`);
  }
  const ids = [...new Set(input.channelIds)].sort((a, b) => a - b);
  if (ids.length) {
    const known = await ctx.db.selectFrom('notification_channels').select('id').where('id', 'in', ids).execute();
    const missing = ids.filter((id) => !known.some((c) => Number(c.id) === id));
    if (missing.length) throw badRequest('UNKNOWN_CHANNEL', `没有这些通知渠道 / no such notification channels: ${missing.join(', ')}`);
  }
  const now = ctx.clock.now();
  const values = { working_day: input.workingDay, channel_ids: ids, enabled: input.enabled ?? true, updated_by: actor.username, updated_at: now };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('health_report_schedules').values({ kind, ...values }).onConflict((oc) => oc.column('kind').doUpdateSet(values)).execute();
    await audit(ctx, trx, actor, { action: 'report_schedule.update', targetType: 'report_schedule', targetId: kind, detail: { workingDay: input.workingDay, channelIds: ids, enabled: values.enabled } });
  });
  return (await listSchedules(root)).items.find((s) => s.kind === kind)!;
}

export async function deleteSchedule(root: AppContext, actor: Actor, kind: string): Promise<void> {
  const ctx = healthContext(root);
  await ctx.db.transaction().execute(async (trx) => {
    const gone = await trx.deleteFrom('health_report_schedules').where('kind', '=', kind).returning('kind').executeTakeFirst();
    if (!gone) throw notFound(`报告定时 / report schedule ${kind.slice(0, 40)}`);
    await audit(ctx, trx, actor, { action: 'report_schedule.delete', targetType: 'report_schedule', targetId: kind });
  });
}

export interface ScheduleRunResult {
  generated: { kind: string; period: string; archiveId: number; channels: number }[];
  failed: { kind: string; period: string; error: string }[];
}

/**
 * The job: for each enabled schedule whose day has come, the report of the period just ended,
 * unless it is archived already. A report that fails is recorded in the result and the job
 * fails (health_job_state) after the others were tried; it is tried again at the next run.
 */
export async function runReportSchedules(root: AppContext): Promise<ScheduleRunResult> {
  const ctx = healthContext(root);
  const now = ctx.clock.now();
  const actor = systemActor(REPORT_SCHEDULE_JOB);
  const result: ScheduleRunResult = { generated: [], failed: [] };
  const schedules = await ctx.db.selectFrom('health_report_schedules').selectAll().where('enabled', '=', true).orderBy('kind').execute();
  for (const s of schedules) {
    const k = kindOf(s.kind);
    const due = k ? dueReport(now, k.cadence, s.working_day) : null;
    if (!k || !due) continue;
    const exists = await ctx.db.selectFrom('health_report_archive').select('id').where('kind', '=', s.kind).where('period', '=', due.period).executeTakeFirst();
    if (exists) continue;
    try {
      const file = await k.generate(root, actor, due.period);
      const archived = await archive(ctx, s.kind, due.period, `${k.name} ${due.period}`, file, (s.channel_ids ?? []).map(Number));
      if (archived) result.generated.push({ kind: s.kind, period: due.period, archiveId: archived.id, channels: archived.channels });
    } catch (err) {
      result.failed.push({ kind: s.kind, period: due.period, error: ((err as Error)?.message ?? String(err)).slice(0, 500) });
    }
  }
  if (result.failed.length) throw new Error(`定时报告生成失败：${result.failed.map((f) => `${f.kind} ${f.period}：${f.error}`).join('；')}`);
  return result;
}

/** Archives one document and queues its notice, in one transaction; null when another run archived it first. */
async function archive(ctx: HealthContext, kind: string, period: string, title: string, file: GeneratedFile, channelIds: number[]): Promise<{ id: number; channels: number } | null> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx.insertInto('health_report_archive').values({
      kind, period, title, file_name: file.fileName, content_type: file.contentType, content: file.body, bytes: file.body.length,
      sha256: createHash('sha256').update(file.body).digest('hex'), generated_by: REPORT_SCHEDULE_JOB, generated_at: now, sent_to: channelIds,
    }).onConflict((oc) => oc.columns(['kind', 'period']).doNothing()).returning('id').executeTakeFirst();
    if (!row) return null;
    const id = Number(row.id);
    const sizeKb = Math.max(1, Math.round(file.body.length / 1024));
    const notificationId = await recordNotice(ctx, trx, {
      kind: 'health.report.scheduled', severity: 'info',
      title: `《${title}》已生成`,
      body: `定时生成的《${title}》（${file.fileName}，${sizeKb} KB）已归档到报告中心，请在控制台「巡检与报告 → 报告中心」查看或下载。`,
      en: { title: `Report generated: ${title}`, body: `The scheduled report ${file.fileName} (${sizeKb} KB) is archived in the report centre (巡检与报告 → 报告中心).` },
      link: `/inspections?tab=centre&archive=${id}`,
      audience: { permission: 'registry:read' },
      channelIds,
    });
    await trx.updateTable('health_report_archive').set({ notification_id: notificationId }).where('id', '=', id).execute();
    await audit(ctx, trx, systemActor(REPORT_SCHEDULE_JOB), { action: 'report_schedule.generate', targetType: 'report_archive', targetId: String(id), detail: { kind, period, bytes: file.body.length, channelIds } });
    return { id, channels: channelIds.length };
  });
}

/**
 * Who may see an archived document of `kind`: city-wide documents, so never district users;
 * the vulnerability reports need ops (as their on-demand route); the others registry:read.
 */
export function archiveVisible(actor: Actor, kind: string): boolean {
  if (actor.districtCode !== null) return false;
  return kind.startsWith('vulnerability_report') ? can(actor, 'ops') : can(actor, 'registry:read');
}

/** The archived documents `actor` may see, for the report centre. */
export async function archivedCatalogue(root: AppContext, actor: Actor): Promise<CatalogueEntry[]> {
  const ctx = healthContext(root);
  const rows = await ctx.db.selectFrom('health_report_archive').select(['id', 'kind', 'period', 'title', 'generated_by', 'generated_at'])
    .orderBy('generated_at', 'desc').orderBy('id', 'desc').limit(1000).execute();
  return rows.filter((r) => archiveVisible(actor, r.kind)).map((r) => ({
    kind: r.kind, kindName: kindOf(r.kind)?.name ?? r.kind, title: r.title, period: r.period, version: null, state: 'generated',
    generatedBy: r.generated_by, generatedAt: r.generated_at, approvedBy: null, downloadPath: `/api/v1/report-centre/archive/${r.id}`, formats: ['docx'], districtCode: null,
  }));
}

/** One archived document (the report centre's download); 404 when it is not there or not for this reader. */
export async function archivedDocument(root: AppContext, actor: Actor, id: number): Promise<{ body: Buffer; fileName: string; contentType: string; kind: string }> {
  const ctx = healthContext(root);
  const row = await ctx.db.selectFrom('health_report_archive').select(['content', 'file_name', 'content_type', 'kind']).where('id', '=', id).executeTakeFirst();
  if (!row || !archiveVisible(actor, row.kind)) throw notFound('归档报告 / archived report');
  return { body: Buffer.from(row.content), fileName: row.file_name, contentType: row.content_type, kind: row.kind };
}
