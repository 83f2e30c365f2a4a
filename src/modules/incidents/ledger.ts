import type { Actor } from '../../platform/auth/permissions.js';
import { badRequest } from '../../platform/errors.js';
import { readContext } from '../../platform/read-db.js';
import { formatShanghai, shanghaiDay } from '../../platform/time.js';
import { listDistricts } from '../registry/index.js';
import { listSlaForSubjects, type SlaItem } from '../sla/index.js';
import { ledgerDocx } from './ledger-docx.js';
import { ledgerXlsx } from './ledger-xlsx.js';
import { allIncidents, periodBounds, type IncidentFilters } from './query.js';
import { type IncidentRow, type IncidentsContext } from './repo.js';
import { actionOverdue } from './view.js';
import {
  ACTION_TYPE_NAMES, CHANNEL_NAMES, type ActionState, MODULE_NAMES, ROOT_CAUSE_NAMES, SEVERITY_NAMES, SOURCE_NAMES, STATE_NAMES,
} from './vocab.js';
import { DOCX_TYPE, XLSX_TYPE } from '../../platform/http/download.js';

/*
 * 《系统事件台账》: one row per incident in the columns the city's ledger uses. The issue names
 * 发生时间、影响范围、处理过程、恢复时间、原因分析 and the feedback; we add 事件名称 and 发现时间
 * so that a printed row reads on its own. Cells are Chinese only (the ledger is filed in Chinese).
 */

export const LEDGER_TITLE = '系统事件台账';
export const LEDGER_HEADERS = [
  '序号', '事件编号', '事件名称', '发生时间', '发现时间', '发现方式', '事件等级', '影响范围',
  '处理过程', '恢复时间', '处置时长', '原因分析', '后续措施', '反馈情况', '状态',
] as const;

export interface Ledger {
  title: string;
  subtitle: string;
  headers: readonly string[];
  rows: string[][];
}

const hm = (d: Date) => formatShanghai(d).slice(5, 16);
const zhOnly = (text: string) => text.replace(/\s\/\s[\x20-\x7E]+$/, '');

export function durationText(minutes: number | null): string {
  if (minutes === null) return '';
  const m = Math.max(0, Math.round(minutes));
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const rest = m % 60;
  return [d ? `${d} 天` : '', h ? `${h} 小时` : '', rest || (!d && !h) ? `${rest} 分钟` : ''].filter(Boolean).join(' ');
}

interface Related {
  timeline: { at: Date; kind: string; text: string; actor: string }[];
  actions: { type: string; description: string; owner: string; planned_date: string; state: ActionState; completed_at: Date | null; waive_reason: string | null }[];
  feedback: { given_at: Date; channel: string; recipient: string | null; note: string; sla_kinds: string[] }[];
  sla: SlaItem[];
}

function scopeCell(r: IncidentRow, districtName: (code: string) => string): string {
  return [
    r.scope_description,
    r.scope_modules.length ? `模块：${r.scope_modules.map((m) => MODULE_NAMES[m]?.zh ?? m).join('、')}` : null,
    r.scope_districts.length ? `区域：${r.scope_districts.map(districtName).join('、')}` : '区域：全市',
    r.scope_lots.length ? `停车场：${r.scope_lots.slice(0, 20).join('、')}${r.scope_lots.length > 20 ? ` 等 ${r.scope_lots.length} 个` : ''}` : null,
    r.affected_users !== null || r.affected_users_note ? `用户：${[r.affected_users !== null ? `约 ${r.affected_users} 人` : null, r.affected_users_note].filter(Boolean).join('，')}` : null,
  ].filter(Boolean).join('\n');
}

function feedbackCell(rel: Related): string {
  const lines = rel.feedback.map((f) => {
    const stage = f.sla_kinds.includes('feedback') ? '恢复后反馈' : f.sla_kinds.includes('followup_feedback') ? '整改后反馈' : '进展通报';
    const late = rel.sla.some((i) => f.sla_kinds.includes(i.kind) && i.metAt?.getTime() === f.given_at.getTime() && i.late);
    return `${hm(f.given_at)} ${stage}（${CHANNEL_NAMES[f.channel as keyof typeof CHANNEL_NAMES]?.zh ?? f.channel}${f.recipient ? `，${f.recipient}` : ''}${f.sla_kinds.length ? (late ? '，超时' : '，按时') : ''}）：${f.note}`;
  });
  for (const i of rel.sla) {
    if ((i.kind === 'feedback' || i.kind === 'followup_feedback') && ['running', 'paused', 'breached'].includes(i.state)) {
      lines.push(`待${i.kind === 'feedback' ? '恢复后' : '整改后'}反馈（时限 ${i.dueAt ? hm(i.dueAt) : '—'}${i.late ? '，已超时' : ''}）`);
    }
  }
  return lines.join('\n');
}

function actionsCell(rel: Related, now: Date): string {
  return rel.actions.map((a, n) => {
    const state = a.state === 'done'
      ? `已完成 ${a.completed_at ? shanghaiDay(a.completed_at) : ''}${actionOverdue(a, now) ? '（逾期完成）' : ''}`
      : a.state === 'waived' ? `已豁免：${a.waive_reason ?? ''}` : actionOverdue(a, now) ? '已逾期' : '进行中';
    return `${n + 1}. [${ACTION_TYPE_NAMES[a.type as keyof typeof ACTION_TYPE_NAMES]?.zh ?? a.type}] ${a.description}（负责人 ${a.owner}，计划 ${a.planned_date}，${state}）`;
  }).join('\n');
}

function processCell(rel: Related): string {
  return rel.timeline
    .filter((t) => t.kind !== 'update' && t.kind !== 'link')
    .map((t) => `${hm(t.at)} ${t.kind === 'note' ? t.text : zhOnly(t.text)}（${t.actor}）`)
    .join('\n');
}

export function ledgerRow(n: number, r: IncidentRow, rel: Related, districtName: (code: string) => string, now: Date): string[] {
  const rootCause = r.root_cause ? `${r.root_cause_category ? `[${ROOT_CAUSE_NAMES[r.root_cause_category].zh}] ` : ''}${r.root_cause}` : '';
  return [
    String(n),
    r.code,
    r.title,
    formatShanghai(r.occurred_at),
    formatShanghai(r.detected_at),
    `${SOURCE_NAMES[r.detection_source].zh}${r.reporter ? `（${zhOnly(r.reporter)}）` : ''}`,
    SEVERITY_NAMES[r.severity].zh,
    scopeCell(r, districtName),
    processCell(rel),
    r.recovered_at ? formatShanghai(r.recovered_at) : '',
    r.recovered_at ? durationText((r.recovered_at.getTime() - r.detected_at.getTime()) / 60_000) : '',
    rootCause,
    actionsCell(rel, now),
    feedbackCell(rel),
    STATE_NAMES[r.state].zh,
  ];
}

/** The rows of the ledger for the filters, in the actor's district scope. */
export async function buildLedger(writeCtx: IncidentsContext, actor: Actor, f: IncidentFilters): Promise<Ledger> {
  // Only reads: the replica when there is one (src/platform/read-db.ts).
  const ctx = readContext(writeCtx);
  const now = ctx.clock.now();
  const rows = await allIncidents(ctx, actor, f);
  const ids = rows.map((r) => r.id);
  const names = new Map((await listDistricts(ctx, actor)).map((d) => [d.code, d.name]));
  const districtName = (code: string) => names.get(code) ?? code;
  const [timeline, actions, feedback, sla] = ids.length
    ? [
      await ctx.db.selectFrom('incident_timeline').select(['incident_id', 'at', 'kind', 'text', 'actor']).where('incident_id', 'in', ids).orderBy('at').orderBy('id').execute(),
      await ctx.db.selectFrom('incident_actions').selectAll().where('incident_id', 'in', ids).orderBy('id').execute(),
      await ctx.db.selectFrom('incident_feedback').selectAll().where('incident_id', 'in', ids).orderBy('given_at').orderBy('id').execute(),
      await listSlaForSubjects(ctx, 'incident', ids),
    ]
    : [[], [], [], new Map<string, SlaItem[]>()];
  const out = rows.map((r, i) => ledgerRow(i + 1, r, {
    timeline: timeline.filter((t) => t.incident_id === r.id),
    actions: actions.filter((a) => a.incident_id === r.id),
    feedback: feedback.filter((x) => x.incident_id === r.id),
    sla: (sla.get(String(r.id)) ?? []).filter((s) => s.state !== 'cancelled'),
  }, districtName, now));
  const period = periodBounds(f.from, f.to);
  const range = period.from || period.to
    ? `发生时间 ${period.from ? formatShanghai(period.from).slice(0, 10) : '…'} 至 ${period.to ? formatShanghai(new Date(period.to.getTime() - 1)).slice(0, 10) : '…'}`
    : '全部';
  const scope = actor.districtCode ? `（${districtName(actor.districtCode)}）` : '';
  return { title: `${LEDGER_TITLE}${scope}`, subtitle: `${range}，共 ${out.length} 起；导出时间 ${formatShanghai(now)}`, headers: LEDGER_HEADERS, rows: out };
}

export { XLSX_TYPE, DOCX_TYPE };

export interface LedgerFile {
  body: Buffer;
  contentType: string;
  fileName: string;
  asciiName: string;
}

export async function exportLedger(ctx: IncidentsContext, actor: Actor, f: IncidentFilters & { format?: string }): Promise<LedgerFile> {
  const format = f.format?.trim() || 'xlsx';
  if (format !== 'xlsx' && format !== 'docx') throw badRequest('INVALID_FORMAT', 'format 须为 xlsx 或 docx / format: xlsx or docx');
  const ledger = await buildLedger(ctx, actor, f);
  const day = shanghaiDay(ctx.clock.now()).replaceAll('-', '');
  const body = format === 'xlsx' ? await ledgerXlsx(ledger) : await ledgerDocx(ledger);
  return {
    body,
    contentType: format === 'xlsx' ? XLSX_TYPE : DOCX_TYPE,
    fileName: `${LEDGER_TITLE}-${day}.${format}`,
    asciiName: `incident-ledger-${day}.${format}`,
  };
}
