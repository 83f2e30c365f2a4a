import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest, conflict } from '../../platform/errors.js';
import { notify } from '../../platform/notices.js';
import { refreshClockSubject, startIncidentClocks } from './clocks.js';
import {
  activeUsername, detectionSource, EMPTY_SCOPE, notBefore, pastTime, requiredText, resolveScope, rootCauseCategory, scopeInput, text, type Scope, type ScopeInput,
} from './input.js';
import { assignedNotice, openedNotice } from './notices.js';
import { findIncident, nextIncidentCode, touchIncident, type IncidentRow, type IncidentsContext } from './repo.js';
import { appendTimeline } from './timeline.js';
import { incidentDetail, type IncidentDetail } from './view.js';
import { fieldName, SEVERITIES, SEVERITY_NAMES, SOURCE_NAMES, type DetectionSource, type Severity } from './vocab.js';

export interface CreateIncidentInput {
  title: string;
  description?: string | null;
  severity: number;
  occurredAt?: string;
  detectedAt?: string;
  detectionSource?: string;
  reporter?: string | null;
  /** Structured, or a plain description. */
  scope?: string | ScopeInput | null;
  commander?: string | null;
  /** Alias of detectionSource. */
  source?: string;
}

export interface IncidentLinkSeed {
  kind: 'alert' | 'ticket';
  refId: string;
  label: string | null;
}

export function severityOf(value: unknown): Severity {
  const n = typeof value === 'string' && /^\d$/.test(value) ? Number(value) : value;
  if (!SEVERITIES.includes(n as Severity)) throw badRequest('INVALID_SEVERITY', '事件等级须为 1（一级）、2（二级）或 3（三级） / severity: 1, 2 or 3');
  return n as Severity;
}

export function assertNotClosed(row: IncidentRow): void {
  if (row.state === 'closed') throw conflict('INCIDENT_CLOSED', `事件 ${row.code} 已关闭，不能再修改 / incident ${row.code} is closed`);
}

export async function getIncident(ctx: IncidentsContext, actor: Actor, key: string | number): Promise<IncidentDetail> {
  return incidentDetail(ctx, ctx.db, await findIncident(ctx.db, actor, key));
}

/**
 * Records a new incident (state open) and starts its response and restore clocks. `links` and
 * `source` come from one-click creation (from an alert or a work order).
 */
export async function createIncident(ctx: IncidentsContext, actor: Actor, input: CreateIncidentInput, links: IncidentLinkSeed[] = []): Promise<IncidentDetail> {
  const now = ctx.clock.now();
  const title = requiredText('title', input.title, 200);
  const severity = severityOf(input.severity);
  const occurredAt = pastTime('occurredAt', input.occurredAt, now) ?? now;
  const detectedAt = pastTime('detectedAt', input.detectedAt, now) ?? occurredAt;
  notBefore('detectedAt', detectedAt, occurredAt, '发生时间 / occurredAt');
  const source: DetectionSource = detectionSource(input.detectionSource ?? input.source) ?? 'person';
  const raw = scopeInput(input.scope);
  const scope: Scope = raw ? await resolveScope(ctx, actor, raw) : await resolveScope(ctx, actor, {});
  const commander = input.commander ? await activeUsername(ctx, 'commander', input.commander) : null;

  return ctx.db.transaction().execute(async (trx) => {
    const code = await nextIncidentCode(trx, now);
    const row = await trx.insertInto('incidents').values({
      code,
      title,
      description: text('description', input.description, 4000) ?? null,
      severity,
      detection_source: source,
      reporter: text('reporter', input.reporter, 200) ?? null,
      occurred_at: occurredAt,
      detected_at: detectedAt,
      commander,
      ...scopeColumns(scope),
      created_by: actor.username,
      created_at: now,
      updated_at: now,
    }).returningAll().executeTakeFirstOrThrow();
    await appendTimeline(ctx, trx, actor, row.id, {
      kind: 'created',
      at: detectedAt,
      toState: 'open',
      text: `登记事件（${SEVERITY_NAMES[severity].zh}，${SOURCE_NAMES[source].zh}）`,
      detail: { severity, detectionSource: source, occurredAt: occurredAt.toISOString(), links: links.map((l) => `${l.kind}:${l.refId}`) },
    });
    for (const l of links) {
      await trx.insertInto('incident_links').values({ incident_id: row.id, kind: l.kind, ref_id: l.refId, label: l.label, created_by: actor.username, created_at: now }).execute();
    }
    await startIncidentClocks(ctx, trx, row);
    const detail = await incidentDetail(ctx, trx, row);
    await notify(ctx, trx, openedNotice(row, detail.respondDueAt ? new Date(detail.respondDueAt) : null));
    if (commander && commander !== actor.username) await notify(ctx, trx, assignedNotice(row));
    await audit(ctx, trx, actor, {
      action: 'incident.create', targetType: 'incident', targetId: code,
      detail: { title, severity, detectionSource: source, occurredAt: occurredAt.toISOString(), districts: scope.districts, links: links.map((l) => `${l.kind}:${l.refId}`) },
    });
    return detail;
  });
}

function scopeColumns(scope: Scope) {
  return {
    scope_description: scope.description,
    scope_modules: scope.modules,
    scope_districts: scope.districts,
    scope_lots: scope.lots,
    affected_users: scope.affectedUsers,
    affected_users_note: scope.affectedUsersNote,
  };
}

function scopeOf(row: IncidentRow): Scope {
  return {
    description: row.scope_description, modules: row.scope_modules, districts: row.scope_districts, lots: row.scope_lots,
    affectedUsers: row.affected_users, affectedUsersNote: row.affected_users_note,
  };
}

export interface UpdateIncidentInput {
  title?: string;
  description?: string | null;
  severity?: number;
  occurredAt?: string;
  detectedAt?: string;
  detectionSource?: string;
  reporter?: string | null;
  scope?: string | ScopeInput | null;
  commander?: string | null;
  resolution?: string | null;
  rootCause?: string | null;
  rootCauseCategory?: string | null;
  /** Why (goes into the timeline with the changes). */
  note?: string;
}

type Change = { field: string; before: unknown; after: unknown };

const same = (a: unknown, b: unknown) => JSON.stringify(a instanceof Date ? a.toISOString() : a) === JSON.stringify(b instanceof Date ? b.toISOString() : b);

/**
 * Edits the record. A new severity, occurrence or detection time re-starts the clocks still
 * running (response before acknowledgement, restore before recovery) with the new targets;
 * those already met stay as they were.
 */
export async function updateIncident(ctx: IncidentsContext, actor: Actor, key: string | number, input: UpdateIncidentInput): Promise<IncidentDetail> {
  const now = ctx.clock.now();
  const current = await findIncident(ctx.db, actor, key);
  assertNotClosed(current);
  const set: Partial<IncidentRow> = {};
  if (input.title !== undefined) set.title = requiredText('title', input.title, 200);
  if (input.description !== undefined) set.description = text('description', input.description, 4000) ?? null;
  if (input.severity !== undefined) set.severity = severityOf(input.severity);
  const occurredAt = pastTime('occurredAt', input.occurredAt, now);
  if (occurredAt) set.occurred_at = occurredAt;
  const detectedAt = pastTime('detectedAt', input.detectedAt, now);
  if (detectedAt) set.detected_at = detectedAt;
  const source = detectionSource(input.detectionSource);
  if (source) set.detection_source = source;
  if (input.reporter !== undefined) set.reporter = text('reporter', input.reporter, 200) ?? null;
  if (input.commander !== undefined) set.commander = input.commander ? await activeUsername(ctx, 'commander', input.commander) : null;
  if (input.resolution !== undefined) set.resolution = text('resolution', input.resolution, 4000) ?? null;
  if (input.rootCause !== undefined) set.root_cause = text('rootCause', input.rootCause, 4000) ?? null;
  if (input.rootCauseCategory !== undefined) set.root_cause_category = rootCauseCategory(input.rootCauseCategory) ?? null;
  const raw = input.scope === null ? { ...EMPTY_SCOPE } : scopeInput(input.scope);
  if (raw) Object.assign(set, scopeColumns(await resolveScope(ctx, actor, raw, input.scope === null ? EMPTY_SCOPE : scopeOf(current))));

  return ctx.db.transaction().execute(async (trx) => {
    const row = await findIncident(trx, actor, key, true);
    assertNotClosed(row);
    const changes: Change[] = [];
    for (const [field, after] of Object.entries(set)) {
      const before = row[field as keyof IncidentRow];
      if (!same(before, after)) changes.push({ field, before: before instanceof Date ? before.toISOString() : before, after: after instanceof Date ? after.toISOString() : after });
    }
    if (!changes.length) return incidentDetail(ctx, trx, row);
    const next = { ...row, ...set } as IncidentRow;
    notBefore('detectedAt', next.detected_at, next.occurred_at, '发生时间 / occurredAt');
    if (next.acknowledged_at) notBefore('acknowledgedAt', next.acknowledged_at, next.detected_at, '发现时间 / detectedAt');
    if (next.recovered_at) notBefore('recoveredAt', next.recovered_at, next.occurred_at, '发生时间 / occurredAt');
    if ((row.state === 'reviewed') && (!next.root_cause || !next.root_cause_category)) {
      throw conflict('RCA_REQUIRED', '已复盘的事件须保留原因分析 / a reviewed incident keeps its root cause');
    }
    const updated = await trx.updateTable('incidents').set({ ...set, updated_at: now }).where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
    const changed = new Set(changes.map((c) => c.field));
    if (changed.has('severity') || changed.has('occurred_at') || changed.has('detected_at')) {
      const kinds: ('response' | 'restore')[] = [];
      if (row.state === 'open') kinds.push('response');
      if (row.state === 'open' || row.state === 'acknowledged') kinds.push('restore');
      if (kinds.length) await startIncidentClocks(ctx, trx, updated, { restart: true, kinds });
    }
    if (changed.has('commander') || changed.has('scope_districts') || changed.has('title')) await refreshClockSubject(ctx, trx, updated);
    if (changed.has('commander') && updated.commander && updated.commander !== actor.username) await notify(ctx, trx, assignedNotice(updated));
    const note = input.note?.trim();
    await appendTimeline(ctx, trx, actor, row.id, {
      kind: 'update',
      text: `修改${changes.map((c) => fieldName(c.field)).join('、')}${note ? `：${note}` : ''}`,
      detail: { changes },
    });
    await audit(ctx, trx, actor, { action: 'incident.update', targetType: 'incident', targetId: row.code, detail: { changes } });
    return incidentDetail(ctx, trx, updated);
  });
}

/** A handling-process entry written by a person (what was done, said or seen, and when). */
export async function addTimelineNote(ctx: IncidentsContext, actor: Actor, key: string | number, input: { text: string; at?: string }): Promise<IncidentDetail> {
  const now = ctx.clock.now();
  const body = requiredText('text', input.text, 4000);
  const at = pastTime('at', input.at, now) ?? now;
  return ctx.db.transaction().execute(async (trx) => {
    const row = await findIncident(trx, actor, key, true);
    assertNotClosed(row);
    notBefore('at', at, row.occurred_at, '发生时间 / occurredAt');
    await appendTimeline(ctx, trx, actor, row.id, { kind: 'note', text: body, at });
    const fresh = await touchIncident(trx, row.id, now);
    await audit(ctx, trx, actor, { action: 'incident.note', targetType: 'incident', targetId: row.code, detail: { at: at.toISOString() } });
    return incidentDetail(ctx, trx, fresh);
  });
}
