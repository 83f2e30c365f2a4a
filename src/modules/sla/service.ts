import { openMsBetween } from '../../platform/calendar/business-time.js';
import { getCalendar, hasCalendar } from '../../platform/calendar/calendars.js';
import { badRequest } from '../../platform/errors.js';
import { notify } from '../../platform/notices.js';
import type { AppContext } from '../../platform/context.js';
import type { AnyDb } from '../../platform/db.js';
import { DEFAULT_WARN, slaDeadlines, type WarnRule } from './clock.js';
import { clockInput, OPEN_STATES, pausesOf, subjectId, toItem, toItems, warnColumns, type SlaItem, type SlaRow, type SlaSubject } from './items.js';
import { breachNotice } from './notices.js';
import type { SlaState } from './tables.js';
import { type SlaContext, type SlaDb, slaContext, slaDb } from './repo.js';

/*
 * Persistent SLA items. Every function writes in the caller's transaction (`trx`), so an SLA
 * change commits or rolls back with the ticket or incident change that caused it; the caller's
 * audit row for that change covers it (these functions do not audit on their own).
 * Times default to ctx.clock.now(); an explicit `at` earlier than the item's last change is
 * moved up to it (a clock never runs backwards).
 */

export type { SlaItem, SlaSubject } from './items.js';

export interface StartSlaInput {
  subject: SlaSubject;
  kind: string;
  calendarId: string;
  /** Calendar minutes to the due time; or give `dueAt` instead. */
  targetMinutes?: number;
  /** A fixed deadline (e.g. a follow-up's planned date): the target becomes the calendar minutes to it, exactly. */
  dueAt?: Date;
  warn?: WarnRule;
  policyKey?: string | null;
  /** Default now; may be in the past (an incident recorded after it occurred). */
  startedAt?: Date;
  districtCode?: string | null;
  /** How notices name the subject, e.g. '工单 T20261125-0012 停车费争议'. */
  label?: string | null;
  /** Console path notices open, e.g. '/tickets/12'. */
  link?: string | null;
  /** Usernames notified besides the ops team (e.g. the assignee). */
  audience?: string[];
  /** Cancel an open item of the same subject and kind first (else startSla returns that item unchanged). */
  restart?: boolean;
}

export interface SlaChangeOptions {
  /** Only these kinds (default: every open item of the subject). */
  kinds?: string[];
  at?: Date;
  reason?: string;
}

const KIND_RE = /^[a-z][a-z0-9_]{0,31}$/;

function checkSubject(subject: SlaSubject): void {
  if (!KIND_RE.test(subject.type)) throw badRequest('INVALID_SLA_SUBJECT', `SLA 对象类型无效 / invalid SLA subject type '${subject.type}'`);
  const id = subjectId(subject);
  if (!id || id.length > 64) throw badRequest('INVALID_SLA_SUBJECT', 'SLA 对象编号无效 / invalid SLA subject id');
}

async function openRows(trx: SlaDb, subject: SlaSubject, states: readonly SlaState[], kinds?: string[]): Promise<SlaRow[]> {
  let q = trx.selectFrom('sla_items').selectAll()
    .where('subject_type', '=', subject.type).where('subject_id', '=', subjectId(subject)).where('state', 'in', states);
  if (kinds) {
    if (!kinds.length) return [];
    q = q.where('kind', 'in', kinds);
  }
  return q.orderBy('id').forUpdate().execute();
}

/**
 * Records the breach of an item whose due time has passed, once: sets breached_at (= due_at),
 * running → breached, and a sla_breaches row. Returns the updated row, or null when it was
 * already recorded. With `withNotice`, raises 'sla.breached' in the same transaction.
 */
export async function recordBreach(ctx: SlaContext, trx: SlaDb, row: SlaRow, detectedAt: Date, withNotice: boolean): Promise<SlaRow | null> {
  if (!row.due_at) return null;
  const updated = await trx.updateTable('sla_items')
    .set((eb) => ({
      breached_at: eb.ref('due_at'),
      state: eb.case().when('state', '=', 'running').then('breached' as SlaState).else(eb.ref('state')).end(),
      updated_at: detectedAt,
    }))
    .where('id', '=', row.id).where('breached_at', 'is', null).where('due_at', 'is not', null)
    .returningAll().executeTakeFirst();
  if (!updated) return null;
  await trx.insertInto('sla_breaches').values({
    item_id: updated.id,
    subject_type: updated.subject_type,
    subject_id: updated.subject_id,
    kind: updated.kind,
    district_code: updated.district_code,
    calendar_id: updated.calendar_id,
    target_minutes: updated.target_minutes,
    due_at: updated.due_at!,
    detected_at: detectedAt,
  }).onConflict((oc) => oc.column('item_id').doNothing()).execute();
  if (withNotice) await notify(ctx, trx, breachNotice(updated));
  return updated;
}

function resolveTarget(input: StartSlaInput, startedAt: Date): number {
  if (input.dueAt !== undefined) {
    if (input.targetMinutes !== undefined) throw badRequest('INVALID_SLA_TARGET', '时限与截止时间只能给一个 / give targetMinutes or dueAt, not both');
    const ms = openMsBetween(startedAt.getTime(), input.dueAt.getTime(), getCalendar(input.calendarId));
    if (!(ms > 0)) throw badRequest('INVALID_SLA_TARGET', '截止时间须晚于开始时间（按所选日历） / dueAt must be after the start on the calendar');
    return ms / 60_000;
  }
  const minutes = input.targetMinutes;
  if (minutes === undefined || !Number.isInteger(minutes) || minutes <= 0 || minutes > 10 * 525_600) {
    throw badRequest('INVALID_SLA_TARGET', `时限须为正整数分钟 / targetMinutes must be a positive whole number of minutes, got ${minutes}`);
  }
  return minutes;
}

/**
 * Starts the clock of one kind for a subject. Idempotent while open: with an open item of the
 * same subject and kind it returns that item unchanged, unless `restart` (then it cancels it and
 * starts anew). The due and warning times are computed now; the 'sla.check' job raises the
 * warning and the breach (also for a start already past due).
 */
export async function startSla(anyCtx: AppContext, anyTrx: AnyDb, input: StartSlaInput): Promise<SlaItem> {
  const ctx = slaContext(anyCtx);
  const trx = slaDb(anyTrx);
  checkSubject(input.subject);
  if (!KIND_RE.test(input.kind)) throw badRequest('INVALID_SLA_KIND', `SLA 类型无效 / invalid SLA kind '${input.kind}'`);
  if (!hasCalendar(input.calendarId)) throw badRequest('UNKNOWN_CALENDAR', `未知日历 / unknown calendar '${input.calendarId}'`);
  const now = ctx.clock.now();
  const startedAt = input.startedAt ?? now;
  if (Number.isNaN(startedAt.getTime())) throw badRequest('INVALID_TIME', '开始时间无效 / invalid start time');
  const targetMinutes = resolveTarget(input, startedAt);
  const warn = input.warn ?? DEFAULT_WARN;
  let deadlines;
  try {
    deadlines = slaDeadlines({ calendar: input.calendarId, targetMinutes, startedAt, warn });
  } catch (err) {
    throw badRequest('INVALID_SLA_TARGET', `${(err as Error).message}`);
  }

  const existing = await openRows(trx, input.subject, OPEN_STATES, [input.kind]);
  if (existing.length) {
    if (!input.restart) return (await toItems(trx, existing, now))[0]!;
    await cancelSla(ctx, trx, input.subject, { kinds: [input.kind], reason: 'restarted' });
  }
  const row = await trx.insertInto('sla_items').values({
    subject_type: input.subject.type,
    subject_id: subjectId(input.subject),
    kind: input.kind,
    policy_key: input.policyKey ?? null,
    calendar_id: input.calendarId,
    target_minutes: targetMinutes,
    ...warnColumns(warn),
    started_at: startedAt,
    state: 'running',
    due_at: deadlines.dueAt,
    warn_at: deadlines.warnAt,
    district_code: input.districtCode ?? null,
    label: input.label ?? null,
    link: input.link ?? null,
    audience_usernames: input.audience ?? [],
    created_at: now,
    updated_at: now,
  }).returningAll().executeTakeFirstOrThrow();
  return toItem(row, [], now);
}

/** The stored pauses of an item, and the earliest instant a new change may take effect. */
async function history(trx: SlaDb, row: SlaRow) {
  const pauses = (await pausesOf(trx, [row.id])).get(row.id) ?? [];
  let floor = row.started_at.getTime();
  for (const p of pauses) floor = Math.max(floor, p.from.getTime(), p.to?.getTime() ?? 0);
  return { pauses, floorMs: floor };
}

function effectiveAt(requested: Date, floorMs: number): Date {
  return requested.getTime() < floorMs ? new Date(floorMs) : requested;
}

/** Writes `set` with due/warn and paused minutes recomputed from the item's pauses. */
async function rewrite(trx: SlaDb, row: SlaRow, set: Partial<SlaRow>, at: Date): Promise<SlaRow> {
  const merged = { ...row, ...set };
  const pauses = (await pausesOf(trx, [row.id])).get(row.id) ?? [];
  const { dueAt, warnAt } = slaDeadlines(clockInput(merged, pauses));
  const calendar = getCalendar(row.calendar_id);
  const pausedMs = pauses.reduce((sum, p) => (p.to ? sum + openMsBetween(p.from.getTime(), p.to.getTime(), calendar) : sum), 0);
  return trx.updateTable('sla_items')
    .set({ ...set, due_at: dueAt, warn_at: warnAt, paused_minutes: pausedMs / 60_000, updated_at: at })
    .where('id', '=', row.id)
    .returningAll().executeTakeFirstOrThrow();
}

/**
 * Stops the clocks of a subject (all its open items, or those of `kinds`), e.g. when a ticket
 * starts waiting for the citizen. Paused items are left as they are. An item already past due
 * has its breach recorded (and notified) first: pausing never undoes a breach, and its due
 * time stays. Returns the items paused.
 */
export async function pauseSla(anyCtx: AppContext, anyTrx: AnyDb, subject: SlaSubject, opts: SlaChangeOptions = {}): Promise<SlaItem[]> {
  const ctx = slaContext(anyCtx);
  const trx = slaDb(anyTrx);
  checkSubject(subject);
  const now = ctx.clock.now();
  const out: SlaRow[] = [];
  for (let row of await openRows(trx, subject, ['running', 'breached'], opts.kinds)) {
    const { floorMs } = await history(trx, row);
    const at = effectiveAt(opts.at ?? now, floorMs);
    if (row.breached_at === null && row.due_at && row.due_at.getTime() < at.getTime()) {
      row = (await recordBreach(ctx, trx, row, at, true)) ?? row;
    }
    await trx.insertInto('sla_pauses').values({ item_id: row.id, paused_at: at, resumed_at: null, reason: opts.reason ?? null }).execute();
    out.push(await rewrite(trx, row, { state: 'paused', paused_since: at }, at));
  }
  return toItems(trx, out, now);
}

/**
 * Restarts paused clocks (all of the subject's, or those of `kinds`). The due and warning times
 * move by the calendar time spent paused (a pause over a weekend night moves nothing on the
 * business calendar). A warning already sent is not sent again. Returns the items resumed.
 */
export async function resumeSla(anyCtx: AppContext, anyTrx: AnyDb, subject: SlaSubject, opts: SlaChangeOptions = {}): Promise<SlaItem[]> {
  const ctx = slaContext(anyCtx);
  const trx = slaDb(anyTrx);
  checkSubject(subject);
  const now = ctx.clock.now();
  const out: SlaRow[] = [];
  for (const row of await openRows(trx, subject, ['paused'], opts.kinds)) {
    const { floorMs } = await history(trx, row);
    const at = effectiveAt(opts.at ?? now, floorMs);
    await closePause(trx, row.id, at);
    out.push(await rewrite(trx, row, { state: row.breached_at ? 'breached' : 'running', paused_since: null }, at));
  }
  return toItems(trx, out, now);
}

async function closePause(trx: SlaDb, itemId: number, at: Date): Promise<void> {
  await trx.updateTable('sla_pauses').set({ resumed_at: at }).where('item_id', '=', itemId).where('resumed_at', 'is', null).execute();
}

/**
 * Stops clocks for good because what they measure is done (the response was given, the ticket
 * resolved, the user told). On time iff completed at or before the due time; a late completion
 * records its breach (without a notice) if the job had not yet. Returns the items completed —
 * empty when none of the kinds was open.
 */
export async function completeSla(anyCtx: AppContext, anyTrx: AnyDb, subject: SlaSubject, opts: SlaChangeOptions = {}): Promise<SlaItem[]> {
  const ctx = slaContext(anyCtx);
  const trx = slaDb(anyTrx);
  checkSubject(subject);
  const now = ctx.clock.now();
  const out: SlaRow[] = [];
  for (const row of await openRows(trx, subject, OPEN_STATES, opts.kinds)) {
    const { floorMs } = await history(trx, row);
    const at = effectiveAt(opts.at ?? now, floorMs);
    if (row.state === 'paused') await closePause(trx, row.id, at);
    let done = await rewrite(trx, row, { state: 'met', paused_since: null, met_at: at }, at);
    if (done.breached_at === null && done.due_at && done.due_at.getTime() < at.getTime()) {
      done = (await recordBreach(ctx, trx, done, at, false)) ?? done;
    }
    out.push(done);
  }
  return toItems(trx, out, now);
}

/**
 * Ends clocks that no longer apply (ticket cancelled or merged, incident withdrawn). A recorded
 * breach stays. Returns the items cancelled.
 */
export async function cancelSla(anyCtx: AppContext, anyTrx: AnyDb, subject: SlaSubject, opts: SlaChangeOptions = {}): Promise<SlaItem[]> {
  const ctx = slaContext(anyCtx);
  const trx = slaDb(anyTrx);
  checkSubject(subject);
  const now = ctx.clock.now();
  const out: SlaRow[] = [];
  for (const row of await openRows(trx, subject, OPEN_STATES, opts.kinds)) {
    const { floorMs } = await history(trx, row);
    const at = effectiveAt(opts.at ?? now, floorMs);
    if (row.state === 'paused') await closePause(trx, row.id, at);
    out.push(await rewrite(trx, row, { state: 'cancelled', paused_since: null, cancelled_at: at, cancel_reason: opts.reason ?? null }, at));
  }
  return toItems(trx, out, now);
}

/** Changes how notices name, link and address a subject's items (e.g. after reassignment). */
export async function updateSlaSubject(
  anyCtx: AppContext,
  anyTrx: AnyDb,
  subject: SlaSubject,
  change: { label?: string | null; link?: string | null; districtCode?: string | null; audience?: string[] },
): Promise<number> {
  const ctx = slaContext(anyCtx);
  const trx = slaDb(anyTrx);
  checkSubject(subject);
  const set: Partial<SlaRow> = {};
  if (change.label !== undefined) set.label = change.label;
  if (change.link !== undefined) set.link = change.link;
  if (change.districtCode !== undefined) set.district_code = change.districtCode;
  if (change.audience !== undefined) set.audience_usernames = change.audience;
  if (!Object.keys(set).length) return 0;
  const result = await trx.updateTable('sla_items').set({ ...set, updated_at: ctx.clock.now() })
    .where('subject_type', '=', subject.type).where('subject_id', '=', subjectId(subject)).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Every SLA item of a subject (open and closed), oldest first. */
export async function listSla(anyCtx: AppContext, subject: SlaSubject, anyExecutor: AnyDb = anyCtx.db): Promise<SlaItem[]> {
  const ctx = slaContext(anyCtx);
  const executor = slaDb(anyExecutor);
  checkSubject(subject);
  const rows = await executor.selectFrom('sla_items').selectAll()
    .where('subject_type', '=', subject.type).where('subject_id', '=', subjectId(subject)).orderBy('id').execute();
  return toItems(executor, rows, ctx.clock.now());
}

/** The items of many subjects of one type, by subject id (for queues and KPIs). */
export async function listSlaForSubjects(anyCtx: AppContext, subjectType: string, ids: readonly (string | number)[], anyExecutor: AnyDb = anyCtx.db): Promise<Map<string, SlaItem[]>> {
  const ctx = slaContext(anyCtx);
  const executor = slaDb(anyExecutor);
  const out = new Map<string, SlaItem[]>();
  const keys = [...new Set(ids.map(String))];
  for (let i = 0; i < keys.length; i += 1000) {
    const rows = await executor.selectFrom('sla_items').selectAll()
      .where('subject_type', '=', subjectType).where('subject_id', 'in', keys.slice(i, i + 1000)).orderBy('id').execute();
    for (const item of await toItems(executor, rows, ctx.clock.now())) {
      const list = out.get(item.subjectId) ?? [];
      list.push(item);
      out.set(item.subjectId, list);
    }
  }
  return out;
}

export interface SlaFilter {
  subjectType?: string;
  kinds?: string[];
  /** running, paused or breached. */
  open?: boolean;
  /** Open and past due now (breached or not yet marked by the job). */
  overdue?: boolean;
  /** Open, not paused, due at or before this instant (an "about to breach" list: now + 1 h). */
  dueBefore?: Date;
  /** Only this district's items (district scoping is the caller's). */
  districtCode?: string;
  limit?: number;
}

/** Open, overdue and about-to-breach lists across subjects, soonest due first. */
export async function findSlaItems(anyCtx: AppContext, filter: SlaFilter, anyExecutor: AnyDb = anyCtx.db): Promise<SlaItem[]> {
  const ctx = slaContext(anyCtx);
  const executor = slaDb(anyExecutor);
  const now = ctx.clock.now();
  let q = executor.selectFrom('sla_items').selectAll();
  if (filter.subjectType) q = q.where('subject_type', '=', filter.subjectType);
  if (filter.kinds?.length) q = q.where('kind', 'in', filter.kinds);
  if (filter.open || filter.overdue || filter.dueBefore) q = q.where('state', 'in', OPEN_STATES);
  if (filter.overdue) q = q.where('due_at', '<', now);
  if (filter.dueBefore) q = q.where('state', '!=', 'paused').where('due_at', '<=', filter.dueBefore);
  if (filter.districtCode) q = q.where('district_code', '=', filter.districtCode);
  const rows = await q.orderBy('due_at').orderBy('id').limit(Math.min(Math.max(filter.limit ?? 500, 1), 5000)).execute();
  return toItems(executor, rows, now);
}
