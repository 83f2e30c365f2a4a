import type { FastifyRequest } from 'fastify';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { contentDisposition } from '../../platform/http/download.js';
import {
  ActionBody, ActionCompleteBody, ActionParams, ActionPatchBody, ActionWaiveBody, AlertParams, CreateIncidentBody, ExportQuery, FeedbackBody,
  IncidentDetailSchema, IncidentPage, IncidentParams, IncidentSummarySchema, KpiQuery, KpisSchema, LinkBody, LinkParams, ListQuery, NoteBody,
  OneClickBody, StandardsSchema, TicketParams, TransitionBody, UpdateIncidentBody,
} from './schemas.js';
import { addAction, completeAction, updateAction, waiveAction } from './actions.js';
import { recordFeedback } from './feedback.js';
import { addTimelineNote, createIncident, getIncident, updateIncident } from './incidents.js';
import { exportLedger } from './ledger.js';
import { createFromAlert, createFromTicket, linkItem, unlinkItem } from './links.js';
import { incidentKpis, listIncidents } from './query.js';
import { incidentStandards } from './standards.js';
import { transitionIncident } from './transitions.js';
import { DOCX_TYPE, XLSX_TYPE } from './ledger.js';
import type { IncidentsContext } from './repo.js';

const binary = { schema: { type: 'string', format: 'binary' } };

/**
 * The incident ledger (系统事件台账). Reading needs registry:read (every role; district users see
 * incidents touching their district), changing needs ops. Every change answers with the whole
 * incident, so the console redraws from one response.
 */
export function incidentsRoutes(ctx: IncidentsContext) {
  return async (app: App) => {
    app.addSchema(IncidentSummarySchema);
    app.addSchema(IncidentDetailSchema);
    const tags = ['incidents'];
    const read = { preHandler: requirePermission('registry:read') };
    const write = { preHandler: requirePermission('ops') };
    const detail = (...statuses: number[]) => ({ 200: { $ref: 'IncidentDetail' }, ...errorResponses(...statuses) });
    const created = (...statuses: number[]) => ({ 201: { $ref: 'IncidentDetail' }, ...errorResponses(...statuses) });
    // One-click and "done" calls often come without a body: treat none as {}.
    const bodyOptional = { preValidation: async (req: FastifyRequest) => { if (req.body === undefined || req.body === null) req.body = {}; } };

    app.get('/api/v1/incidents', {
      ...read,
      schema: {
        operationId: 'incidentsList',
        tags, summary: '系统事件台账列表 / incident ledger',
        description: '按发生时间倒序；含各项时限（SLA）状态与后续措施计数。/ Newest occurrence first, with SLA states and follow-up counts.',
        querystring: ListQuery, response: { 200: IncidentPage, ...errorResponses(400, 401, 403) },
      },
    }, (req) => listIncidents(ctx, actorOf(req), req.query));

    app.get('/api/v1/incidents/kpis', {
      ...read,
      schema: {
        operationId: 'incidentsKpis',
        tags, summary: '事件统计：分级数量、平均响应/恢复时长、时限达成率 / incident KPIs',
        description: '统计发生时间在期间内（上海日期，默认本月至今）的事件。达成率 = 按时完成 ÷（按时 + 超时，含已超时未完成）。/ '
          + 'Over incidents occurred in the period (default this month). Rate = on time ÷ (on time + late, including open past due).',
        querystring: KpiQuery, response: { 200: KpisSchema, ...errorResponses(400, 401, 403) },
      },
    }, (req) => incidentKpis(ctx, actorOf(req), req.query));

    app.get('/api/v1/incidents/standards', {
      ...read,
      schema: { operationId: 'incidentsStandards', tags, summary: '事件分级响应标准（响应、恢复、反馈时限） / graded response standards', response: { 200: StandardsSchema, ...errorResponses(401, 403) } },
    }, async () => ({ items: await incidentStandards(ctx) }));

    app.get('/api/v1/incidents/export', {
      ...read,
      schema: {
        operationId: 'incidentsExport',
        tags, summary: '导出《系统事件台账》（xlsx 或 docx，筛选同列表） / export the ledger as .xlsx or .docx, same filters as the list',
        querystring: ExportQuery,
        response: {
          200: { description: 'Excel (.xlsx) 或 Word (.docx)', content: { [XLSX_TYPE]: binary, [DOCX_TYPE]: binary } },
          ...errorResponses(400, 401, 403),
        },
      },
    }, async (req, reply) => {
      const file = await exportLedger(ctx, actorOf(req), req.query);
      return reply
        .header('content-type', file.contentType)
        .header('content-disposition', contentDisposition(file.fileName, file.asciiName))
        .header('cache-control', 'no-store')
        .send(file.body);
    });

    app.post('/api/v1/incidents', {
      ...write,
      schema: {
        operationId: 'incidentsCreate',
        tags, summary: '登记系统事件 / record an incident',
        description: '状态 open；按等级开始响应、恢复时限（自发现时间起算），返回 respondDueAt、restoreDueAt。/ State open; starts the response and restore clocks from detection.',
        body: CreateIncidentBody, response: created(400, 401, 403),
      },
    }, async (req, reply) => reply.code(201).send(await createIncident(ctx, actorOf(req), req.body)));

    app.post('/api/v1/incidents/from-alert/:alertId', {
      ...write,
      ...bodyOptional,
      schema: {
        operationId: 'incidentsCreateFromAlert',
        tags, summary: '由监控告警一键生成事件 / open an incident from a monitoring alert',
        description: '预填名称、影响范围（停车场、数据源、县市区）、发现方式 monitoring，按受影响停车场数建议等级。该告警已有未关闭事件时返回它（200）。/ '
          + 'Prefilled; an alert that already has an open incident returns it (200).',
        params: AlertParams, body: OneClickBody, response: { ...created(400, 401, 403, 404), 200: { $ref: 'IncidentDetail' } },
      },
    }, async (req, reply) => {
      const r = await createFromAlert(ctx, actorOf(req), req.params.alertId, req.body);
      return reply.code(r.created ? 201 : 200).send(r.incident);
    });

    app.post('/api/v1/incidents/from-ticket/:ticketId', {
      ...write,
      ...bodyOptional,
      schema: {
        operationId: 'incidentsCreateFromTicket',
        tags, summary: '由工单一键生成事件 / open an incident from a work order',
        description: '预填名称、停车场与县市区、发现方式 ticket，默认三级。该工单已有未关闭事件时返回它（200）。/ Prefilled, default severity 3; returns the open incident of the ticket if any (200).',
        params: TicketParams, body: OneClickBody, response: { ...created(400, 401, 403, 404), 200: { $ref: 'IncidentDetail' } },
      },
    }, async (req, reply) => {
      const r = await createFromTicket(ctx, actorOf(req), req.params.ticketId, req.body);
      return reply.code(r.created ? 201 : 200).send(r.incident);
    });

    app.get('/api/v1/incidents/:id', {
      ...read,
      schema: {
        operationId: 'incidentsGet',
        tags, summary: '事件详情（含处理过程、后续措施、反馈、时限） / an incident with its timeline, actions, feedback and SLA',
        params: IncidentParams, response: detail(400, 401, 403, 404),
      },
    }, (req) => getIncident(ctx, actorOf(req), req.params.id));

    app.patch('/api/v1/incidents/:id', {
      ...write,
      schema: { operationId: 'incidentsUpdate', tags, summary: '修改事件信息 / edit an incident', params: IncidentParams, body: UpdateIncidentBody, response: detail(400, 401, 403, 404, 409) },
    }, (req) => updateIncident(ctx, actorOf(req), req.params.id, req.body));

    app.post('/api/v1/incidents/:id/transitions', {
      ...write,
      schema: {
        operationId: 'incidentsTransition',
        tags, summary: '变更事件状态 / move an incident to its next state',
        description: 'open → acknowledged → mitigated（基本服务恢复，记录恢复时间，开始 30 分钟反馈时限）→ resolved → reviewed（须原因分析）→ closed（后续措施均完成或豁免）。'
          + '不允许的变更返回 409 ILLEGAL_TRANSITION（details.allowed 为可变更状态）。/ Illegal steps → 409 ILLEGAL_TRANSITION with the allowed ones; RCA_REQUIRED, FOLLOWUPS_OPEN.',
        params: IncidentParams, body: TransitionBody, response: detail(400, 401, 403, 404, 409),
      },
    }, (req) => transitionIncident(ctx, actorOf(req), req.params.id, req.body));

    app.post('/api/v1/incidents/:id/timeline', {
      ...write,
      schema: { operationId: 'incidentsAddTimelineEntry', tags, summary: '添加处理过程记录 / add a timeline entry', params: IncidentParams, body: NoteBody, response: created(400, 401, 403, 404, 409) },
    }, async (req, reply) => reply.code(201).send(await addTimelineNote(ctx, actorOf(req), req.params.id, req.body)));

    app.post('/api/v1/incidents/:id/actions', {
      ...write,
      schema: { operationId: 'incidentsAddAction', tags, summary: '添加后续措施（BUG 修复、变更…） / add a follow-up action', params: IncidentParams, body: ActionBody, response: created(400, 401, 403, 404, 409) },
    }, async (req, reply) => reply.code(201).send(await addAction(ctx, actorOf(req), req.params.id, req.body)));

    app.patch('/api/v1/incidents/:id/actions/:actionId', {
      ...write,
      schema: { operationId: 'incidentsUpdateAction', tags, summary: '修改后续措施（改计划日期须说明理由） / edit a follow-up action', params: ActionParams, body: ActionPatchBody, response: detail(400, 401, 403, 404, 409) },
    }, (req) => updateAction(ctx, actorOf(req), req.params.id, req.params.actionId, req.body));

    app.post('/api/v1/incidents/:id/actions/:actionId/complete', {
      ...write,
      ...bodyOptional,
      schema: { operationId: 'incidentsCompleteAction', tags, summary: '后续措施完成（开始整改后反馈时限） / mark a follow-up action done', params: ActionParams, body: ActionCompleteBody, response: detail(400, 401, 403, 404, 409) },
    }, (req) => completeAction(ctx, actorOf(req), req.params.id, req.params.actionId, req.body));

    app.post('/api/v1/incidents/:id/actions/:actionId/waive', {
      ...write,
      schema: { operationId: 'incidentsWaiveAction', tags, summary: '豁免后续措施（须说明理由） / waive a follow-up action with a reason', params: ActionParams, body: ActionWaiveBody, response: detail(400, 401, 403, 404, 409) },
    }, (req) => waiveAction(ctx, actorOf(req), req.params.id, req.params.actionId, req.body));

    app.post('/api/v1/incidents/:id/feedback', {
      ...write,
      schema: {
        operationId: 'incidentsAddFeedback',
        tags, summary: '记录向用户反馈（完成反馈时限） / record feedback given to the users',
        description: '完成此时正在计时的反馈时限（恢复后 30 分钟、整改完成后）；恢复前的反馈为进展通报。/ Meets the feedback clocks running at that time.',
        params: IncidentParams, body: FeedbackBody, response: created(400, 401, 403, 404),
      },
    }, async (req, reply) => reply.code(201).send(await recordFeedback(ctx, actorOf(req), req.params.id, req.body)));

    app.post('/api/v1/incidents/:id/links', {
      ...write,
      schema: { operationId: 'incidentsAddLink', tags, summary: '关联监控告警或工单 / link a monitoring alert or a work order', params: IncidentParams, body: LinkBody, response: created(400, 401, 403, 404, 409) },
    }, async (req, reply) => reply.code(201).send(await linkItem(ctx, actorOf(req), req.params.id, req.body)));

    app.delete('/api/v1/incidents/:id/links/:linkId', {
      ...write,
      schema: { operationId: 'incidentsRemoveLink', tags, summary: '取消关联 / remove a link', params: LinkParams, response: detail(400, 401, 403, 404, 409) },
    }, (req) => unlinkItem(ctx, actorOf(req), req.params.id, req.params.linkId));
  };
}
