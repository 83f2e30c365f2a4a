import { audit } from '../../platform/context.js';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { acknowledgeAlert, getAlert, listAlerts } from './alerts.js';
import { listFreshness, listSourceStates } from './board.js';
import { evaluateMonitoring } from './evaluate.js';
import { completeFollowup, listFollowups } from './followups.js';
import { clearProblemSource, listProblemSources } from './problem-sources.js';
import {
  AlertDetailSchema, AlertPage, AlertSchema, AlertsQuery, CodeParams, EvaluationReply, FollowupPage, FollowupSchema, FollowupsQuery,
  FreshnessItem, FreshnessQuery, FreshnessReply, IdParams, NewWindowBody, NoteBody, ProblemSourceSchema, ProblemSourcesQuery, SourceItem,
  SourcesQuery, SourcesReply, TimelineQuery, TimelineReply, WindowPatchBody, WindowSchema, WindowsQuery,
} from './schemas.js';
import { syncReportRoutes } from './routes-sync-report.js';
import { lotTimeline } from './timeline.js';
import { createWindow, deleteWindow, getWindow, listWindows, updateWindow } from './windows.js';
import { Type } from 'typebox';
import type { MonitoringContext } from './repo.js';

/**
 * Data sync monitoring (数据同步监控). Reads: any signed-in user with registry:read, within their
 * district. Writes (acknowledge, follow-ups, windows, diagnosis marks, evaluate now): 'ops'.
 */
export function monitoringRoutes(ctx: MonitoringContext) {
  return async (app: App) => {
    // The monthly 《数据同步监控报告》 keeps its address, GET /api/v1/reports/sync.
    await app.register(syncReportRoutes(ctx));
    for (const s of [FreshnessItem, SourceItem, AlertSchema, FollowupSchema, ProblemSourceSchema, WindowSchema]) app.addSchema(s);
    const read = { preHandler: requirePermission('registry:read') };
    const write = { preHandler: requirePermission('ops') };
    const tags = ['monitoring'];

    app.get('/api/v1/monitoring/freshness', {
      ...read,
      schema: {
        operationId: 'monitoringFreshness',
        tags, summary: '各停车场数据新鲜度 / data freshness per lot',
        description: '每个已绑定数据源的停车场一项。late：最新数据的发生时间落后当前超过阈值（与最近何时上传无关）。/ One item per lot bound to a source. late: the newest occurredAt is more than the threshold behind now, however recently (old) data arrived.',
        querystring: FreshnessQuery, response: { 200: FreshnessReply, ...errorResponses(400, 401, 403) },
      },
    }, (req) => listFreshness(ctx, actorOf(req), req.query));

    app.get('/api/v1/monitoring/sources', {
      ...read,
      schema: { operationId: 'monitoringSources', tags, summary: '各数据源同步状态 / sync state per data source', querystring: SourcesQuery, response: { 200: SourcesReply, ...errorResponses(400, 401, 403) } },
    }, (req) => listSourceStates(ctx, actorOf(req), req.query));

    app.get('/api/v1/monitoring/lots/:code/timeline', {
      ...read,
      schema: {
        operationId: 'monitoringLotTimeline',
        tags, summary: '停车场近几日按小时的数据与接收量 / a lot\'s hourly events and receipts over recent days',
        params: CodeParams, querystring: TimelineQuery, response: { 200: TimelineReply, ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => lotTimeline(ctx, actorOf(req), req.params.code, req.query.days));

    app.get('/api/v1/monitoring/alerts', {
      ...read,
      schema: { operationId: 'monitoringAlertsList', tags, summary: '告警列表 / alerts', querystring: AlertsQuery, response: { 200: AlertPage, ...errorResponses(400, 401, 403) } },
    }, (req) => listAlerts(ctx, actorOf(req), req.query));

    app.get('/api/v1/monitoring/alerts/:id', {
      ...read,
      schema: { operationId: 'monitoringAlertsGet', tags, summary: '告警详情（含处理记录） / an alert with its history', params: IdParams, response: { 200: AlertDetailSchema, ...errorResponses(400, 401, 403, 404) } },
    }, (req) => getAlert(ctx, actorOf(req), req.params.id));

    app.post('/api/v1/monitoring/alerts/:id/ack', {
      ...write,
      schema: {
        operationId: 'monitoringAlertsAck',
        tags, summary: '确认告警（附说明，停止提醒） / acknowledge an alert with a note; reminders stop',
        params: IdParams, body: NoteBody(500, '确认说明 / note'), response: { 200: AlertDetailSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => acknowledgeAlert(ctx, actorOf(req), req.params.id, req.body.note));

    app.get('/api/v1/monitoring/followups', {
      ...read,
      schema: { operationId: 'monitoringFollowupsList', tags, summary: '跟进任务（联系运营单位） / follow-up tasks (contact the operator)', querystring: FollowupsQuery, response: { 200: FollowupPage, ...errorResponses(400, 401, 403) } },
    }, (req) => listFollowups(ctx, actorOf(req), req.query));

    app.post('/api/v1/monitoring/followups/:id/complete', {
      ...write,
      schema: {
        operationId: 'monitoringFollowupsComplete',
        tags, summary: '完成跟进任务（附处理情况） / complete a follow-up task with a note',
        params: IdParams, body: NoteBody(1000, '处理情况 / what was done'), response: { 200: Type.Ref('MonitoringFollowup'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => completeFollowup(ctx, actorOf(req), req.params.id, req.body.note));

    app.get('/api/v1/monitoring/problem-sources', {
      ...read,
      schema: {
        operationId: 'monitoringProblemSourcesList',
        tags, summary: '长期问题接入单位（30 天内多次中断） / sources marked for technical diagnosis (repeated outages in 30 days)',
        querystring: ProblemSourcesQuery, response: { 200: Type.Object({ items: Type.Array(Type.Ref('ProblemSource')) }), ...errorResponses(400, 401, 403) },
      },
    }, (req) => listProblemSources(ctx, actorOf(req), req.query));

    app.post('/api/v1/monitoring/problem-sources/:code/clear', {
      ...write,
      schema: {
        operationId: 'monitoringProblemSourcesClear',
        tags, summary: '解除长期问题标记（附诊断结论） / clear a diagnosis mark with the findings',
        params: CodeParams, body: NoteBody(1000, '诊断结论 / findings'), response: { 200: Type.Ref('ProblemSource'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => clearProblemSource(ctx, actorOf(req), req.params.code, req.body.note));

    app.get('/api/v1/monitoring/windows', {
      ...read,
      schema: { operationId: 'monitoringWindowsList', tags, summary: '维护窗口 / maintenance windows', querystring: WindowsQuery, response: { 200: Type.Object({ items: Type.Array(Type.Ref('MaintenanceWindow')) }), ...errorResponses(400, 401, 403) } },
    }, (req) => listWindows(ctx, actorOf(req), req.query));

    app.get('/api/v1/monitoring/windows/:id', {
      ...read,
      schema: { operationId: 'monitoringWindowsGet', tags, summary: '维护窗口详情 / a maintenance window', params: IdParams, response: { 200: Type.Ref('MaintenanceWindow'), ...errorResponses(400, 401, 403, 404) } },
    }, (req) => getWindow(ctx, actorOf(req), req.params.id));

    app.post('/api/v1/monitoring/windows', {
      ...write,
      schema: {
        operationId: 'monitoringWindowsCreate',
        tags, summary: '新增维护窗口（一次性或每周重复） / add a maintenance window (one-off or weekly)',
        body: NewWindowBody, response: { 201: Type.Ref('MaintenanceWindow'), ...errorResponses(400, 401, 403) },
      },
    }, async (req, reply) => reply.code(201).send(await createWindow(ctx, actorOf(req), req.body)));

    app.patch('/api/v1/monitoring/windows/:id', {
      ...write,
      schema: {
        operationId: 'monitoringWindowsUpdate',
        tags, summary: '修改维护窗口 / update a maintenance window',
        params: IdParams, body: WindowPatchBody, response: { 200: Type.Ref('MaintenanceWindow'), ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => updateWindow(ctx, actorOf(req), req.params.id, req.body));

    app.delete('/api/v1/monitoring/windows/:id', {
      ...write,
      schema: { operationId: 'monitoringWindowsDelete', tags, summary: '删除维护窗口 / delete a maintenance window', params: IdParams, response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) } },
    }, async (req, reply) => {
      await deleteWindow(ctx, actorOf(req), req.params.id);
      return reply.code(204).send(null);
    });

    app.post('/api/v1/monitoring/evaluate', {
      ...write,
      schema: {
        operationId: 'monitoringEvaluate',
        tags, summary: '立即评估（通常每分钟自动运行） / evaluate now (the job runs every minute)',
        response: { 200: EvaluationReply, ...errorResponses(401, 403) },
      },
    }, async (req) => {
      const summary = await evaluateMonitoring(ctx);
      await audit(ctx, ctx.db, actorOf(req), { action: 'monitoring.evaluate', detail: { opened: summary.opened, resolved: summary.resolved, reminded: summary.reminded } });
      return summary;
    });
  };
}
