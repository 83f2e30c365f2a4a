import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import { districtScope } from '../../platform/scope.js';
import { pageOf } from './alerts.js';
import type { AlertScope, AlertState } from './tables.js';
import type { MonitoringContext, MonitoringDb } from './repo.js';

/*
 * Follow-up tasks: each outage opens one "联系运营单位 / contact the operator", carrying the
 * operator's contacts as they were when the alert opened (a later edit of the operator does not
 * rewrite what the engineer was told to call). Closed by hand with a note, audited; it does not
 * close with the alert, because the call may still be owed after the data resumed.
 */

export interface FollowupView {
  id: number;
  title: string;
  alertId: number;
  alertScope: AlertScope;
  alertState: AlertState;
  sourceCode: string;
  sourceName: string | null;
  lotCode: string | null;
  lotName: string | null;
  districtCodes: string[];
  operator: { id: number | null; name: string | null; contactName: string | null; contactPhone: string | null; contactEmail: string | null };
  state: 'open' | 'done';
  createdAt: string;
  completedAt: string | null;
  completedBy: string | null;
  note: string | null;
}

export interface FollowupQuery {
  state?: 'open' | 'done';
  sourceCode?: string;
  districtCode?: string;
  lotCode?: string;
  alertId?: number;
  limit?: number;
  offset?: number;
}

function followupQuery(db: MonitoringDb, actor: Actor) {
  const scope = districtScope(actor);
  return db
    .selectFrom('monitoring_followups as f')
    .innerJoin('monitoring_alerts as a', 'a.id', 'f.alert_id')
    .leftJoin('lots as l', 'l.id', 'f.lot_id')
    .leftJoin('data_sources as s', 's.code', 'f.source_code')
    .$if(scope !== null, (qb) => qb.where(sql<boolean>`${scope} = any(f.district_codes)`));
}

function selectView(qb: ReturnType<typeof followupQuery>) {
  return qb.selectAll('f').select(['a.scope as alert_scope', 'a.state as alert_state', 'l.code as lot_code', 'l.name as lot_name', 's.name as source_name']);
}

type Row = Awaited<ReturnType<ReturnType<typeof selectView>['execute']>>[number];

function view(r: Row): FollowupView {
  const subject = r.lot_name ? `${r.lot_name}（${r.lot_code}）` : `${r.source_name ?? r.source_code}（${r.source_code}）`;
  return {
    id: Number(r.id),
    title: `联系运营单位：${subject} 数据中断 / contact the operator: ${r.lot_code ?? r.source_code} outage`,
    alertId: Number(r.alert_id),
    alertScope: r.alert_scope,
    alertState: r.alert_state,
    sourceCode: r.source_code,
    sourceName: r.source_name,
    lotCode: r.lot_code,
    lotName: r.lot_name,
    districtCodes: r.district_codes,
    operator: { id: r.operator_id, name: r.operator_name, contactName: r.contact_name, contactPhone: r.contact_phone, contactEmail: r.contact_email },
    state: r.state,
    createdAt: new Date(r.created_at).toISOString(),
    completedAt: r.completed_at ? new Date(r.completed_at).toISOString() : null,
    completedBy: r.completed_by,
    note: r.note,
  };
}

export async function listFollowups(ctx: MonitoringContext, actor: Actor, q: FollowupQuery): Promise<{ items: FollowupView[]; total: number }> {
  const { limit, offset } = pageOf(q);
  const filtered = followupQuery(ctx.db, actor)
    .$if(!!q.state, (qb) => qb.where('f.state', '=', q.state!))
    .$if(!!q.sourceCode, (qb) => qb.where('f.source_code', '=', q.sourceCode!))
    .$if(!!q.districtCode, (qb) => qb.where(sql<boolean>`${q.districtCode} = any(f.district_codes)`))
    .$if(!!q.lotCode, (qb) => qb.where('l.code', '=', q.lotCode!))
    .$if(q.alertId !== undefined, (qb) => qb.where('f.alert_id', '=', q.alertId!));
  const rows = await selectView(filtered).orderBy('f.created_at', 'desc').orderBy('f.id', 'desc').limit(limit).offset(offset).execute();
  const total = await filtered.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return { items: rows.map(view), total: Number(total.n) };
}

async function findFollowup(db: MonitoringDb, actor: Actor, id: number): Promise<FollowupView> {
  const row = await selectView(followupQuery(db, actor)).where('f.id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`跟进任务 ${id}`);
  return view(row);
}

export const getFollowup = (ctx: MonitoringContext, actor: Actor, id: number) => findFollowup(ctx.db, actor, id);

export async function completeFollowup(ctx: MonitoringContext, actor: Actor, id: number, note: string): Promise<FollowupView> {
  const text = note.trim();
  if (!text || text.length > 1000) throw badRequest('INVALID_NOTE', '请填写处理情况（1–1000 字） / note: 1–1000 characters');
  return ctx.db.transaction().execute(async (trx) => {
    const before = await findFollowup(trx, actor, id);
    if (before.state === 'done') throw conflict('ALREADY_DONE', `任务已由 ${before.completedBy} 完成 / already completed by ${before.completedBy}`);
    const now = ctx.clock.now();
    await trx.updateTable('monitoring_followups').set({ state: 'done', completed_at: now, completed_by: actor.username, note: text }).where('id', '=', id).where('state', '=', 'open').execute();
    await audit(ctx, trx, actor, { action: 'monitoring.followup.complete', targetType: 'monitoring_followup', targetId: id, detail: { alertId: before.alertId, note: text } });
    return findFollowup(trx, actor, id);
  });
}
