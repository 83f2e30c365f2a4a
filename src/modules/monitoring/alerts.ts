import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit, type AppContext } from '../../platform/context.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import { districtScope } from '../../platform/scope.js';
import { judgeLot, loadLotFacts, minutesSince } from './freshness.js';
import type { AlertResolution, AlertScope, AlertState, LotState } from './tables.js';
import { activeWindows } from './window-rules.js';
import { loadWindowRules } from './windows.js';
import { type MonitoringContext, type MonitoringDb, monitoringContext } from './repo.js';

/*
 * Reading and acknowledging alerts. An alert belongs to the districts of its lots; a district
 * user sees the alerts that concern their district. Acknowledging (with a note, audited) stops
 * the reminders; the alert still resolves by itself when the data resumes.
 */

export interface AlertView {
  id: number;
  scope: AlertScope;
  state: AlertState;
  lotCode: string | null;
  lotName: string | null;
  sourceCode: string;
  sourceName: string | null;
  districtCodes: string[];
  openedAt: string;
  /** Newest data when the alert opened. */
  lastOccurredAt: string | null;
  /** While unresolved: whole minutes since the newest data now (the lot's, or the source's); else null. */
  lateMinutes: number | null;
  thresholdMinutes: number;
  lateLots: number;
  reminders: number;
  lastNotifiedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  ackNote: string | null;
  resolvedAt: string | null;
  resolution: AlertResolution | null;
  parentId: number | null;
  /** From opening to resolution (or now). */
  durationMinutes: number;
  followupId: number | null;
  followupState: 'open' | 'done' | null;
}

export interface AlertDetail extends AlertView {
  events: { at: string; kind: string; actor: string; note: string | null }[];
  /** Lot alerts folded into this source alert. */
  folded: { id: number; lotCode: string | null }[];
  /** Source alerts: the source's lots as they are now. */
  lots: { lotCode: string; lotName: string; districtCode: string; state: LotState; lateMinutes: number | null }[];
}

export interface AlertQuery {
  state?: AlertState | 'unresolved';
  scope?: AlertScope;
  sourceCode?: string;
  districtCode?: string;
  lotCode?: string;
  limit?: number;
  offset?: number;
}

function alertQuery(db: MonitoringDb, actor: Actor) {
  const scope = districtScope(actor);
  return db
    .selectFrom('monitoring_alerts as a')
    .leftJoin('lots as l', 'l.id', 'a.lot_id')
    .leftJoin('data_sources as s', 's.code', 'a.source_code')
    .leftJoin('monitoring_followups as f', 'f.alert_id', 'a.id')
    .leftJoin('lot_live as ll', 'll.lot_id', 'a.lot_id')
    .leftJoin('source_live as sl', 'sl.source_code', 'a.source_code')
    .$if(scope !== null, (qb) => qb.where(sql<boolean>`${scope} = any(a.district_codes)`));
}

function selectView(qb: ReturnType<typeof alertQuery>) {
  return qb.selectAll('a').select([
    'l.code as lot_code', 'l.name as lot_name', 's.name as source_name', 'f.id as followup_id', 'f.state as followup_state',
    'll.last_occurred_at as lot_newest', 'sl.last_occurred_at as source_newest',
  ]);
}

type Row = Awaited<ReturnType<ReturnType<typeof selectView>['execute']>>[number];

function view(r: Row, now: Date): AlertView {
  const unresolved = r.state !== 'resolved';
  const newest = r.scope === 'lot' ? r.lot_newest : r.source_newest;
  return {
    id: Number(r.id),
    scope: r.scope,
    state: r.state,
    lotCode: r.lot_code,
    lotName: r.lot_name,
    sourceCode: r.source_code,
    sourceName: r.source_name,
    districtCodes: r.district_codes,
    openedAt: new Date(r.opened_at).toISOString(),
    lastOccurredAt: r.last_occurred_at ? new Date(r.last_occurred_at).toISOString() : null,
    lateMinutes: unresolved && newest ? minutesSince(new Date(newest), now) : null,
    thresholdMinutes: r.threshold_minutes,
    lateLots: r.late_lots,
    reminders: r.reminders,
    lastNotifiedAt: new Date(r.last_notified_at).toISOString(),
    acknowledgedAt: r.acknowledged_at ? new Date(r.acknowledged_at).toISOString() : null,
    acknowledgedBy: r.acknowledged_by,
    ackNote: r.ack_note,
    resolvedAt: r.resolved_at ? new Date(r.resolved_at).toISOString() : null,
    resolution: r.resolution,
    parentId: r.parent_id === null ? null : Number(r.parent_id),
    durationMinutes: minutesSince(new Date(r.opened_at), r.resolved_at ? new Date(r.resolved_at) : now),
    followupId: r.followup_id === null ? null : Number(r.followup_id),
    followupState: r.followup_state,
  };
}

export const MAX_PAGE = 200;

export function pageOf(q: { limit?: number; offset?: number }): { limit: number; offset: number } {
  return { limit: Math.min(Math.max(q.limit ?? 50, 1), MAX_PAGE), offset: Math.max(q.offset ?? 0, 0) };
}

export async function listAlerts(ctx: MonitoringContext, actor: Actor, q: AlertQuery): Promise<{ items: AlertView[]; total: number }> {
  const { limit, offset } = pageOf(q);
  const filtered = alertQuery(ctx.db, actor)
    .$if(q.state === 'unresolved', (qb) => qb.where('a.state', '<>', 'resolved'))
    .$if(!!q.state && q.state !== 'unresolved', (qb) => qb.where('a.state', '=', q.state as AlertState))
    .$if(!!q.scope, (qb) => qb.where('a.scope', '=', q.scope!))
    .$if(!!q.sourceCode, (qb) => qb.where('a.source_code', '=', q.sourceCode!))
    .$if(!!q.districtCode, (qb) => qb.where(sql<boolean>`${q.districtCode} = any(a.district_codes)`))
    .$if(!!q.lotCode, (qb) => qb.where('l.code', '=', q.lotCode!));
  const rows = await selectView(filtered).orderBy('a.opened_at', 'desc').orderBy('a.id', 'desc').limit(limit).offset(offset).execute();
  const total = await filtered.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  const now = ctx.clock.now();
  return { items: rows.map((r) => view(r, now)), total: Number(total.n) };
}

/** The newest unresolved alerts within the actor's scope (the overview's ticker). */
export async function unresolvedAlerts(anyCtx: AppContext, actor: Actor, limit: number): Promise<AlertView[]> {
  return (await listAlerts(monitoringContext(anyCtx), actor, { state: 'unresolved', limit })).items;
}

async function findAlert(db: MonitoringDb, actor: Actor, id: number, now: Date): Promise<AlertView> {
  const row = await selectView(alertQuery(db, actor)).where('a.id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`告警 ${id}`);
  return view(row, now);
}

export async function getAlert(anyCtx: AppContext, actor: Actor, id: number): Promise<AlertDetail> {
  const ctx = monitoringContext(anyCtx);
  const now = ctx.clock.now();
  const alert = await findAlert(ctx.db, actor, id, now);
  const events = await ctx.db.selectFrom('monitoring_alert_events').select(['at', 'kind', 'actor', 'note']).where('alert_id', '=', id).orderBy('id').execute();
  const folded = await ctx.db
    .selectFrom('monitoring_alerts as a')
    .leftJoin('lots as l', 'l.id', 'a.lot_id')
    .select(['a.id', 'l.code'])
    .where('a.parent_id', '=', id)
    .orderBy('a.id')
    .execute();
  let lots: AlertDetail['lots'] = [];
  if (alert.scope === 'source') {
    const windows = activeWindows(await loadWindowRules(ctx.db, now), now);
    const facts = await loadLotFacts(ctx.db, ctx.config.lateThresholdMinutes, { scope: districtScope(actor), sourceCode: alert.sourceCode });
    lots = facts.map((f) => judgeLot(f, now, windows)).map((l) => ({ lotCode: l.lotCode, lotName: l.lotName, districtCode: l.districtCode, state: l.state, lateMinutes: l.lateMinutes }));
  }
  return {
    ...alert,
    events: events.map((e) => ({ at: new Date(e.at).toISOString(), kind: e.kind, actor: e.actor, note: e.note })),
    folded: folded.map((f) => ({ id: Number(f.id), lotCode: f.code })),
    lots,
  };
}

export async function acknowledgeAlert(ctx: MonitoringContext, actor: Actor, id: number, note: string): Promise<AlertDetail> {
  const text = note.trim();
  if (!text || text.length > 500) throw badRequest('INVALID_NOTE', '请填写确认说明（1–500 字） / note: 1–500 characters');
  await ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const alert = await findAlert(trx, actor, id, now);
    if (alert.state === 'resolved') throw conflict('ALERT_RESOLVED', '告警已恢复关闭，无需确认 / the alert is already resolved');
    if (alert.state === 'acknowledged') throw conflict('ALREADY_ACKNOWLEDGED', `告警已由 ${alert.acknowledgedBy} 确认 / already acknowledged by ${alert.acknowledgedBy}`);
    const done = await trx
      .updateTable('monitoring_alerts')
      .set({ state: 'acknowledged', acknowledged_at: now, acknowledged_by: actor.username, ack_note: text })
      .where('id', '=', id)
      .where('state', '=', 'open')
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1) throw conflict('ALERT_CHANGED', '告警状态已变化，请刷新 / the alert changed meanwhile; reload it');
    await trx.insertInto('monitoring_alert_events').values({ alert_id: id, at: now, kind: 'acknowledged', actor: actor.username, note: text }).execute();
    await audit(ctx, trx, actor, { action: 'monitoring.alert.ack', targetType: 'monitoring_alert', targetId: id, detail: { note: text } });
  });
  return getAlert(ctx, actor, id);
}
