import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { can, type Actor } from '../../platform/auth/permissions.js';
import { forbidden, badRequest, unauthorized } from '../../platform/errors.js';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { contentDisposition } from '../../platform/http/download.js';
import type { AppContext } from '../../platform/context.js';
import { authenticate } from '../accounts/index.js';
import { DOCX_TYPE, renderDocx, renderXlsx, XLSX_TYPE, type ReportDocument } from './document.js';
import { inspectionDocument } from './inspection-report.js';
import { getInspection, incidentFromItem, listInspections, runInspection, updateInspectionItem } from './inspections.js';
import { scrapeTokenMatches, type HealthMetrics } from './metrics.js';
import {
  DocumentPage, DocumentQuery, EditBody, FormatQuery, GenerateBody, HealthDetailSchema, IdParams, InspectionPage, InspectionSchema, ItemIncidentBody, ItemIncidentSchema, ItemParams, ItemPatchBody, PageQuery, ReviewBody,
  ScheduleBody, ScheduleList, ScheduleParams, ScheduleSchema, WorkReportListQuery, WorkReportPage, WorkReportSchema,
} from './schemas.js';
import { archivedDocument, deleteSchedule, listSchedules, putSchedule } from './report-schedules.js';
import { healthDetails, listDocuments } from './service.js';
import { editWorkReport, generateWorkReport, getWorkReport, listWorkReports, reviewWorkReport, workReportDocument } from './work-report.js';

const binary = { schema: { type: 'string', format: 'binary' } };

/** Approving or returning a report is the purchaser's (报采购单位审核认可): admin or bureau. */
function assertReviewer(actor: Actor): void {
  if (actor.role !== 'admin' && actor.role !== 'bureau') throw forbidden('审核须由市城管局用户进行 / only bureau users review reports');
}

async function sendDocument(reply: FastifyReply, doc: ReportDocument, format: string | undefined, baseName: string, json: unknown) {
  const f = format ?? 'docx';
  if (f === 'json') return reply.header('cache-control', 'no-store').send(json);
  if (f !== 'docx' && f !== 'xlsx') throw badRequest('INVALID_FORMAT', 'format 须为 docx | xlsx | json / format: docx, xlsx or json');
  const body = f === 'docx' ? await renderDocx(doc) : await renderXlsx(doc);
  return reply
    .header('content-type', f === 'docx' ? DOCX_TYPE : XLSX_TYPE)
    .header('content-disposition', contentDisposition(`${baseName}.${f}`, `${baseName.replace(/[^\x20-\x7e]/g, '').replace(/^-+/, '') || 'report'}.${f}`))
    .header('cache-control', 'no-store')
    .send(body);
}

/**
 * The health module's routes: GET /metrics (Prometheus text; a staff token with ops, or
 * ZHIBO_METRICS_TOKEN as a bearer token), the detailed health, inspections (巡检), weekly and
 * monthly work reports (周报/月报) with their review, and the report centre (报告中心).
 */
export function healthRoutes(ctx: AppContext, metrics: HealthMetrics) {
  const counts = () => metrics.counts();
  return async (app: App) => {
    // Commands without input (POST /api/v1/inspections) are often sent with a JSON content type and
    // no body: within this module's routes an empty JSON body reads as {} (anything else as usual).
    const json = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
      if (body === '' || (typeof body === 'string' && body.trim() === '')) return done(null, {});
      return json(req, body as string, done);
    });
    app.addSchema(InspectionSchema);
    app.addSchema(WorkReportSchema);
    app.addSchema(ScheduleSchema);
    const ops = { preHandler: requirePermission('ops') };
    const read = { preHandler: requirePermission('registry:read') };

    app.get('/metrics', {
      schema: {
        operationId: 'healthMetrics',
        tags: ['health'],
        summary: 'Prometheus 指标 / Prometheus metrics',
        description: 'Prometheus 文本格式。须带 ops 权限用户的令牌，或 ZHIBO_METRICS_TOKEN 作为 Bearer 令牌；匿名 401（本机亦然）。/ Prometheus text; a staff bearer token with the ops permission or ZHIBO_METRICS_TOKEN as a bearer token; anonymous → 401, also from localhost.',
        response: {
          200: { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': binary } },
          ...errorResponses(401, 403),
        },
      },
    }, async (req: FastifyRequest, reply: FastifyReply) => {
      const header = req.headers.authorization;
      const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
      if (!token) throw unauthorized();
      if (!scrapeTokenMatches(token, ctx.config.metricsToken)) {
        const session = await authenticate(ctx, token, req.ip);
        if (!session) throw unauthorized();
        if (!can(session.actor, 'ops')) throw forbidden('需要权限 ops / requires permission ops');
      }
      const text = await metrics.render(ctx);
      return reply.header('content-type', metrics.registry.contentType).header('cache-control', 'no-store').send(text);
    });

    app.get('/api/v1/health/details', {
      ...ops,
      schema: {
        operationId: 'healthDetails', tags: ['health'], summary: '平台自检详情：任务运行与平台告警 / detailed health: job runs and platform alerts',
        response: { 200: HealthDetailSchema, ...errorResponses(401, 403) },
      },
    }, () => healthDetails(ctx));

    app.post('/api/v1/inspections', {
      ...ops,
      schema: {
        operationId: 'healthRunInspection', tags: ['health'], summary: '执行巡检 / run an inspection',
        description: '执行全部自动检查并登记人工检查项（初始为 warn，待填写），返回各项结果。/ Runs every automated check and adds the manual items (warn until filled in).',
        response: { 201: { $ref: 'Inspection' }, ...errorResponses(401, 403) },
      },
    }, async (req, reply) => reply.code(201).send(await runInspection(ctx, actorOf(req), counts)));

    app.get('/api/v1/inspections', {
      ...read,
      schema: { operationId: 'healthListInspections', tags: ['health'], summary: '巡检记录 / inspection runs', querystring: PageQuery, response: { 200: InspectionPage, ...errorResponses(400, 401, 403) } },
    }, (req) => listInspections(ctx, req.query));

    app.get('/api/v1/inspections/:id', {
      ...read,
      schema: { operationId: 'healthGetInspection', tags: ['health'], summary: '巡检详情（含与上次对比） / one inspection, compared with the previous', params: IdParams, response: { 200: { $ref: 'Inspection' }, ...errorResponses(400, 401, 403, 404) } },
    }, (req) => getInspection(ctx, req.params.id));

    app.patch('/api/v1/inspections/:id/items/:code', {
      ...ops,
      schema: {
        operationId: 'healthUpdateInspectionItem', tags: ['health'], summary: '填写巡检项（结果、备注） / fill in an item: status and note',
        params: ItemParams, body: ItemPatchBody, response: { 200: { $ref: 'Inspection' }, ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => updateInspectionItem(ctx, actorOf(req), req.params.id, req.params.code, req.body));

    app.post('/api/v1/inspections/:id/items/:code/incident', {
      ...ops,
      preValidation: async (req: FastifyRequest) => { if (req.body === undefined || req.body === null) req.body = {}; },
      schema: {
        operationId: 'healthIncidentFromItem', tags: ['health'], summary: '由巡检项一键登记系统事件 / open an incident from an item',
        params: ItemParams, body: ItemIncidentBody, response: { 201: ItemIncidentSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, async (req, reply) => reply.code(201).send(await incidentFromItem(ctx, actorOf(req), req.params.id, req.params.code, req.body)));

    app.get('/api/v1/inspections/:id/report', {
      ...read,
      schema: {
        operationId: 'healthInspectionReport', tags: ['health'], summary: '下载《系统巡检报告》 / download the inspection report',
        params: IdParams, querystring: FormatQuery,
        response: { 200: { description: 'Word (.docx) 或 Excel (.xlsx)', content: { [DOCX_TYPE]: binary, [XLSX_TYPE]: binary } }, ...errorResponses(400, 401, 403, 404) },
      },
    }, async (req, reply) => {
      if (req.query.format === 'json') throw badRequest('INVALID_FORMAT', 'format 须为 docx | xlsx / format: docx or xlsx');
      const i = await getInspection(ctx, req.params.id);
      return sendDocument(reply, inspectionDocument(i), req.query.format, `系统巡检报告-${i.createdAt.slice(0, 10)}-${i.id}`, i);
    });

    app.post('/api/v1/work-reports', {
      ...ops,
      schema: {
        operationId: 'healthGenerateWorkReport', tags: ['health'], summary: '生成周报/月报（新版本，草稿） / generate a weekly or monthly report (a new draft version)',
        body: GenerateBody, response: { 201: { $ref: 'WorkReport' }, ...errorResponses(400, 401, 403) },
      },
    }, async (req, reply) => reply.code(201).send(await generateWorkReport(ctx, actorOf(req), req.body)));

    app.get('/api/v1/work-reports', {
      ...read,
      schema: { operationId: 'healthListWorkReports', tags: ['health'], summary: '周报/月报 / work reports', querystring: WorkReportListQuery, response: { 200: WorkReportPage, ...errorResponses(400, 401, 403) } },
    }, (req) => listWorkReports(ctx, req.query));

    app.get('/api/v1/work-reports/:id', {
      ...read,
      schema: { operationId: 'healthGetWorkReport', tags: ['health'], summary: '一份周报/月报 / one work report', params: IdParams, response: { 200: { $ref: 'WorkReport' }, ...errorResponses(400, 401, 403, 404) } },
    }, (req) => getWorkReport(ctx, req.params.id));

    app.patch('/api/v1/work-reports/:id', {
      ...ops,
      schema: {
        operationId: 'healthEditWorkReport', tags: ['health'], summary: '编辑遗留问题与下期计划（草稿或退回时） / edit problems and plan (draft or returned)',
        params: IdParams, body: EditBody, response: { 200: { $ref: 'WorkReport' }, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => editWorkReport(ctx, actorOf(req), req.params.id, req.body));

    app.post('/api/v1/work-reports/:id/review', {
      ...read,
      schema: {
        operationId: 'healthReviewWorkReport', tags: ['health'], summary: '提交审核 / 审核认可 / 退回 / submit, approve or return',
        description: 'submit：运维（ops）；approve、return：市城管局（bureau）或管理员；退回须填意见；已认可的报告冻结（409 REPORT_FROZEN）。/ submit: ops; approve and return: bureau or admin; approved reports are frozen.',
        params: IdParams, body: ReviewBody, response: { 200: { $ref: 'WorkReport' }, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => {
      const actor = actorOf(req);
      if (req.body.action === 'submit' && !can(actor, 'ops')) throw forbidden('需要权限 ops / requires permission ops');
      if (req.body.action === 'approve' || req.body.action === 'return') assertReviewer(actor);
      return reviewWorkReport(ctx, actor, req.params.id, req.body.action, req.body.comment);
    });

    app.get('/api/v1/work-reports/:id/download', {
      ...read,
      schema: {
        operationId: 'healthDownloadWorkReport', tags: ['health'], summary: '下载周报/月报 / download a work report',
        params: IdParams, querystring: FormatQuery,
        response: { 200: { description: 'Word (.docx)、Excel (.xlsx) 或 JSON', content: { [DOCX_TYPE]: binary, [XLSX_TYPE]: binary, 'application/json': { schema: { $ref: 'WorkReport' } } } }, ...errorResponses(400, 401, 403, 404) },
      },
    }, async (req, reply) => {
      const r = await getWorkReport(ctx, req.params.id);
      const name = `${r.kind === 'weekly' ? '运维周报' : '运维月报'}-${r.period}-v${r.version}`;
      return sendDocument(reply, workReportDocument(r.content, { problems: r.problems, nextPlan: r.nextPlan, version: r.version, state: r.state }), req.query.format, name, r);
    });

    app.get('/api/v1/report-centre', {
      ...read,
      schema: { operationId: 'healthReportCentre', tags: ['health'], summary: '报告中心：已生成的文档 / report centre: generated documents', description: '全平台生成的各类报告：本模块归档的巡检报告、周报/月报，及各模块提供的同步月报、接入进展季度清单、事件台账、专题报告、结算单、对账日报、漏洞处置报告；县市区用户只见本县市区的。/ Every report kind the platform produces, within the reader\'s district.',
      querystring: DocumentQuery, response: { 200: DocumentPage, ...errorResponses(400, 401, 403) } },
    }, (req) => listDocuments(ctx, actorOf(req), req.query));

    app.get('/api/v1/report-centre/archive/:id', {
      ...read,
      schema: {
        operationId: 'healthArchivedReport', tags: ['health'], summary: '下载定时生成并归档的报告 / download an archived scheduled report',
        description: '按报告种类的可见范围（县市区用户不可见；漏洞报告需 ops），否则 404。/ Visible as the kind is (not to district users; vulnerability reports need ops), else 404.',
        params: IdParams, response: { 200: { description: 'Word (.docx)', content: { [DOCX_TYPE]: binary } }, ...errorResponses(401, 403, 404) },
      },
    }, async (req, reply) => {
      const f = await archivedDocument(ctx, actorOf(req), req.params.id);
      return reply.header('content-type', f.contentType)
        .header('content-disposition', contentDisposition(f.fileName, `${f.kind}-${req.params.id}.docx`))
        .header('cache-control', 'no-store')
        .send(f.body);
    });

    // Report schedules: the Nth working day of the month / week, sent to notification channels (ops, who manage the channels).
    app.get('/api/v1/report-schedules', {
      ...ops,
      schema: {
        operationId: 'healthListReportSchedules', tags: ['health'], summary: '报告定时生成与发送 / report schedules',
        description: '每种可定时的报告及其设置，及可选的通知渠道。/ Every schedulable kind with its schedule, and the channels one may choose.',
        response: { 200: ScheduleList, ...errorResponses(401, 403) },
      },
    }, () => listSchedules(ctx));

    app.put('/api/v1/report-schedules/:kind', {
      ...ops,
      schema: {
        operationId: 'healthPutReportSchedule', tags: ['health'], summary: '设置报告定时 / set a report schedule',
        description: '每月（或每周）第 workingDay 个工作日 08:00（上海）起生成上一个月（周）的报告，归档到报告中心，并向 channelIds 的通知渠道发送下载提醒；每个周期只生成一次。'
          + '种类不可定时 400 INVALID_KIND；工作日超出 400 INVALID_WORKING_DAY；渠道不存在 400 UNKNOWN_CHANNEL。审计。/ '
          + 'From 08:00 Shanghai of the Nth working day of the month (or week) the report of the period just ended is generated, archived, and announced to the channels; once per period.',
        params: ScheduleParams, body: ScheduleBody, response: { 200: { $ref: 'ReportSchedule' }, ...errorResponses(400, 401, 403) },
      },
    }, (req) => putSchedule(ctx, actorOf(req), req.params.kind, req.body));

    app.delete('/api/v1/report-schedules/:kind', {
      ...ops,
      schema: {
        operationId: 'healthDeleteReportSchedule', tags: ['health'], summary: '取消报告定时 / remove a report schedule',
        params: ScheduleParams, response: { 204: Type.Null({ description: '已取消 / removed' }), ...errorResponses(401, 403, 404) },
      },
    }, async (req, reply) => {
      await deleteSchedule(ctx, actorOf(req), req.params.kind);
      return reply.code(204).send(null);
    });
  };
}
