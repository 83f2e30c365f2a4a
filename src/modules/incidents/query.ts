import type { Actor } from '../../platform/auth/permissions.js';
import { badRequest } from '../../platform/errors.js';
import { queryList } from '../../platform/query-list.js';
import { parseBusinessTime, shanghaiDay, shanghaiDayStart } from '../../platform/time.js';
import type { AppContext } from '../../platform/context.js';
import { listSlaForSubjects, type SlaItem } from '../sla/index.js';
import { visibleIncidents, type IncidentRow, type IncidentsContext, incidentsContext } from './repo.js';
import { actionOverdue, incidentSummaries, type IncidentSummary } from './view.js';
import { DETECTION_SOURCES, INCIDENT_STATES, SEVERITIES, type DetectionSource, type IncidentState, type Severity } from './vocab.js';

/** The ledger's list, its KPIs and the rows of its exports: one set of filters for all three. */

export interface IncidentFilters {
  /** One state or several, comma-separated. */
  state?: string;
  /** 1, 2, 3 or several, comma-separated. */
  severity?: string;
  detectionSource?: string;
  districtCode?: string;
  /** Occurrence time: a Shanghai date (as `to`: the whole day) or a time. */
  from?: string;
  to?: string;
  /** Contained in the code, title or description. */
  q?: string;
  /** 'true': not closed; 'false': closed. */
  open?: string;
  commander?: string;
}

function list<T extends string | number>(field: string, raw: string | undefined, allowed: readonly T[], parse: (v: string) => T): T[] | null {
  return queryList(field, raw, allowed.map(String))?.map(parse) ?? null;
}

/** [from, to) from Shanghai dates or times; `to` as a date includes that day. */
export function periodBounds(from: string | undefined, to: string | undefined): { from: Date | null; to: Date | null } {
  const at = (field: string, v: string | undefined, end: boolean): Date | null => {
    if (!v?.trim()) return null;
    const day = shanghaiDayStart(v.trim());
    if (day) return end ? new Date(day.getTime() + 86_400_000) : day;
    const t = parseBusinessTime(v.trim());
    if (!t) throw badRequest('INVALID_TIME', `${field} 须为日期 YYYY-MM-DD 或时间 / ${field}: a date YYYY-MM-DD or a time`);
    return t;
  };
  const out = { from: at('from', from, false), to: at('to', to, true) };
  if (out.from && out.to && out.to <= out.from) throw badRequest('INVALID_PERIOD', '结束须晚于开始 / to must be after from');
  return out;
}

export function filteredIncidents(anyCtx: AppContext, actor: Actor, f: IncidentFilters) {
  const ctx = incidentsContext(anyCtx);
  const states = list('state', f.state, INCIDENT_STATES, (v) => v as IncidentState);
  const severities = list('severity', f.severity, SEVERITIES, (v) => Number(v) as Severity);
  const sources = list('detectionSource', f.detectionSource, DETECTION_SOURCES, (v) => v as DetectionSource);
  const period = periodBounds(f.from, f.to);
  if (f.open !== undefined && f.open !== '' && f.open !== 'true' && f.open !== 'false') throw badRequest('INVALID_FILTER', 'open 须为 true 或 false / open: true or false');
  const like = f.q?.trim() ? `%${f.q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  return visibleIncidents(ctx.db, actor)
    .$if(states !== null, (q) => q.where('incidents.state', 'in', states!))
    .$if(severities !== null, (q) => q.where('incidents.severity', 'in', severities!))
    .$if(sources !== null, (q) => q.where('incidents.detection_source', 'in', sources!))
    .$if(!!f.districtCode?.trim(), (q) => q.where((eb) => eb(eb.val(f.districtCode!.trim()), '=', eb.fn.any('incidents.scope_districts'))))
    .$if(period.from !== null, (q) => q.where('incidents.occurred_at', '>=', period.from!))
    .$if(period.to !== null, (q) => q.where('incidents.occurred_at', '<', period.to!))
    .$if(f.open === 'true', (q) => q.where('incidents.state', '<>', 'closed'))
    .$if(f.open === 'false', (q) => q.where('incidents.state', '=', 'closed'))
    .$if(!!f.commander?.trim(), (q) => q.where('incidents.commander', '=', f.commander!.trim()))
    .$if(like !== null, (q) => q.where((eb) => eb.or([
      eb('incidents.code', 'ilike', like!), eb('incidents.title', 'ilike', like!), eb('incidents.description', 'ilike', like!),
    ])));
}

function pageArg(field: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > max) throw badRequest('INVALID_FILTER', `${field} 须为 0–${max} 的整数 / ${field}: a whole number 0–${max}`);
  return Number(raw);
}

export async function listIncidents(ctx: IncidentsContext, actor: Actor, f: IncidentFilters & { limit?: string; offset?: string }): Promise<{ items: IncidentSummary[]; total: number }> {
  const limit = Math.max(1, pageArg('limit', f.limit, 50, 500));
  const offset = pageArg('offset', f.offset, 0, 1_000_000);
  const base = filteredIncidents(ctx, actor, f);
  const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await base.selectAll('incidents').orderBy('incidents.occurred_at', 'desc').orderBy('incidents.id', 'desc').limit(limit).offset(offset).execute();
  return { items: await incidentSummaries(ctx, ctx.db, rows), total: Number(n) };
}

/** Every matching incident for an export, oldest first as a ledger reads; capped. */
export async function allIncidents(ctx: IncidentsContext, actor: Actor, f: IncidentFilters, cap = 10_000): Promise<IncidentRow[]> {
  return filteredIncidents(ctx, actor, f).selectAll('incidents').orderBy('incidents.occurred_at').orderBy('incidents.id').limit(cap).execute();
}

export interface SlaRate {
  /** Clocks decided: met (on time or late) or still running past due. */
  decided: number;
  onTime: number;
  late: number;
  /** Running and not yet due: not counted. */
  pending: number;
  /** onTime ÷ decided; null when nothing was decided. */
  rate: number | null;
}

export interface IncidentKpis {
  from: string;
  to: string;
  total: number;
  open: number;
  bySeverity: { '1': number; '2': number; '3': number };
  byState: Record<IncidentState, number>;
  bySource: Record<DetectionSource, number>;
  /** Mean minutes from detection to acknowledgement / to recovery; null without any. */
  meanTimeToAcknowledgeMinutes: number | null;
  meanTimeToRestoreMinutes: number | null;
  sla: { response: SlaRate; restore: SlaRate; feedback: SlaRate; followupFeedback: SlaRate };
  followUps: { total: number; open: number; overdue: number; done: number; waived: number };
}

const OPEN_SLA = new Set(['running', 'paused', 'breached']);

/** Late: breached on record, or still open past its due time (the minute job may not have run yet). */
function rate(items: SlaItem[], now: Date): SlaRate {
  const current = items.filter((i) => i.state !== 'cancelled');
  const isLate = (i: SlaItem) => i.late || (OPEN_SLA.has(i.state) && i.dueAt !== null && i.dueAt.getTime() < now.getTime());
  const late = current.filter(isLate).length;
  const onTime = current.filter((i) => i.state === 'met' && !i.late).length;
  const pending = current.length - late - onTime;
  const decided = late + onTime;
  return { decided, onTime, late, pending, rate: decided ? Math.round((onTime / decided) * 10_000) / 10_000 : null };
}

const mean = (values: number[]) => (values.length ? Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10 : null);

/**
 * The ledger's figures over incidents that occurred in the period (Shanghai dates, default the
 * current month to today), within the actor's district scope and the other filters.
 */
export async function incidentKpis(ctx: IncidentsContext, actor: Actor, f: IncidentFilters): Promise<IncidentKpis> {
  const now = ctx.clock.now();
  const today = shanghaiDay(now);
  const fromDay = f.from?.trim() || `${today.slice(0, 8)}01`;
  const toDay = f.to?.trim() || today;
  const rows = await filteredIncidents(ctx, actor, { ...f, from: fromDay, to: toDay }).selectAll('incidents').execute();
  const ids = rows.map((r) => r.id);
  const sla = ids.length ? await listSlaForSubjects(ctx, 'incident', ids) : new Map<string, SlaItem[]>();
  const allItems = [...sla.values()].flat();
  const ofKind = (kind: string) => allItems.filter((i) => i.kind === kind);
  const actions = ids.length
    ? await ctx.db.selectFrom('incident_actions').select(['state', 'planned_date', 'completed_at']).where('incident_id', 'in', ids).execute()
    : [];
  const count = <K extends string | number>(keys: readonly K[], of: (r: IncidentRow) => K) =>
    Object.fromEntries(keys.map((k) => [String(k), rows.filter((r) => of(r) === k).length]));
  const minutes = (a: Date, b: Date | null) => (b ? (b.getTime() - a.getTime()) / 60_000 : null);
  return {
    from: fromDay,
    to: toDay,
    total: rows.length,
    open: rows.filter((r) => r.state !== 'closed').length,
    bySeverity: count(SEVERITIES, (r) => r.severity) as IncidentKpis['bySeverity'],
    byState: count(INCIDENT_STATES, (r) => r.state) as IncidentKpis['byState'],
    bySource: count(DETECTION_SOURCES, (r) => r.detection_source) as IncidentKpis['bySource'],
    meanTimeToAcknowledgeMinutes: mean(rows.map((r) => minutes(r.detected_at, r.acknowledged_at)).filter((v): v is number => v !== null)),
    meanTimeToRestoreMinutes: mean(rows.map((r) => minutes(r.detected_at, r.recovered_at)).filter((v): v is number => v !== null)),
    sla: { response: rate(ofKind('response'), now), restore: rate(ofKind('restore'), now), feedback: rate(ofKind('feedback'), now), followupFeedback: rate(ofKind('followup_feedback'), now) },
    followUps: {
      total: actions.length,
      open: actions.filter((a) => a.state === 'open').length,
      overdue: actions.filter((a) => a.state === 'open' && actionOverdue(a, now)).length,
      done: actions.filter((a) => a.state === 'done').length,
      waived: actions.filter((a) => a.state === 'waived').length,
    },
  };
}
