import type { Actor } from '../../platform/auth/permissions.js';
import { hasCalendar } from '../../platform/calendar/calendars.js';
import { audit, type AppContext } from '../../platform/context.js';
import { badRequest, notFound } from '../../platform/errors.js';
import type { AnyDb } from '../../platform/db.js';
import type { WarnRule } from './clock.js';
import { warnColumns, warnOf } from './items.js';
import {
  DEFAULT_POLICIES, pickIncidentTarget, pickTicketTarget, POLICY_KEYS,
  type IncidentSeverity, type SlaPolicy, type SlaTarget, type TicketPriority,
} from './policies.js';
import { type SlaContext, slaContext, slaDb } from './repo.js';

/** The policies in force: defaults from code with the stored overrides applied. */
export async function loadPolicies(ctx: AppContext, anyExecutor: AnyDb = ctx.db): Promise<SlaPolicy[]> {
  const executor = slaDb(anyExecutor);
  const overrides = new Map((await executor.selectFrom('sla_policy_overrides').selectAll().execute()).map((o) => [o.key, o]));
  return DEFAULT_POLICIES.map((p) => {
    const o = overrides.get(p.key);
    if (!o || !hasCalendar(o.calendar_id)) return { ...p, overridden: false };
    return { ...p, targetMinutes: o.target_minutes, calendarId: o.calendar_id as SlaPolicy['calendarId'], warn: warnOf(o), overridden: true };
  });
}

/**
 * A ticket's targets for startSla: response and resolution at creation, feedback at resolution.
 * For a channel with its own deadlines (hotline_12345) the one falling due first from `at` wins.
 */
export async function ticketSlaTarget(
  anyCtx: AppContext,
  anyExecutor: AnyDb,
  kind: 'response' | 'resolution' | 'feedback',
  ticket: { channel: string; priority: TicketPriority },
  at: Date,
): Promise<SlaTarget> {
  const ctx = slaContext(anyCtx);
  const executor = slaDb(anyExecutor);
  return pickTicketTarget(await loadPolicies(ctx, executor), kind, ticket, at);
}

/** An incident's target for startSla by severity (feedback targets are the same for all). */
export async function incidentSlaTarget(
  anyCtx: AppContext,
  anyExecutor: AnyDb,
  kind: 'response' | 'restore' | 'feedback' | 'followup_feedback',
  severity: IncidentSeverity,
): Promise<SlaTarget> {
  const ctx = slaContext(anyCtx);
  const executor = slaDb(anyExecutor);
  return pickIncidentTarget(await loadPolicies(ctx, executor), kind, severity);
}

export interface PolicyChange {
  targetMinutes: number;
  calendarId: string;
  warnFraction?: number;
  warnMinutesBefore?: number;
}

function checkChange(change: PolicyChange): WarnRule {
  if (!Number.isInteger(change.targetMinutes) || change.targetMinutes < 1 || change.targetMinutes > 525_600) {
    throw badRequest('INVALID_SLA_TARGET', '时限须为 1–525600 的整数分钟 / targetMinutes must be a whole number 1–525600');
  }
  if (!hasCalendar(change.calendarId)) throw badRequest('UNKNOWN_CALENDAR', `未知日历 / unknown calendar '${change.calendarId}'`);
  if (change.warnFraction !== undefined && change.warnMinutesBefore !== undefined) {
    throw badRequest('INVALID_SLA_WARNING', '预警比例与提前分钟只能给一个 / give warnFraction or warnMinutesBefore, not both');
  }
  if (change.warnMinutesBefore !== undefined) {
    if (!Number.isInteger(change.warnMinutesBefore) || change.warnMinutesBefore < 0 || change.warnMinutesBefore >= change.targetMinutes) {
      throw badRequest('INVALID_SLA_WARNING', '提前分钟须为小于时限的非负整数 / warnMinutesBefore must be a whole number below the target');
    }
    return { minutesBefore: change.warnMinutesBefore };
  }
  const fraction = change.warnFraction ?? 0.8;
  if (!(fraction > 0 && fraction < 1)) throw badRequest('INVALID_SLA_WARNING', '预警比例须在 0 与 1 之间 / warnFraction must be between 0 and 1');
  return { fraction };
}

function policyKey(key: string): string {
  if (!POLICY_KEYS.has(key)) throw notFound(`SLA 策略 / SLA policy ${key}`);
  return key;
}

/** Overrides a default target (new items only; running clocks keep theirs). */
export async function setPolicyOverride(ctx: SlaContext, actor: Actor, key: string, change: PolicyChange): Promise<SlaPolicy> {
  policyKey(key);
  const warn = checkChange(change);
  return ctx.db.transaction().execute(async (trx) => {
    const before = (await loadPolicies(ctx, trx)).find((p) => p.key === key)!;
    const row = { target_minutes: change.targetMinutes, calendar_id: change.calendarId, ...warnColumns(warn), updated_by: actor.username, updated_at: ctx.clock.now() };
    await trx.insertInto('sla_policy_overrides').values({ key, ...row })
      .onConflict((oc) => oc.column('key').doUpdateSet(row)).execute();
    await audit(ctx, trx, actor, {
      action: 'sla.policy.update', targetType: 'sla_policy', targetId: key,
      detail: { before: { targetMinutes: before.targetMinutes, calendarId: before.calendarId, warn: before.warn }, after: { targetMinutes: change.targetMinutes, calendarId: change.calendarId, warn } },
    });
    return (await loadPolicies(ctx, trx)).find((p) => p.key === key)!;
  });
}

/** Back to the default in code. */
export async function resetPolicyOverride(ctx: SlaContext, actor: Actor, key: string): Promise<SlaPolicy> {
  policyKey(key);
  return ctx.db.transaction().execute(async (trx) => {
    const removed = await trx.deleteFrom('sla_policy_overrides').where('key', '=', key).returningAll().executeTakeFirst();
    if (removed) {
      await audit(ctx, trx, actor, {
        action: 'sla.policy.reset', targetType: 'sla_policy', targetId: key,
        detail: { before: { targetMinutes: removed.target_minutes, calendarId: removed.calendar_id, warn: warnOf(removed) } },
      });
    }
    return (await loadPolicies(ctx, trx)).find((p) => p.key === key)!;
  });
}
