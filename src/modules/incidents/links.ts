import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest, notFound } from '../../platform/errors.js';
import { formatShanghai } from '../../platform/time.js';
import { readAlertRef, type AlertRef } from './alert-ref.js';
import { assertNotClosed, createIncident, severityOf, type IncidentLinkSeed } from './incidents.js';
import { findIncident, touchIncident, visibleIncidents, type IncidentsContext } from './repo.js';
import { readTicketRef, ticketModules, type TicketRefView } from './ticket-ref.js';
import { appendTimeline } from './timeline.js';
import { incidentDetail, type IncidentDetail } from './view.js';
import type { Severity } from './vocab.js';

/*
 * Links to monitoring alerts and work orders (by id, through what those modules let us read),
 * and one-click creation from either. One-click is idempotent while the incident is not closed:
 * the same alert or ticket again returns the incident already opened for it (as PagerDuty
 * de-duplicates on the alert key), so a double click does not open two.
 */

export type LinkKind = 'alert' | 'ticket';

function refId(kind: LinkKind, value: string | number): string {
  const text = String(value).trim();
  if (kind === 'alert' && !/^\d{1,15}$/.test(text)) throw badRequest('INVALID_ID', `告警编号须为数字 / alert id must be a number: '${text}'`);
  if (!text || text.length > 64) throw badRequest('INVALID_ID', `编号无效 / invalid id '${text}'`);
  return text;
}

function alertLabel(a: AlertRef): string {
  return a.scope === 'lot' ? `${a.lotName ?? a.lotCode}（${a.lotCode}）数据中断` : `数据源 ${a.sourceName ?? a.sourceCode} 数据中断（${a.lateLots} 个停车场）`;
}

const ticketLabel = (t: TicketRefView) => `${t.number} ${t.title}`.slice(0, 200);

async function seedOf(ctx: IncidentsContext, actor: Actor, kind: LinkKind, id: string): Promise<IncidentLinkSeed> {
  if (kind === 'alert') return { kind, refId: id, label: alertLabel(await readAlertRef(ctx, actor, Number(id))) };
  if (kind === 'ticket') return { kind, refId: id, label: ticketLabel(await readTicketRef(ctx, actor, id)) };
  throw badRequest('INVALID_LINK_KIND', '关联类型须为 alert 或 ticket / kind: alert or ticket');
}

export async function linkItem(ctx: IncidentsContext, actor: Actor, key: string | number, input: { kind: string; id: string | number }): Promise<IncidentDetail> {
  const kind = input.kind as LinkKind;
  const seed = await seedOf(ctx, actor, kind, refId(kind, input.id));
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await findIncident(trx, actor, key, true);
    assertNotClosed(row);
    const inserted = await trx.insertInto('incident_links')
      .values({ incident_id: row.id, kind: seed.kind, ref_id: seed.refId, label: seed.label, created_by: actor.username, created_at: now })
      .onConflict((oc) => oc.columns(['incident_id', 'kind', 'ref_id']).doNothing())
      .returning('id').executeTakeFirst();
    if (!inserted) return incidentDetail(ctx, trx, row);
    await appendTimeline(ctx, trx, actor, row.id, { kind: 'link', text: `关联${kind === 'alert' ? '监控告警' : '工单'} ${seed.refId}：${seed.label ?? ''}`, detail: { kind, refId: seed.refId } });
    const fresh = await touchIncident(trx, row.id, now);
    await audit(ctx, trx, actor, { action: 'incident.link', targetType: 'incident', targetId: row.code, detail: { kind, refId: seed.refId } });
    return incidentDetail(ctx, trx, fresh);
  });
}

export async function unlinkItem(ctx: IncidentsContext, actor: Actor, key: string | number, linkId: number): Promise<IncidentDetail> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await findIncident(trx, actor, key, true);
    assertNotClosed(row);
    const link = await trx.deleteFrom('incident_links').where('id', '=', linkId).where('incident_id', '=', row.id).returningAll().executeTakeFirst();
    if (!link) throw notFound(`关联 / link ${linkId}`);
    await appendTimeline(ctx, trx, actor, row.id, { kind: 'link', text: `取消关联${link.kind === 'alert' ? '监控告警' : '工单'} ${link.ref_id}`, detail: { kind: link.kind, refId: link.ref_id, removed: true } });
    const fresh = await touchIncident(trx, row.id, now);
    await audit(ctx, trx, actor, { action: 'incident.unlink', targetType: 'incident', targetId: row.code, detail: { kind: link.kind, refId: link.ref_id } });
    return incidentDetail(ctx, trx, fresh);
  });
}

/** Incidents (not closed) the actor can see that are linked to this alert or ticket. */
async function openIncidentFor(ctx: IncidentsContext, actor: Actor, kind: LinkKind, id: string) {
  return visibleIncidents(ctx.db, actor)
    .innerJoin('incident_links', 'incident_links.incident_id', 'incidents.id')
    .select('incidents.id')
    .where('incident_links.kind', '=', kind).where('incident_links.ref_id', '=', id).where('incidents.state', '<>', 'closed')
    .orderBy('incidents.id', 'desc').executeTakeFirst();
}

export interface OneClickInput {
  severity?: number;
  title?: string;
  description?: string;
  commander?: string;
}

/** A suggestion from the breadth of the outage: one lot 三级, a few 二级, ten or more 一级. */
export function suggestSeverity(lots: number): Severity {
  if (lots >= 10) return 1;
  if (lots >= 2) return 2;
  return 3;
}

export async function createFromAlert(ctx: IncidentsContext, actor: Actor, alertId: string | number, input: OneClickInput = {}): Promise<{ created: boolean; incident: IncidentDetail }> {
  const id = refId('alert', alertId);
  const alert = await readAlertRef(ctx, actor, Number(id));
  const existing = await openIncidentFor(ctx, actor, 'alert', id);
  if (existing) return { created: false, incident: await incidentDetail(ctx, ctx.db, await findIncident(ctx.db, actor, existing.id)) };
  const lots = alert.lots.slice(0, 500);
  const lateLots = alert.scope === 'lot' ? 1 : Math.max(alert.lateLots, 1);
  const stoppedAt = alert.lastOccurredAt && alert.lastOccurredAt < alert.openedAt ? alert.lastOccurredAt : alert.openedAt;
  const since = alert.lastOccurredAt ? `自 ${formatShanghai(alert.lastOccurredAt)} 起无新数据` : '从未上报数据';
  return {
    created: true,
    incident: await createIncident(ctx, actor, {
      title: input.title ?? `数据同步中断：${alertLabel(alert).replace(/数据中断$/, '')}`.slice(0, 200),
      description: input.description ?? `监控告警 #${alert.id}：${alert.scope === 'lot' ? `停车场 ${alert.lotCode}` : `数据源 ${alert.sourceCode} 的 ${lateLots} 个停车场`}${since}，超过 ${alert.thresholdMinutes} 分钟阈值；${formatShanghai(alert.openedAt)} 告警。`,
      severity: input.severity !== undefined ? severityOf(input.severity) : suggestSeverity(lateLots),
      occurredAt: stoppedAt.toISOString(),
      detectedAt: alert.openedAt.toISOString(),
      detectionSource: 'monitoring',
      reporter: '数据同步监控 / sync monitoring',
      commander: input.commander,
      scope: {
        description: `数据源 ${alert.sourceName ?? alert.sourceCode}（${alert.sourceCode}）${lateLots} 个停车场数据未按时上报`,
        modules: ['ingest'],
        districts: alert.districtCodes,
        lots,
      },
    }, [{ kind: 'alert', refId: id, label: alertLabel(alert) }]),
  };
}

export async function createFromTicket(ctx: IncidentsContext, actor: Actor, ticketId: string | number, input: OneClickInput = {}): Promise<{ created: boolean; incident: IncidentDetail }> {
  const id = refId('ticket', ticketId);
  const ticket = await readTicketRef(ctx, actor, id);
  const existing = await openIncidentFor(ctx, actor, 'ticket', ticket.id);
  if (existing) return { created: false, incident: await incidentDetail(ctx, ctx.db, await findIncident(ctx.db, actor, existing.id)) };
  return {
    created: true,
    incident: await createIncident(ctx, actor, {
      title: input.title ?? `工单 ${ticket.number}：${ticket.title}`.slice(0, 200),
      description: input.description ?? ticket.description ?? `由工单 ${ticket.number}（${ticket.channel ?? ''}，${ticket.category}）转为系统事件：${ticket.title}`,
      severity: input.severity !== undefined ? severityOf(input.severity) : 3,
      occurredAt: ticket.createdAt.toISOString(),
      detectionSource: 'ticket',
      reporter: ticket.channel ? `工单（${ticket.channel}） / work order` : '工单 / work order',
      commander: input.commander,
      scope: {
        description: ticket.lotCode ? `停车场 ${ticket.lotCode} 用户反映：${ticket.title}` : `用户反映：${ticket.title}`,
        modules: ticketModules(ticket.category),
        districts: ticket.districtCode ? [ticket.districtCode] : [],
        lots: ticket.lotCode ? [ticket.lotCode] : [],
        affectedUsersNote: '工单反映的用户 / the citizen of the work order',
      },
    }, [{ kind: 'ticket', refId: ticket.id, label: ticketLabel(ticket) }]),
  };
}
