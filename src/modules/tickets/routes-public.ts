import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { actorOf, errorResponses, type App } from '../../platform/http.js';
import { regenerateCitizenLink } from './citizen-links.js';
import { answerComplaint, complaintStatus, submitComplaint } from './public-complaints.js';
import { addressLimit } from '../../platform/address-limit.js';
import { smsSenderFor, type SmsSender } from '../../platform/sms.js';
import { badRequest } from '../../platform/errors.js';
import { fileUploadBody, uploadedBytes } from '../../platform/uploads.js';
import { addCitizenPhoto, CITIZEN_PHOTO_BYTES, CITIZEN_PHOTOS_PER_TICKET } from './citizen-photos.js';
import { confirmLookup, LOOKUPS_PER_HOUR, startLookup } from './lookup.js';
import { TICKET_CATEGORIES, TICKET_STATES } from './vocab.js';
import type { TicketsContext } from './repo.js';

/** Complaint forms are short; anything bigger is not a citizen typing. */
export const PUBLIC_BODY_LIMIT = 16 * 1024;
/** Per IP: new complaints per hour, and all calls of the public complaint pages per minute. */
export const PUBLIC_LIMITS = { submitPerHour: 5, callsPerMinute: 60, lookupsPerHour: 10 } as const;

const tags = ['tickets'];
const TokenParams = Type.Object({ token: Type.String({ maxLength: 64, description: '链接中的令牌 / the token of the link' }) });

const ComplaintBody = Type.Object({
  category: Type.String({ maxLength: 32, description: `问题类型 / category: ${TICKET_CATEGORIES.join(', ')}` }),
  title: Type.Optional(Type.String({ maxLength: 100 })),
  description: Type.String({ minLength: 1, maxLength: 2000 }),
  citizenName: Type.Optional(Type.String({ maxLength: 50 })),
  citizenPhone: Type.String({ maxLength: 20, description: '11 位手机号 / mainland mobile number' }),
  lotCode: Type.Optional(Type.String({ maxLength: 64 })),
  plate: Type.Optional(Type.String({ maxLength: 32 })),
  sessionId: Type.Optional(Type.Integer({ minimum: 1, description: '所投诉的停车流水（“我的停车”中的 sessionId），须与 lotCode 一同提交且属于该停车场，否则 400 UNKNOWN_SESSION / SESSION_LOT_MISMATCH / the parking record complained about (sessionId from my records); needs its lotCode' })),
});

const Receipt = Type.Object({
  ticketNo: Type.String(),
  statusUrl: Type.String({ description: '市民的专属链接（仅此一次显示） / the citizen\'s personal link, shown once' }),
  token: Type.String(),
});

const Status = Type.Object({
  ticketNo: Type.String(),
  state: Type.String({ description: `工单状态 / state: ${TICKET_STATES.join(', ')}` }),
  category: Type.String(),
  title: Type.String(),
  description: Type.String(),
  citizenName: Type.Union([Type.String(), Type.Null()], { description: '脱敏 / masked' }),
  citizenPhone: Type.Union([Type.String(), Type.Null()], { description: '脱敏 / masked' }),
  createdAt: Type.String({ format: 'date-time' }),
  publicReplies: Type.Array(Type.Object({ body: Type.String(), createdAt: Type.String({ format: 'date-time' }) })),
  resolution: Type.Union([Type.String(), Type.Null()]),
  resolvedAt: Type.Union([Type.String(), Type.Null()]),
  canRespond: Type.Boolean({ description: '处理结果已反馈，等待市民确认 / the result awaits the citizen\'s answer' }),
});

const LookupBody = Type.Object({
  ticketNo: Type.String({ maxLength: 40, description: '工单号，如 GD20261125-00012 / the ticket number' }),
  phone: Type.String({ maxLength: 20, description: '投诉时填写的手机号 / the phone given on the complaint' }),
});
const LookupStarted = Type.Object({
  lookupId: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  phoneMasked: Type.String({ description: '138****5678' }),
});
const LookupParams = Type.Object({ id: Type.String({ minLength: 16, maxLength: 64 }) });
const LookupConfirmBody = Type.Object({ code: Type.String({ pattern: '^[0-9]{6}$', description: '6 位验证码 / the 6-digit code' }) });

const AnswerBody = Type.Object({
  accepted: Type.Boolean({ description: 'true 满意/已解决 → confirmed；false 不满意/未解决 → reopened' }),
  note: Type.Optional(Type.String({ maxLength: 500 })),
});

/**
 * The citizen's complaint pages (市民投诉 H5): no account, the link's token is the key. Limited
 * per IP on the app's shared rate limiter (src/platform/address-limit.ts: Redis when configured); bodies at most PUBLIC_BODY_LIMIT.
 */
export function ticketPublicRoutes(ctx: TicketsContext, opts: { sms?: SmsSender } = {}) {
  const sms = opts.sms ?? smsSenderFor(ctx.config, ctx.log);
  return async (app: App) => {
    const submits = addressLimit(app, { name: 'complaint-submit', max: PUBLIC_LIMITS.submitPerHour, windowMs: 60 * 60_000 });
    const calls = addressLimit(app, { name: 'complaint-call', max: PUBLIC_LIMITS.callsPerMinute, windowMs: 60_000 });
    const pub = { config: { public: true }, bodyLimit: PUBLIC_BODY_LIMIT };
    const lookups = addressLimit(app, { name: 'complaint-lookup', max: PUBLIC_LIMITS.lookupsPerHour, windowMs: 60 * 60_000 });
    const limited = (kind: 'submit' | 'call' | 'lookup') => async (req: FastifyRequest) => {
      await calls(req);
      if (kind === 'submit') await submits(req);
      if (kind === 'lookup') await lookups(req);
    };

    app.post('/api/v1/public/complaints', {
      ...pub,
      preHandler: limited('submit'),
      schema: {
        operationId: 'ticketsPublicComplaintCreate',
        tags, security: [],
        summary: '市民提交投诉（免登录，渠道 web） / a citizen submits a complaint (no account, channel web)',
        description: '201 返回工单号与市民专属链接 /h5/t/<token>（令牌只显示这一次，服务器只存其 SHA-256）。每个 IP 每小时最多 5 件、每分钟最多 60 次调用，超出 429 RATE_LIMITED。/ '
          + '201 with the ticket number and the personal link (the token is shown once; only its hash is stored). Per IP: 5 complaints an hour, 60 calls a minute, else 429.',
        body: ComplaintBody,
        response: { 201: Receipt, ...errorResponses(400, 404, 413, 429) },
      },
    }, async (req, reply) => reply.code(201).send(await submitComplaint(ctx, req.body)));

    app.get('/api/v1/public/complaints/:token', {
      ...pub,
      preHandler: limited('call'),
      schema: {
        operationId: 'ticketsPublicComplaintGet',
        tags, security: [],
        summary: '市民查看投诉进度（凭链接） / the citizen follows the complaint by link',
        description: '只含市民自己填写的内容（手机号、姓名脱敏）、公开答复与处理结果；不含内部备注与处理人。未知令牌 404。/ Only what the citizen entered (masked), public replies and the result.',
        params: TokenParams,
        response: { 200: Status, ...errorResponses(404, 429) },
      },
    }, (req) => complaintStatus(ctx, req.params.token));

    app.post('/api/v1/public/complaints/:token/answer', {
      ...pub,
      preHandler: limited('call'),
      schema: {
        operationId: 'ticketsPublicComplaintAnswer',
        tags, security: [],
        summary: '市民确认或不认可处理结果（凭链接） / the citizen confirms or rejects the result by link',
        description: '仅在 feedback_given（结果已反馈）时接受：accepted=true → confirmed，false → reopened（重新处理）；其他状态 409 ILLEGAL_TRANSITION。/ Only in feedback_given; otherwise 409 ILLEGAL_TRANSITION.',
        params: TokenParams,
        body: AnswerBody,
        response: { 200: Status, ...errorResponses(400, 404, 409, 413, 429) },
      },
    }, (req) => answerComplaint(ctx, req.params.token, req.body));

    app.post('/api/v1/public/complaints/:token/photos', {
      ...pub,
      bodyLimit: CITIZEN_PHOTO_BYTES + 64 * 1024,
      preHandler: limited('call'),
      schema: {
        operationId: 'ticketsPublicComplaintPhoto',
        tags, security: [],
        summary: '市民为投诉添加照片（凭链接，multipart 字段 file） / the citizen adds a photo to the complaint by link (multipart field file)',
        description: `JPG、PNG 或 WebP（按文件内容判断），每张不超过 ${CITIZEN_PHOTO_BYTES / 1024 / 1024} MB，每件投诉最多 ${CITIZEN_PHOTOS_PER_TICKET} 张；`
          + '与工作人员上传的附件同样保存（工作人员下载留痕）。其他格式 415 UNSUPPORTED_PHOTO，过大 413 FILE_TOO_LARGE，超过张数 409 TOO_MANY_PHOTOS，已办结 409 TICKET_CLOSED。'
          + ' / JPEG, PNG or WebP by content, at most 5 MB each and 3 per complaint; kept like staff attachments.',
        consumes: ['multipart/form-data'],
        params: TokenParams,
        body: fileUploadBody('照片 / the photo'),
        response: {
          201: Type.Object({ fileName: Type.String(), contentType: Type.String(), sizeBytes: Type.Integer(), photos: Type.Integer({ description: '该投诉已有的市民照片数 / citizen photos on the complaint' }) }),
          ...errorResponses(400, 404, 409, 413, 415, 429),
        },
      },
    }, async (req, reply) => {
      if (!req.isMultipart()) throw badRequest('INVALID_FILE', '请以 multipart/form-data 上传文件字段 file / upload the file as multipart/form-data field "file"');
      const file = await req.file({ limits: { fileSize: CITIZEN_PHOTO_BYTES, files: 1 } });
      if (!file || file.fieldname !== 'file') throw badRequest('INVALID_FILE', '缺少文件字段 file / missing form field "file"');
      const data = await uploadedBytes(file, CITIZEN_PHOTO_BYTES);
      return reply.code(201).send(await addCitizenPhoto(ctx, req.params.token, data, req.ip));
    });

    app.post('/api/v1/public/complaints/lookup', {
      ...pub,
      preHandler: limited('lookup'),
      schema: {
        operationId: 'ticketsPublicLookupStart',
        tags, security: [],
        summary: '凭工单号与手机号获取验证码（免登录） / ask for a code to find a ticket by number and phone (no account)',
        description: `工单号与投诉时的手机号相符时向该手机发送 6 位验证码（5 分钟有效，最多试 5 次）；不相符时不发送，但回答与耗时相同（202）。`
          + `每个手机号、每个工单号每小时 ${LOOKUPS_PER_HOUR} 次，每个 IP 每小时 ${PUBLIC_LIMITS.lookupsPerHour} 次，超出 429。`
          + ' / Sends a code when the number and phone belong to a ticket; the same 202 answer, as quick, when they do not.',
        body: LookupBody,
        response: { 202: LookupStarted, ...errorResponses(400, 413, 429) },
      },
    }, async (req, reply) => reply.code(202).header('cache-control', 'no-store').send(await startLookup(ctx, sms, req.body, req.ip)));

    app.post('/api/v1/public/complaints/lookup/:id/confirm', {
      ...pub,
      preHandler: limited('call'),
      schema: {
        operationId: 'ticketsPublicLookupConfirm',
        tags, security: [],
        summary: '确认验证码，取得新的进度链接（免登录） / confirm the code for a new status link (no account)',
        description: '验证码正确时签发新的市民专属链接（旧链接失效，工单历史留痕），回答同提交投诉。错误 400 CODE_WRONG（附剩余次数）、CODE_EXPIRED、CODE_USED；'
          + '超次 429 CODE_ATTEMPTS_EXHAUSTED；不存在 404 LOOKUP_NOT_FOUND。 / The right code yields a new personal link (the old one stops working).',
        params: LookupParams,
        body: LookupConfirmBody,
        response: { 200: Receipt, ...errorResponses(400, 404, 413, 429) },
      },
    }, async (req, reply) => reply.header('cache-control', 'no-store').send(await confirmLookup(ctx, req.params.id, req.body.code, req.ip)));

    app.post('/api/v1/tickets/:id/citizen-link', {
      schema: {
        operationId: 'ticketsCitizenLink',
        tags,
        summary: '重新生成市民链接（旧链接失效，留痕） / regenerate the citizen\'s link (the old one stops working; audited)',
        description: '链接只存哈希，无法找回，需再次发给市民时重新生成。需要 ops 权限。/ Links are stored as hashes only; regenerate to send one again. Needs ops.',
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        response: { 200: Type.Object({ ticketNo: Type.String(), statusUrl: Type.String(), createdAt: Type.String({ format: 'date-time' }) }), ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => regenerateCitizenLink(ctx, actorOf(req), req.params.id));
  };
}
