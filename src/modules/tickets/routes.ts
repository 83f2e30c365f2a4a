import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { AppError, badRequest } from '../../platform/errors.js';
import { actorOf, errorResponses, Paged, requirePermission, type App } from '../../platform/http.js';
import { uploadedBytes } from '../../platform/uploads.js';
import { contentDisposition } from '../../platform/http/download.js';
import { addAttachment, MAX_ATTACHMENT_BYTES, readAttachment } from './attachments.js';
import { listCallbacks } from './callbacks.js';
import { addComment } from './comments.js';
import { exportTickets, XLSX_TYPE } from './export.js';
import { ticketKpis } from './kpis.js';
import { listTickets, searchedPlate } from './list.js';
import { mergeTicket } from './merge.js';
import { listAssignees } from './references.js';
import {
  AttachmentSchema, AttachmentUploadBody, CallbackSchema, CommentBody, CommentSchema, CreateBody, KpiQuery, KpiReportSchema, ListQuery, MergeBody, PatchBody,
  TicketDetailSchema, TicketSchema, TransitionBody,
} from './schemas.js';
import { createTicket, getTicket, updateTicket } from './tickets.js';
import { transitionTicket } from './transitions.js';
import { ticketAdminRoutes } from './routes-admin.js';
import { ticketInboundRoutes } from './routes-inbound.js';
import { ticketPublicRoutes } from './routes-public.js';
import type { TicketsContext } from './repo.js';

/** A malformed multipart body (busboy's plain errors) is the client's fault: 400, not 500. */
async function readMultipart<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof AppError || String((err as { code?: unknown }).code ?? '').startsWith('FST_')) throw err;
    throw badRequest('INVALID_FILE', `上传内容格式错误 / malformed multipart body: ${(err as Error).message}`.slice(0, 300));
  }
}

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const tags = ['tickets'];

/** Sends bytes as a download; the name may be Chinese (RFC 6266 filename*). */
function sendDownload(reply: FastifyReply, body: Buffer, contentType: string, fileName: string, asciiName: string) {
  return reply
    .header('content-type', contentType)
    .header('content-disposition', contentDisposition(fileName, asciiName))
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'no-store')
    .send(body);
}

/**
 * Work orders (工单). Reading needs registry:read (district users see their own district);
 * handling needs ops; cancelling needs a supervisor (admin or bureau), checked in the service.
 */
export function ticketsRoutes(ctx: TicketsContext) {
  return async (app: App) => {
    app.addSchema(TicketSchema);
    app.addSchema(CommentSchema);
    app.addSchema(AttachmentSchema);
    const read = { preHandler: requirePermission('registry:read') };
    const ops = { preHandler: requirePermission('ops') };
    // A search by a whole plate without pii counts against the user's plate-search limit (429 beyond).
    const searchRead = { preHandler: [requirePermission('registry:read'), app.plateSearchLimit((req) => searchedPlate(req.query as { q?: string }))] };

    app.get('/api/v1/tickets', {
      ...searchRead,
      schema: {
        operationId: 'ticketsList',
        tags,
        summary: '工单列表（筛选、超时/即将超时清单） / tickets: queue, overdue and about-to-breach lists',
        description: 'sla=overdue：有计时已过时限；sla=warning：已过预警点（默认时限的 80%）未超时；sla=paused：等待市民。个人信息无 pii 权限时脱敏，明文返回记审计 ticket.read_pii。/ '
          + 'sla=overdue: an open clock is past due; warning: past its warning point, not yet due; paused: waiting for the citizen. Personal data masked without pii; unmasked responses are audited. '
          + 'q 为完整车牌时按车牌精确查找；无 pii 权限时此类查询记审计 ticket.plate_search 并每人每分钟限次（超出 429 RATE_LIMITED）。/ '
          + 'A whole plate in q finds that plate; without pii such a search is audited and limited per user and minute (429 RATE_LIMITED).',
        querystring: ListQuery,
        response: { 200: Paged(Type.Ref('Ticket')), ...errorResponses(400, 401, 403, 429) },
      },
    }, (req) => listTickets(ctx, actorOf(req), req.query));

    app.post('/api/v1/tickets', {
      ...ops,
      schema: {
        operationId: 'ticketsCreate',
        tags,
        summary: '新建工单（同渠道同外部单号幂等） / create a ticket (idempotent on channel + externalNo)',
        description: '201 新建，状态 new，开始响应与办结计时；同一 channel + externalNo 再次提交返回 200 与原工单。/ 201 with state new and its SLA due times; the same channel + externalNo again → 200 with the existing ticket.',
        body: CreateBody,
        response: { 200: Type.Ref('Ticket'), 201: Type.Ref('Ticket'), ...errorResponses(400, 401, 403, 409) },
      },
    }, async (req, reply) => {
      const { created, ticket } = await createTicket(ctx, actorOf(req), req.body);
      return reply.code(created ? 201 : 200).send(ticket);
    });

    app.get('/api/v1/tickets/kpis', {
      ...read,
      schema: {
        operationId: 'ticketsKpis',
        tags,
        summary: '工单考核指标：闭环率、按时办结率、平均处理时长、重开率 / ticket KPIs: closure, on-time, handling time, reopen',
        description: '统计 from–to（上海日期，含两端）内受理的工单，不含撤销与被合并的工单。closed = confirmed + closed；closureRate = closed ÷ total；'
          + 'onTimeRate = 按时办结 ÷ 已办结；reopenRate = 重开过 ÷ 已办结；比率为 0–1 小数。见 docs/用户手册.md 工单管理。/ '
          + 'Over tickets created from–to (Shanghai dates, inclusive), without cancelled and merged ones; rates are fractions.',
        querystring: KpiQuery,
        response: { 200: KpiReportSchema, ...errorResponses(400, 401, 403) },
      },
    }, (req) => ticketKpis(ctx, actorOf(req), req.query));

    app.get('/api/v1/tickets/export', {
      ...searchRead,
      schema: {
        operationId: 'ticketsExport',
        tags,
        summary: '导出工单台账（Excel，筛选同列表） / export the ticket ledger as .xlsx, same filters as the list',
        querystring: ListQuery,
        response: { 200: { description: 'Excel (.xlsx)', content: { [XLSX_TYPE]: { schema: { type: 'string', format: 'binary' } } } }, ...errorResponses(400, 401, 403, 429) },
      },
    }, async (req, reply) => {
      const file = await exportTickets(ctx, actorOf(req), req.query);
      return sendDownload(reply, file.body, XLSX_TYPE, file.fileName, file.asciiName);
    });

    app.get('/api/v1/tickets/assignees', {
      ...read,
      schema: {
        operationId: 'ticketsAssignees',
        tags, summary: '可派单的处理人（有 ops 权限的在用账号） / users tickets can be assigned to',
        response: { 200: Type.Object({ items: Type.Array(Type.Object({ username: Type.String(), displayName: Type.Union([Type.String(), Type.Null()]), role: Type.String() })) }), ...errorResponses(401, 403) },
      },
    }, async () => ({ items: await listAssignees(ctx) }));

    app.get('/api/v1/tickets/:id', {
      ...read,
      schema: {
        operationId: 'ticketsGet',
        tags, summary: '工单详情：计时、处理记录、答复与备注、附件、合并 / a ticket with its clocks, history, comments, attachments and merges',
        params: IdParams,
        response: { 200: TicketDetailSchema, ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => getTicket(ctx, actorOf(req), req.params.id));

    app.patch('/api/v1/tickets/:id', {
      ...ops,
      schema: {
        operationId: 'ticketsUpdate',
        tags, summary: '修改工单信息（分类、优先级、关联车场/车牌/流水、处理组等，逐项留痕） / edit a ticket (each change is in its history)',
        description: '改优先级会按新时限重算未结束的响应与办结计时（从原开始时间起，等待市民的时间仍暂停）。/ A new priority recomputes the open response and resolution clocks from their start.',
        params: IdParams,
        body: PatchBody,
        response: { 200: TicketDetailSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => updateTicket(ctx, actorOf(req), req.params.id, req.body));

    app.post('/api/v1/tickets/:id/transitions', {
      schema: {
        operationId: 'ticketsTransition',
        tags,
        summary: '工单状态流转（派单、处理、等待市民、办结、反馈、确认、关闭、重开、撤销） / change a ticket\'s state',
        description: 'new→assigned→in_progress⇄waiting_citizen→resolved→feedback_given→confirmed→closed；feedback_given/confirmed→reopened→assigned|in_progress；'
          + 'new/assigned/in_progress/waiting_citizen/reopened→cancelled（仅主管：admin 或 bureau，须填 reason）。不允许的流转返回 409 ILLEGAL_TRANSITION，details.allowed 为允许的目标状态。/ '
          + 'Illegal transitions → 409 ILLEGAL_TRANSITION with details.allowed; cancel needs a supervisor and a reason.',
        params: IdParams,
        body: TransitionBody,
        response: { 200: TicketDetailSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => transitionTicket(ctx, actorOf(req), req.params.id, req.body));

    app.post('/api/v1/tickets/:id/comments', {
      schema: {
        operationId: 'ticketsAddComment',
        tags, summary: '答复市民（public）或内部备注（internal） / a public reply or an internal note',
        description: '公开答复计为首次响应，并回调来源渠道。/ A public reply counts as the first response and is called back to the originating channel.',
        params: IdParams,
        body: CommentBody,
        response: { 201: Type.Ref('TicketComment'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, async (req, reply) => reply.code(201).send(await addComment(ctx, actorOf(req), req.params.id, req.body)));

    app.post('/api/v1/tickets/:id/attachments', {
      ...ops,
      schema: {
        operationId: 'ticketsUploadAttachment',
        tags, summary: '上传附件（multipart 字段 file，≤10 MB） / upload an attachment (multipart field file, at most 10 MB)',
        consumes: ['multipart/form-data'],
        params: IdParams,
        body: AttachmentUploadBody,
        response: { 201: Type.Ref('TicketAttachment'), ...errorResponses(400, 401, 403, 404, 413, 415) },
      },
    }, async (req, reply) => {
      if (!req.isMultipart()) throw badRequest('INVALID_FILE', '请以 multipart/form-data 上传文件字段 file / upload the file as multipart/form-data field "file"');
      const file = await readMultipart(() => req.file({ limits: { fileSize: MAX_ATTACHMENT_BYTES, files: 1 } }));
      if (!file || file.fieldname !== 'file') throw badRequest('INVALID_FILE', '缺少文件字段 file / missing form field "file"');
      const data = await readMultipart(() => uploadedBytes(file, MAX_ATTACHMENT_BYTES));
      const view = await addAttachment(ctx, actorOf(req), req.params.id, { fileName: file.filename, contentType: file.mimetype, data });
      return reply.code(201).send(view);
    });

    app.get('/api/v1/tickets/:id/attachments/:attachmentId', {
      ...read,
      schema: {
        operationId: 'ticketsDownloadAttachment',
        tags, summary: '下载附件（留痕） / download an attachment (audited)',
        params: Type.Object({ id: Type.Integer({ minimum: 1 }), attachmentId: Type.Integer({ minimum: 1 }) }),
        response: { 200: { description: '附件内容 / the file', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, ...errorResponses(400, 401, 403, 404) },
      },
    }, async (req, reply) => {
      const file = await readAttachment(ctx, actorOf(req), req.params.id, req.params.attachmentId);
      return sendDownload(reply, file.data, file.contentType, file.fileName, `attachment-${req.params.attachmentId}`);
    });

    app.post('/api/v1/tickets/:id/merge', {
      ...ops,
      schema: {
        operationId: 'ticketsMerge',
        tags, summary: '合并重复工单：本工单作为重复单关闭并并入 into / merge this duplicate into the primary ticket `into`',
        params: IdParams,
        body: MergeBody,
        response: { 200: TicketDetailSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => mergeTicket(ctx, actorOf(req), req.params.id, req.body.into, req.body.note?.trim() || null));

    app.get('/api/v1/tickets/:id/callbacks', {
      ...ops,
      schema: {
        operationId: 'ticketsCallbacks',
        tags, summary: '该工单的状态回调记录 / status callbacks of a ticket',
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(CallbackSchema) }), ...errorResponses(400, 401, 403, 404) },
      },
    }, async (req) => {
      await getTicket(ctx, actorOf(req), req.params.id, { audit: false });
      return { items: await listCallbacks(ctx, { ticketId: req.params.id }) };
    });

    await app.register(ticketAdminRoutes(ctx));
    await app.register(ticketInboundRoutes(ctx));
    await app.register(ticketPublicRoutes(ctx));
  };
}
