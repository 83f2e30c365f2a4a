import type { Actor } from '../../platform/auth/permissions.js';
import { formatShanghai } from '../../platform/time.js';
import { audit, contextOf, type AppContext } from '../../platform/context.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import { readContext } from '../../platform/read-db.js';
import { incidentKpis } from '../incidents/index.js';
import { currentCoverage } from '../onboarding/index.js';
import { securitySummary, type SecuritySummary } from '../security/index.js';
import { ticketKpis, type KpiReport } from '../tickets/index.js';
import type { ReportDocument } from './document.js';
import { STATUS_ZH } from './inspection-report.js';
import { parsePeriod, type ReportKind, type ReportPeriod } from './period.js';
import { healthContext } from './repo.js';
import type { PlatformAlertKind } from './tables.js';
import { ALERT_KIND_NAMES } from './watch.js';

/*
 * Weekly and monthly work reports (周报/月报, docs/巡检与报告.md §5), built from the ledgers for
 * a Shanghai ISO week or month. The work-order figures are the tickets module's own KPIs
 * (ticketKpis, the function behind GET /api/v1/tickets/kpis) for the same days, so the report and
 * the API can never disagree. A generated report is stored with its figures frozen (a new
 * generation of the same period is a new version) and goes draft → submitted → approved, or back
 * (returned, with comments) to be generated again; an approved one never changes.
 */

const KPI_FIGURES = ['total', 'closed', 'closureRate', 'resolved', 'onTime', 'onTimeRate', 'avgHandlingMinutes', 'reopened', 'reopenRate', 'open'] as const;

export interface WorkReportContent {
  kind: ReportKind;
  period: string;
  label: string;
  from: string;
  to: string;
  tickets: Pick<KpiReport, (typeof KPI_FIGURES)[number] | 'cancelled' | 'merged'>;
  ticketsByChannel: { key: string | null; label: string; total: number; closed: number }[];
  topCategories: { key: string | null; label: string; total: number }[];
  incidents: {
    total: number;
    open: number;
    bySeverity: { '1': number; '2': number; '3': number };
    meanTimeToAcknowledgeMinutes: number | null;
    meanTimeToRestoreMinutes: number | null;
    responseOnTimeRate: number | null;
    restoreOnTimeRate: number | null;
    feedbackOnTimeRate: number | null;
  };
  sync: { alertsOpened: number; alertsResolved: number; openNow: number };
  onboarding: { districts: { code: string; name: string; connectedLots: number; pendingEntries: number; coveragePercent: number | null }[]; coveragePercent: number | null; connectedLots: number; pendingEntries: number };
  inspections: { id: number; createdAt: string; ok: number; warn: number; fail: number }[];
  platformAlerts: { kind: string; subject: string; openedAt: string; state: string }[];
  /** 安全运维 when the report was generated (security's summary, GET /api/v1/security/summary); absent in reports made before it was added. */
  security?: SecuritySummary;
}

const countOf = async (q: { executeTakeFirst(): Promise<{ n: number | string } | undefined> }) => Number((await q.executeTakeFirst())?.n ?? 0);

export async function buildWorkReport(writeRoot: AppContext, actor: Actor, p: ReportPeriod): Promise<WorkReportContent> {
  // The period's figures are read from the replica when there is one (src/platform/read-db.ts):
  // the report is built first and stored after, in a transaction of its own on the primary.
  const root = readContext(writeRoot);
  const ctx = healthContext(root);
  const range = { from: p.from, to: p.to };
  const kpi = await ticketKpis(contextOf(root), actor, range);
  const byChannel = await ticketKpis(contextOf(root), actor, { ...range, groupBy: 'channel' });
  const byCategory = await ticketKpis(contextOf(root), actor, { ...range, groupBy: 'category' });
  const inc = await incidentKpis(contextOf(root), actor, range);
  const coverage = await currentCoverage(contextOf(root), actor);
  const alertsOpened = await countOf(ctx.db.selectFrom('monitoring_alerts').select((eb) => eb.fn.countAll<number>().as('n')).where('opened_at', '>=', p.start).where('opened_at', '<', p.end));
  const alertsResolved = await countOf(ctx.db.selectFrom('monitoring_alerts').select((eb) => eb.fn.countAll<number>().as('n')).where('resolved_at', '>=', p.start).where('resolved_at', '<', p.end));
  const openNow = await countOf(ctx.db.selectFrom('monitoring_alerts').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '<>', 'resolved'));
  const inspections = await ctx.db.selectFrom('health_inspections').select(['id', 'created_at']).where('created_at', '>=', p.start).where('created_at', '<', p.end).orderBy('id').execute();
  const items = inspections.length
    ? await ctx.db.selectFrom('health_inspection_items').select(['inspection_id', 'status']).where('inspection_id', 'in', inspections.map((i) => i.id)).execute()
    : [];
  const alerts = await ctx.db.selectFrom('health_alerts').select(['kind', 'subject', 'opened_at', 'state']).where('opened_at', '>=', p.start).where('opened_at', '<', p.end).orderBy('id').execute();
  const rate = (r: { rate: number | null }) => r.rate;
  const security = await securitySummary(root);
  return {
    kind: p.kind,
    period: p.period,
    label: p.label,
    from: p.from,
    to: p.to,
    tickets: { ...Object.fromEntries(KPI_FIGURES.map((k) => [k, kpi[k]])), cancelled: kpi.cancelled, merged: kpi.merged } as WorkReportContent['tickets'],
    ticketsByChannel: byChannel.groups.map((g) => ({ key: g.key, label: g.label, total: g.total, closed: g.closed })),
    topCategories: byCategory.groups.filter((g) => g.total > 0).sort((a, b) => b.total - a.total).slice(0, 5).map((g) => ({ key: g.key, label: g.label, total: g.total })),
    incidents: {
      total: inc.total, open: inc.open, bySeverity: inc.bySeverity,
      meanTimeToAcknowledgeMinutes: inc.meanTimeToAcknowledgeMinutes, meanTimeToRestoreMinutes: inc.meanTimeToRestoreMinutes,
      responseOnTimeRate: rate(inc.sla.response), restoreOnTimeRate: rate(inc.sla.restore), feedbackOnTimeRate: rate(inc.sla.feedback),
    },
    sync: { alertsOpened, alertsResolved, openNow },
    onboarding: {
      districts: coverage.items.map((d) => ({ code: d.districtCode, name: d.districtName, connectedLots: d.connectedLots, pendingEntries: d.pendingEntries, coveragePercent: d.coveragePercent })),
      coveragePercent: coverage.total.coveragePercent, connectedLots: coverage.total.connectedLots, pendingEntries: coverage.total.pendingEntries,
    },
    inspections: inspections.map((i) => {
      const of = (s: string) => items.filter((it) => it.inspection_id === i.id && it.status === s).length;
      return { id: i.id, createdAt: i.created_at.toISOString(), ok: of('ok'), warn: of('warn'), fail: of('fail') };
    }),
    platformAlerts: alerts.map((a) => ({ kind: a.kind, subject: a.subject, openedAt: a.opened_at.toISOString(), state: a.state })),
    security,
  };
}

const REVIEW_STATE_ZH = { not_opened: '尚未开启', open: '进行中', signed_off: '已签署' } as const;

/** The 安全运维 paragraph: the figures of the security module's summary, as the console's 概要 tab shows them. */
function securityParagraphs(s: SecuritySummary): string[] {
  const v = s.vulnerabilities;
  const b = s.backups;
  const r = s.reviews;
  return [
    `未结束的严重漏洞 ${v.openCritical} 个、高危漏洞 ${v.openHigh} 个；超期未提交修复计划 ${v.overdue} 个（其中严重、高危 ${v.overdueHighCritical} 个）。`,
    b.lastVerifiedAt
      ? `最近一次通过恢复测试的备份为 #${b.lastVerifiedBackupId}，测试完成于 ${formatShanghai(new Date(b.lastVerifiedAt))}（距报告生成 ${b.lastVerifiedAgeHours} 小时）。`
      : '尚无通过恢复测试的备份。',
    `${r.quarter} 季度权限审查${REVIEW_STATE_ZH[r.currentState as keyof typeof REVIEW_STATE_ZH] ?? r.currentState}`
      + `${r.lastSignedOffAt ? `；最近一次签署于 ${formatShanghai(new Date(r.lastSignedOffAt))}` : '；尚无已签署的审查'}。`,
  ];
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null) => (x === null ? '—' : String(x));

export function workReportDocument(c: WorkReportContent, text: { problems: string; nextPlan: string; version?: number; state?: string }): ReportDocument {
  const t = c.tickets;
  const name = c.kind === 'weekly' ? '运维周报' : '运维月报';
  return {
    title: `南通市智慧停车平台${name}`,
    subtitle: `${c.label}（${c.from} 至 ${c.to}）${text.version ? ` · 第 ${text.version} 版` : ''}${text.state ? ` · ${STATE_ZH[text.state as keyof typeof STATE_ZH] ?? text.state}` : ''}`,
    sections: [
      {
        heading: '一、工单',
        paragraphs: [
          `本期受理工单 ${t.total} 件，已办结（市民确认）${t.closed} 件，办结率 ${pct(t.closureRate)}；已处理 ${t.resolved} 件，按时处理率 ${pct(t.onTimeRate)}；平均处理时长 ${num(t.avgHandlingMinutes)} 分钟；重新打开 ${t.reopened} 件；在办 ${t.open} 件（不含撤销 ${t.cancelled} 件、合并 ${t.merged} 件）。`,
          c.topCategories.length ? `主要问题类别：${c.topCategories.map((g) => `${g.label} ${g.total} 件`).join('，')}。` : '本期无工单。',
        ],
        ...(c.ticketsByChannel.length ? {
          chart: {
            title: '工单按受理渠道（件）', categories: c.ticketsByChannel.map((g) => g.label),
            series: [{ name: '受理', data: c.ticketsByChannel.map((g) => g.total), color: '#409eff' }, { name: '办结', data: c.ticketsByChannel.map((g) => g.closed), color: '#67c23a' }],
          },
        } : {}),
        table: { name: '工单按渠道', headers: ['受理渠道', '受理', '办结'], rows: c.ticketsByChannel.map((g) => [g.label, String(g.total), String(g.closed)]) },
      },
      {
        heading: '二、系统事件',
        paragraphs: [`本期系统事件 ${c.incidents.total} 起（一级 ${c.incidents.bySeverity['1']}，二级 ${c.incidents.bySeverity['2']}，三级 ${c.incidents.bySeverity['3']}），未关闭 ${c.incidents.open} 起；平均响应 ${num(c.incidents.meanTimeToAcknowledgeMinutes)} 分钟，平均恢复 ${num(c.incidents.meanTimeToRestoreMinutes)} 分钟；响应按时率 ${pct(c.incidents.responseOnTimeRate)}，恢复按时率 ${pct(c.incidents.restoreOnTimeRate)}，反馈按时率 ${pct(c.incidents.feedbackOnTimeRate)}。`],
        chart: {
          title: '系统事件按等级（起）', categories: ['一级', '二级', '三级'],
          series: [{ name: '事件', data: [c.incidents.bySeverity['1'], c.incidents.bySeverity['2'], c.incidents.bySeverity['3']], color: '#f56c6c' }],
        },
      },
      {
        heading: '三、数据同步',
        paragraphs: [`本期新开同步告警 ${c.sync.alertsOpened} 个，解除 ${c.sync.alertsResolved} 个；当前未关闭 ${c.sync.openNow} 个。`],
      },
      {
        heading: '四、县市区接入进展',
        paragraphs: [`已接入停车场 ${c.onboarding.connectedLots} 个，待接入登记 ${c.onboarding.pendingEntries} 项，泊位覆盖率 ${c.onboarding.coveragePercent === null ? '—' : `${c.onboarding.coveragePercent}%`}。`],
        table: { name: '接入进展', headers: ['县市区', '已接入停车场', '待接入', '覆盖率'], rows: c.onboarding.districts.map((d) => [d.name, String(d.connectedLots), String(d.pendingEntries), d.coveragePercent === null ? '—' : `${d.coveragePercent}%`]) },
      },
      {
        heading: '五、巡检与平台告警',
        paragraphs: [
          c.inspections.length ? `本期巡检 ${c.inspections.length} 次：${c.inspections.map((i) => `#${i.id} 正常 ${i.ok}、${STATUS_ZH.warn} ${i.warn}、${STATUS_ZH.fail} ${i.fail}`).join('；')}。` : '本期未巡检。',
          c.platformAlerts.length ? `平台告警 ${c.platformAlerts.length} 个：${c.platformAlerts.map((a) => `${a.subject}（${ALERT_KIND_NAMES[a.kind as PlatformAlertKind] ?? a.kind}）`).join('、')}。` : '本期无平台告警。',
        ],
      },
      ...(c.security ? [{ heading: '六、安全运维', paragraphs: securityParagraphs(c.security) }] : []),
      { heading: `${c.security ? '七' : '六'}、遗留问题`, paragraphs: (text.problems || '无。').split('\n') },
      { heading: `${c.security ? '八' : '七'}、${c.kind === 'weekly' ? '下周' : '下月'}工作计划`, paragraphs: (text.nextPlan || '（待填写）').split('\n') },
    ],
  };
}

export const STATE_ZH = { draft: '草稿', submitted: '已提交审核', approved: '已审核认可', returned: '已退回' } as const;

export interface WorkReport {
  id: number;
  kind: ReportKind;
  period: string;
  version: number;
  state: 'draft' | 'submitted' | 'approved' | 'returned';
  problems: string;
  nextPlan: string;
  generatedBy: string;
  generatedAt: string;
  submittedBy: string | null;
  submittedAt: string | null;
  reviewedBy: string | null;
  reviewedAt: string | null;
  reviewComment: string | null;
  content: WorkReportContent;
}

type Row = Awaited<ReturnType<typeof loadRow>>;
async function loadRow(root: AppContext, id: number) {
  const row = await healthContext(root).db.selectFrom('health_work_reports').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`报告 ${id} / report ${id}`);
  return row;
}

const view = (r: Row): WorkReport => ({
  id: r.id, kind: r.kind, period: r.period, version: r.version, state: r.state, problems: r.problems, nextPlan: r.next_plan,
  generatedBy: r.generated_by, generatedAt: r.generated_at.toISOString(),
  submittedBy: r.submitted_by, submittedAt: r.submitted_at?.toISOString() ?? null,
  reviewedBy: r.reviewed_by, reviewedAt: r.reviewed_at?.toISOString() ?? null, reviewComment: r.review_comment,
  content: r.content as unknown as WorkReportContent,
});

/** Generates the report of a period and stores it as the period's next version (draft). */
export async function generateWorkReport(root: AppContext, actor: Actor, input: { kind: string; period: string; problems?: string; nextPlan?: string }): Promise<WorkReport> {
  const ctx = healthContext(root);
  const p = parsePeriod(input.kind, input.period);
  const content = await buildWorkReport(root, actor, p);
  const now = ctx.clock.now();
  const id = await ctx.db.transaction().execute(async (trx) => {
    const last = await trx.selectFrom('health_work_reports').select(['version', 'problems', 'next_plan']).where('kind', '=', p.kind).where('period', '=', p.period).orderBy('version', 'desc').limit(1).executeTakeFirst();
    const row = await trx.insertInto('health_work_reports').values({
      kind: p.kind, period: p.period, version: (last?.version ?? 0) + 1, content: JSON.stringify(content),
      problems: input.problems ?? last?.problems ?? '', next_plan: input.nextPlan ?? last?.next_plan ?? '',
      generated_by: actor.username, generated_at: now,
    }).returning('id').executeTakeFirstOrThrow();
    await audit(ctx, trx, actor, { action: 'work_report.generate', targetType: 'work_report', targetId: String(row.id), detail: { kind: p.kind, period: p.period, version: (last?.version ?? 0) + 1 } });
    return row.id;
  });
  return view(await loadRow(root, id));
}

export async function getWorkReport(root: AppContext, id: number): Promise<WorkReport> {
  return view(await loadRow(root, id));
}

export async function listWorkReports(root: AppContext, q: { kind?: string; limit?: number; offset?: number }): Promise<{ items: Omit<WorkReport, 'content'>[]; total: number }> {
  const db = healthContext(root).db;
  if (q.kind !== undefined && q.kind !== 'weekly' && q.kind !== 'monthly') throw badRequest('INVALID_KIND', 'kind 须为 weekly | monthly / kind: weekly or monthly');
  const base = db.selectFrom('health_work_reports').$if(q.kind !== undefined, (qb) => qb.where('kind', '=', q.kind as ReportKind));
  const rows = await base.selectAll().orderBy('id', 'desc').limit(q.limit ?? 50).offset(q.offset ?? 0).execute();
  const total = await countOf(base.select((eb) => eb.fn.countAll<number>().as('n')));
  return { items: rows.map((r) => { const { content: _c, ...rest } = view(r); void _c; return rest; }), total };
}

/** Editable text of a draft or returned report. */
export async function editWorkReport(root: AppContext, actor: Actor, id: number, input: { problems?: string; nextPlan?: string }): Promise<WorkReport> {
  return changeState(root, actor, id, 'edit', input);
}

export const REPORT_ACTIONS = ['submit', 'approve', 'return'] as const;
export type ReportAction = (typeof REPORT_ACTIONS)[number];

/** The review flow: draft/returned → submitted (ops); submitted → approved | returned (the bureau: users:manage or registry:write without ops — see routes). */
export async function reviewWorkReport(root: AppContext, actor: Actor, id: number, action: string, comment?: string | null): Promise<WorkReport> {
  if (!(REPORT_ACTIONS as readonly string[]).includes(action)) throw badRequest('INVALID_ACTION', 'action 须为 submit | approve | return');
  if (action === 'return' && !comment?.trim()) throw badRequest('COMMENT_REQUIRED', '退回须填写意见 / a return needs a comment');
  return changeState(root, actor, id, action as ReportAction, { comment: comment ?? null });
}

const ALLOWED: Record<ReportAction | 'edit', readonly string[]> = { edit: ['draft', 'returned'], submit: ['draft', 'returned'], approve: ['submitted'], return: ['submitted'] };

async function changeState(root: AppContext, actor: Actor, id: number, action: ReportAction | 'edit', input: { problems?: string; nextPlan?: string; comment?: string | null }): Promise<WorkReport> {
  const ctx = healthContext(root);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('health_work_reports').select(['state']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw notFound(`报告 ${id} / report ${id}`);
    if (!ALLOWED[action].includes(row.state)) {
      throw conflict(row.state === 'approved' ? 'REPORT_FROZEN' : 'ILLEGAL_TRANSITION', `报告状态为 ${STATE_ZH[row.state]}，不能${action} / report is ${row.state}`);
    }
    const q = trx.updateTable('health_work_reports').where('id', '=', id);
    if (action === 'edit') await q.set({ ...(input.problems !== undefined ? { problems: input.problems } : {}), ...(input.nextPlan !== undefined ? { next_plan: input.nextPlan } : {}) }).execute();
    if (action === 'submit') await q.set({ state: 'submitted', submitted_by: actor.username, submitted_at: now }).execute();
    if (action === 'approve') await q.set({ state: 'approved', reviewed_by: actor.username, reviewed_at: now, review_comment: input.comment ?? null }).execute();
    if (action === 'return') await q.set({ state: 'returned', reviewed_by: actor.username, reviewed_at: now, review_comment: input.comment ?? null }).execute();
    await audit(ctx, trx, actor, { action: `work_report.${action}`, targetType: 'work_report', targetId: String(id), detail: { from: row.state, comment: input.comment ?? null } });
  });
  return getWorkReport(root, id);
}
