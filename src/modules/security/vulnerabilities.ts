import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { AppError, badRequest, conflict, notFound } from '../../platform/errors.js';
import { queryList } from '../../platform/query-list.js';
import { parseBusinessTime, shanghaiDay, shanghaiDayStart } from '../../platform/time.js';
import { DEFAULT_PLAN_WORKING_DAYS, fixPlanDeadline, planWorkingDays, SEVERITIES, type Severity } from './deadlines.js';
import { allowedNext, canMove, FINAL_STATES, VULN_STATES, type VulnState } from './lifecycle.js';
import type { SecurityContext, SecurityDb, VulnRow } from './repo.js';

/*
 * The vulnerability register (漏洞台账, docs/security-operations.md). Every change is audited in
 * its own transaction together with a lifecycle event; reads are city-wide (security findings
 * belong to the platform, not to a district).
 */

export interface VulnEvent {
  at: string;
  actor: string;
  fromState: string | null;
  toState: string;
  note: string | null;
}

export interface VulnView {
  id: number;
  title: string;
  severity: Severity;
  state: VulnState;
  source: string | null;
  component: string | null;
  description: string | null;
  foundAt: string;
  /** The instant the fix plan is due: 17:30 Shanghai of the n-th working day after the day found. */
  fixPlanDueAt: string;
  /** Its Shanghai day, YYYY-MM-DD. */
  fixPlanDueDate: string;
  fixPlanWarnAt: string;
  planWorkingDays: number;
  /** Still without a plan (state found) and past fixPlanDueAt. */
  overdue: boolean;
  /** The plan came after fixPlanDueAt (null while none has come). */
  planLate: boolean | null;
  planText: string | null;
  plannedFixDate: string | null;
  planSubmittedAt: string | null;
  fixingAt: string | null;
  fixedAt: string | null;
  verifiedAt: string | null;
  verification: string | null;
  riskReason: string | null;
  riskApprover: string | null;
  riskExpiresAt: string | null;
  falsePositiveReason: string | null;
  closedAt: string | null;
  warnedAt: string | null;
  breachedAt: string | null;
  incidentRef: string | null;
  changeRef: string | null;
  lastSeenAt: string | null;
  nextStates: VulnState[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  history?: VulnEvent[];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function isOverdue(row: Pick<VulnRow, 'state' | 'fix_plan_due_at'>, now: Date): boolean {
  return row.state === 'found' && now.getTime() > row.fix_plan_due_at.getTime();
}

export function vulnView(row: VulnRow, now: Date): VulnView {
  return {
    id: Number(row.id),
    title: row.title,
    severity: row.severity,
    state: row.state,
    source: row.source,
    component: row.component,
    description: row.description,
    foundAt: row.found_at.toISOString(),
    fixPlanDueAt: row.fix_plan_due_at.toISOString(),
    fixPlanDueDate: shanghaiDay(row.fix_plan_due_at),
    fixPlanWarnAt: row.fix_plan_warn_at.toISOString(),
    planWorkingDays: row.plan_working_days,
    overdue: isOverdue(row, now),
    planLate: row.plan_submitted_at ? row.plan_submitted_at.getTime() > row.fix_plan_due_at.getTime() : null,
    planText: row.plan_text,
    plannedFixDate: row.planned_fix_date,
    planSubmittedAt: iso(row.plan_submitted_at),
    fixingAt: iso(row.fixing_at),
    fixedAt: iso(row.fixed_at),
    verifiedAt: iso(row.verified_at),
    verification: row.verification,
    riskReason: row.risk_reason,
    riskApprover: row.risk_approver,
    riskExpiresAt: iso(row.risk_expires_at),
    falsePositiveReason: row.false_positive_reason,
    closedAt: iso(row.closed_at),
    warnedAt: iso(row.warned_at),
    breachedAt: iso(row.breached_at),
    incidentRef: row.incident_ref,
    changeRef: row.change_ref,
    lastSeenAt: iso(row.last_seen_at),
    nextStates: [...allowedNext(row.state)],
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** An instant: ISO 8601, 'YYYY-MM-DD HH:mm:ss' (Shanghai), or a bare Shanghai day (its start). */
export function parseInstant(field: string, raw: unknown): Date {
  const text = typeof raw === 'string' ? raw.trim() : '';
  const at = /^\d{4}-\d{2}-\d{2}$/.test(text) ? shanghaiDayStart(text) : parseBusinessTime(text);
  if (!at) throw badRequest('INVALID_TIME', `${field} 须为 ISO 8601 时间或 YYYY-MM-DD HH:mm:ss / ${field}: an ISO 8601 time or 'YYYY-MM-DD HH:mm:ss'`);
  return at;
}

function parseSeverity(raw: unknown): Severity {
  if (typeof raw !== 'string' || !(SEVERITIES as readonly string[]).includes(raw)) {
    throw badRequest('INVALID_SEVERITY', `severity 须为 ${SEVERITIES.join(' | ')} / severity must be one of ${SEVERITIES.join(', ')}`);
  }
  return raw as Severity;
}

const text = (raw: string | null | undefined, max: number): string | null => {
  const t = raw?.trim();
  return t ? t.slice(0, max) : null;
};

export async function configuredPlanDays(db: SecurityDb): Promise<Record<'medium' | 'low', number>> {
  const rows = await db.selectFrom('security_plan_deadlines').selectAll().execute();
  const out = { ...DEFAULT_PLAN_WORKING_DAYS };
  for (const r of rows) out[r.severity] = r.working_days;
  return out;
}

export interface CreateVulnInput {
  title: string;
  severity: string;
  foundAt: string;
  source?: string | null;
  component?: string | null;
  description?: string | null;
  incidentRef?: string | null;
  changeRef?: string | null;
}

export async function createVulnerability(ctx: SecurityContext, actor: Actor, input: CreateVulnInput): Promise<VulnView> {
  const title = text(input.title, 300);
  if (!title) throw badRequest('INVALID_TITLE', 'title 不能为空 / title is required');
  const severity = parseSeverity(input.severity);
  const foundAt = parseInstant('foundAt', input.foundAt);
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const days = planWorkingDays(severity, await configuredPlanDays(trx));
    const deadline = fixPlanDeadline(foundAt, days);
    const row = await trx.insertInto('security_vulnerabilities').values({
      title, severity, source: text(input.source, 200), component: text(input.component, 300), description: text(input.description, 8000),
      found_at: foundAt, plan_working_days: days, fix_plan_due_at: deadline.dueAt, fix_plan_warn_at: deadline.warnAt,
      plan_text: null, planned_fix_date: null, plan_submitted_at: null, fixing_at: null, fixed_at: null, verified_at: null, verification: null,
      risk_reason: null, risk_approver: null, risk_expires_at: null, false_positive_reason: null, closed_at: null, warned_at: null, breached_at: null,
      incident_ref: text(input.incidentRef, 100), change_ref: text(input.changeRef, 100),
      created_by: actor.username, created_at: now, updated_at: now,
    }).returningAll().executeTakeFirstOrThrow();
    await trx.insertInto('security_vulnerability_events').values({ vulnerability_id: row.id, at: now, actor: actor.username, from_state: null, to_state: 'found', note: null }).execute();
    const view = vulnView(row, now);
    await audit(ctx, trx, actor, {
      action: 'security.vulnerability.create', targetType: 'vulnerability', targetId: row.id,
      detail: { title, severity, foundAt: view.foundAt, fixPlanDueAt: view.fixPlanDueAt, planWorkingDays: days },
    });
    return view;
  });
}

function parseId(raw: string | number): number {
  const t = String(raw).trim();
  if (!/^\d{1,15}$/.test(t)) throw notFound(`漏洞 / vulnerability ${t.slice(0, 32)}`);
  return Number(t);
}

async function findRow(db: SecurityDb, id: string | number, lock = false): Promise<VulnRow> {
  const q = db.selectFrom('security_vulnerabilities').selectAll().where('id', '=', parseId(id));
  const row = await (lock ? q.forUpdate() : q).executeTakeFirst();
  if (!row) throw notFound(`漏洞 / vulnerability ${String(id)}`);
  return row;
}

async function history(db: SecurityDb, id: number): Promise<VulnEvent[]> {
  const rows = await db.selectFrom('security_vulnerability_events').selectAll().where('vulnerability_id', '=', id).orderBy('id').execute();
  return rows.map((r) => ({ at: r.at.toISOString(), actor: r.actor, fromState: r.from_state, toState: r.to_state, note: r.note }));
}

export async function getVulnerability(ctx: SecurityContext, id: string | number): Promise<VulnView> {
  const row = await findRow(ctx.db, id);
  return { ...vulnView(row, ctx.clock.now()), history: await history(ctx.db, Number(row.id)) };
}

export interface TransitionInput {
  to: string;
  note?: string | null;
  planText?: string | null;
  plannedFixDate?: string | null;
  reason?: string | null;
  approver?: string | null;
  expiresAt?: string | null;
  verification?: string | null;
}

/** One lifecycle step; what each step needs is checked here (400 with a code), an illegal step is 409. */
export async function transitionVulnerability(ctx: SecurityContext, actor: Actor, id: string | number, input: TransitionInput): Promise<VulnView> {
  if (!(VULN_STATES as readonly string[]).includes(input.to)) {
    throw badRequest('INVALID_STATE', `to 须为 ${VULN_STATES.join(' | ')} / to must be one of ${VULN_STATES.join(', ')}`);
  }
  const to = input.to as VulnState;
  const now = ctx.clock.now();
  const note = text(input.note, 4000);
  const set: Partial<VulnRow> = {};
  if (to === 'plan_submitted') {
    const plan = text(input.planText, 8000);
    if (!plan) throw badRequest('PLAN_REQUIRED', '提交修复计划须填写 planText / a fix plan needs planText');
    set.plan_text = plan;
    if (input.plannedFixDate) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(input.plannedFixDate) || !shanghaiDayStart(input.plannedFixDate)) throw badRequest('INVALID_DATE', 'plannedFixDate 须为 YYYY-MM-DD / plannedFixDate: YYYY-MM-DD');
      set.planned_fix_date = input.plannedFixDate;
    }
    set.plan_submitted_at = now;
  } else if (to === 'fixing') set.fixing_at = now;
  else if (to === 'fixed') set.fixed_at = now;
  else if (to === 'verified') {
    set.verified_at = now;
    set.verification = text(input.verification, 2000) ?? note ?? '人工验证 / manual';
  } else if (to === 'accepted_risk') {
    const reason = text(input.reason, 4000);
    const approver = text(input.approver, 100);
    if (!reason || !approver || !input.expiresAt) {
      throw badRequest('RISK_ACCEPTANCE_INCOMPLETE', '接受风险须填写 reason（理由）、approver（批准人）、expiresAt（到期时间） / accepting a risk needs reason, approver and expiresAt');
    }
    const expires = parseInstant('expiresAt', input.expiresAt);
    if (expires.getTime() <= now.getTime()) throw badRequest('INVALID_TIME', 'expiresAt 须晚于现在 / expiresAt must be in the future');
    Object.assign(set, { risk_reason: reason, risk_approver: approver, risk_expires_at: expires });
  } else if (to === 'false_positive') {
    const reason = text(input.reason, 4000) ?? note;
    if (!reason) throw badRequest('REASON_REQUIRED', '标记误报须填写 reason / marking a false positive needs a reason');
    set.false_positive_reason = reason;
  }
  if ((FINAL_STATES as readonly string[]).includes(to)) set.closed_at = now;
  return ctx.db.transaction().execute(async (trx) => {
    const before = await findRow(trx, id, true);
    if (!canMove(before.state, to)) {
      throw conflict('INVALID_TRANSITION', `不能从 ${before.state} 变为 ${to}；可变为：${allowedNext(before.state).join(', ') || '无（已结束）'} / cannot move from ${before.state} to ${to}`);
    }
    const row = await trx.updateTable('security_vulnerabilities').set({ ...set, state: to, updated_at: now })
      .where('id', '=', before.id).returningAll().executeTakeFirstOrThrow();
    await trx.insertInto('security_vulnerability_events').values({ vulnerability_id: row.id, at: now, actor: actor.username, from_state: before.state, to_state: to, note }).execute();
    const view = vulnView(row, now);
    await audit(ctx, trx, actor, {
      action: 'security.vulnerability.transition', targetType: 'vulnerability', targetId: row.id,
      detail: {
        from: before.state, to, note,
        ...(to === 'plan_submitted' ? { planLate: view.planLate, fixPlanDueAt: view.fixPlanDueAt } : {}),
        ...(to === 'accepted_risk' ? { reason: row.risk_reason, approver: row.risk_approver, expiresAt: view.riskExpiresAt } : {}),
        ...(to === 'false_positive' ? { reason: row.false_positive_reason } : {}),
      },
    });
    return { ...view, history: await history(trx, Number(row.id)) };
  });
}

export interface UpdateVulnInput {
  title?: string;
  severity?: string;
  foundAt?: string;
  source?: string | null;
  component?: string | null;
  description?: string | null;
  incidentRef?: string | null;
  changeRef?: string | null;
}

/** Corrects the record; a new severity or discovery time re-times the plan deadline (only while no plan). */
export async function updateVulnerability(ctx: SecurityContext, actor: Actor, id: string | number, input: UpdateVulnInput): Promise<VulnView> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const before = await findRow(trx, id, true);
    const set: Partial<VulnRow> = {};
    if (input.title !== undefined) {
      const title = text(input.title, 300);
      if (!title) throw badRequest('INVALID_TITLE', 'title 不能为空 / title is required');
      set.title = title;
    }
    for (const [key, col, max] of [['source', 'source', 200], ['component', 'component', 300], ['description', 'description', 8000], ['incidentRef', 'incident_ref', 100], ['changeRef', 'change_ref', 100]] as const) {
      if (input[key] !== undefined) set[col] = text(input[key], max);
    }
    const severity = input.severity !== undefined ? parseSeverity(input.severity) : before.severity;
    const foundAt = input.foundAt !== undefined ? parseInstant('foundAt', input.foundAt) : before.found_at;
    if (severity !== before.severity || foundAt.getTime() !== before.found_at.getTime()) {
      if (before.state !== 'found') throw conflict('PLAN_ALREADY_SUBMITTED', '已提交修复计划，不能再改等级或发现时间 / the plan is in: severity and foundAt are fixed');
      const days = planWorkingDays(severity, await configuredPlanDays(trx));
      const deadline = fixPlanDeadline(foundAt, days);
      Object.assign(set, { severity, found_at: foundAt, plan_working_days: days, fix_plan_due_at: deadline.dueAt, fix_plan_warn_at: deadline.warnAt, warned_at: null, breached_at: null });
    }
    const row = await trx.updateTable('security_vulnerabilities').set({ ...set, updated_at: now }).where('id', '=', before.id).returningAll().executeTakeFirstOrThrow();
    const changed = Object.fromEntries(Object.keys(set).map((k) => [k, { before: (before as Record<string, unknown>)[k] ?? null, after: (row as Record<string, unknown>)[k] ?? null }]));
    await audit(ctx, trx, actor, { action: 'security.vulnerability.update', targetType: 'vulnerability', targetId: row.id, detail: { changed } });
    return { ...vulnView(row, now), history: await history(trx, Number(row.id)) };
  });
}

export interface VulnFilters {
  severity?: string;
  state?: string;
  overdue?: string;
  q?: string;
  foundFrom?: string;
  foundTo?: string;
}

function pageArg(field: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > max) throw badRequest('INVALID_FILTER', `${field} 须为 0–${max} 的整数 / ${field}: a whole number 0–${max}`);
  return Number(raw);
}

function dayArg(field: string, raw: string | undefined): Date | null {
  if (raw === undefined || raw === '') return null;
  const d = shanghaiDayStart(raw);
  if (!d) throw badRequest('INVALID_FILTER', `${field} 须为 YYYY-MM-DD / ${field}: YYYY-MM-DD`);
  return d;
}

export function filteredVulns(db: SecurityDb, now: Date, f: VulnFilters) {
  const severities = queryList('severity', f.severity, SEVERITIES);
  const states = queryList('state', f.state, VULN_STATES);
  if (f.overdue !== undefined && f.overdue !== '' && !['true', 'false'].includes(f.overdue)) throw badRequest('INVALID_FILTER', 'overdue 须为 true 或 false / overdue: true or false');
  const from = dayArg('foundFrom', f.foundFrom);
  const to = dayArg('foundTo', f.foundTo);
  const q = f.q?.trim();
  return db.selectFrom('security_vulnerabilities')
    .$if(severities !== null, (b) => b.where('severity', 'in', severities!))
    .$if(states !== null, (b) => b.where('state', 'in', states!))
    .$if(f.overdue === 'true', (b) => b.where('state', '=', 'found').where('fix_plan_due_at', '<', now))
    .$if(f.overdue === 'false', (b) => b.where((eb) => eb.or([eb('state', '!=', 'found'), eb('fix_plan_due_at', '>=', now)])))
    .$if(from !== null, (b) => b.where('found_at', '>=', from!))
    .$if(to !== null, (b) => b.where('found_at', '<', new Date(to!.getTime() + 86_400_000)))
    .$if(!!q, (b) => b.where((eb) => {
      const like = `%${q!.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      return eb.or([eb('title', 'ilike', like), eb('component', 'ilike', like), eb('source', 'ilike', like)]);
    }));
}

/** Overdue first (longest overdue on top), then open findings by deadline, then closed ones, newest first. */
export function registerOrder(now: Date) {
  return {
    rank: sql<number>`case when state = 'found' and fix_plan_due_at < ${now} then 0 when state in ('verified', 'accepted_risk', 'false_positive') then 2 else 1 end`,
  };
}

export async function listVulnerabilities(ctx: SecurityContext, f: VulnFilters & { limit?: string; offset?: string }): Promise<{ items: VulnView[]; total: number }> {
  const now = ctx.clock.now();
  const limit = Math.max(1, pageArg('limit', f.limit, 50, 500));
  const offset = pageArg('offset', f.offset, 0, 1_000_000);
  const base = filteredVulns(ctx.db, now, f);
  const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await orderedRows(base, now).limit(limit).offset(offset).execute();
  return { items: rows.map((r) => vulnView(r, now)), total: Number(n) };
}

export function orderedRows(base: ReturnType<typeof filteredVulns>, now: Date) {
  return base.selectAll()
    .orderBy(registerOrder(now).rank)
    .orderBy(sql`case when state in ('verified', 'accepted_risk', 'false_positive') then null else fix_plan_due_at end`, (ob) => ob.asc().nullsLast())
    .orderBy('found_at', 'desc')
    .orderBy('id', 'desc');
}

export interface PlanDeadlineSetting {
  severity: Severity;
  workingDays: number;
  configurable: boolean;
}

export async function planDeadlines(ctx: SecurityContext): Promise<PlanDeadlineSetting[]> {
  const configured = await configuredPlanDays(ctx.db);
  return SEVERITIES.map((severity) => ({ severity, workingDays: planWorkingDays(severity, configured), configurable: severity === 'medium' || severity === 'low' }));
}

/** Sets the working days to a plan for medium or low findings; applies to findings recorded from now on. */
export async function setPlanDeadline(ctx: SecurityContext, actor: Actor, severity: string, workingDays: number): Promise<PlanDeadlineSetting[]> {
  if (severity !== 'medium' && severity !== 'low') {
    if (severity === 'critical' || severity === 'high') throw new AppError(409, 'DEADLINE_FIXED', '严重、高危漏洞的修复计划时限固定为 5 个工作日 / critical and high are fixed at 5 working days');
    throw badRequest('INVALID_SEVERITY', 'severity 须为 medium 或 low / severity: medium or low');
  }
  if (!Number.isInteger(workingDays) || workingDays < 1 || workingDays > 250) throw badRequest('INVALID_DEADLINE', 'workingDays 须为 1–250 的整数 / workingDays: 1–250');
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const before = (await configuredPlanDays(trx))[severity];
    await trx.insertInto('security_plan_deadlines').values({ severity, working_days: workingDays, updated_by: actor.username, updated_at: now })
      .onConflict((oc) => oc.column('severity').doUpdateSet({ working_days: workingDays, updated_by: actor.username, updated_at: now })).execute();
    await audit(ctx, trx, actor, { action: 'security.deadline.update', targetType: 'plan_deadline', targetId: severity, detail: { before, after: workingDays } });
  });
  return planDeadlines(ctx);
}
