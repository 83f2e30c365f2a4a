import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { actorOf, errorResponses, type App } from '../../platform/http.js';
import { regenerateCitizenLink } from './citizen-links.js';
import { answerComplaint, complaintStatus, submitComplaint } from './public-complaints.js';
import { addressLimit } from '../../platform/address-limit.js';
import { TICKET_CATEGORIES, TICKET_STATES } from './vocab.js';
import type { TicketsContext } from './repo.js';

/** Complaint forms are short; anything bigger is not a citizen typing. */
export const PUBLIC_BODY_LIMIT = 16 * 1024;
/** Per IP: new complaints per hour, and all calls of the public complaint pages per minute. */
export const PUBLIC_LIMITS = { submitPerHour: 5, callsPerMinute: 60 } as const;

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

const AnswerBody = Type.Object({
  accepted: Type.Boolean({ description: 'true 满意/已解决 → confirmed；false 不满意/未解决 → reopened' }),
  note: Type.Optional(Type.String({ maxLength: 500 })),
});

/**
 * The citizen's complaint pages (市民投诉 H5): no account, the link's token is the key. Limited
 * per IP on the app's shared rate limiter (src/platform/address-limit.ts: Redis when configured); bodies at most PUBLIC_BODY_LIMIT.
 */
export function ticketPublicRoutes(ctx: TicketsContext) {
  return async (app: App) => {
    const submits = addressLimit(app, { name: 'complaint-submit', max: PUBLIC_LIMITS.submitPerHour, windowMs: 60 * 60_000 });
    const calls = addressLimit(app, { name: 'complaint-call', max: PUBLIC_LIMITS.callsPerMinute, windowMs: 60_000 });
    const pub = { config: { public: true }, bodyLimit: PUBLIC_BODY_LIMIT };
    const limited = (kind: 'submit' | 'call') => async (req: FastifyRequest) => {
      await calls(req);
      if (kind === 'submit') await submits(req);
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
