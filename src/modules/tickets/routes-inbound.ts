import { Type } from 'typebox';
import { errorResponses, type App } from '../../platform/http.js';
import { authenticateClient, CLIENT_HEADERS, INBOUND_BODY_LIMIT, receiveCitizenAnswer, receiveTicket } from './inbound.js';
import { InboundAnswerBody, InboundBody, InboundReplySchema } from './schemas.js';
import type { TicketsContext } from './repo.js';

const SignedHeaders = Type.Object({
  [CLIENT_HEADERS.client]: Type.String({ description: '接入方编码 / client code' }),
  [CLIENT_HEADERS.timestamp]: Type.String({ description: 'unix seconds, within 300 s of the server clock' }),
  [CLIENT_HEADERS.signature]: Type.String({ description: 'hex HMAC-SHA256(secret, timestamp + "\\n" + raw body)' }),
});

/** The signed inbound API of the 12345 platform and the mini-programs (no account; docs/接入规范.md). */
export function ticketInboundRoutes(ctx: TicketsContext) {
  return async (app: App) => {
    // The signature covers the raw bytes: keep the body as text in this plugin (only).
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string', bodyLimit: INBOUND_BODY_LIMIT }, (_req, body, done) => done(null, body));
    const tags = ['tickets'];
    // The body is checked by hand after the signature; the schema is for the API document.
    const noValidation = () => () => true;

    app.post('/api/v1/public/tickets/inbound', {
      config: { public: true },
      bodyLimit: INBOUND_BODY_LIMIT,
      validatorCompiler: noValidation,
      schema: {
        operationId: 'ticketsInboundSubmit',
        tags, security: [],
        summary: '渠道推送工单（签名；同外部单号幂等） / a channel pushes a ticket (signed; idempotent on externalNo)',
        description: '签名方式同数据接入：X-Zhibo-Signature = hex HMAC-SHA256(secret, X-Zhibo-Timestamp + "\\n" + 原始请求体)。渠道取自接入方。201 新建；同一外部单号再次提交返回 200、duplicate=true 与原工单。被拒收的请求保留在隔离区。/ '
          + 'The channel is the client\'s. 201 when created; the same externalNo again → 200 with duplicate=true and the same ticket. Refused requests are kept.',
        headers: SignedHeaders,
        body: InboundBody,
        response: { 200: InboundReplySchema, 201: InboundReplySchema, ...errorResponses(400, 401, 403, 413, 415) },
      },
    }, async (req, reply) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      const client = await authenticateClient(ctx, req.headers, raw);
      const result = await receiveTicket(ctx, client, raw);
      return reply.code(result.duplicate ? 200 : 201).send(result);
    });

    app.post('/api/v1/public/tickets/inbound/answers', {
      config: { public: true },
      bodyLimit: INBOUND_BODY_LIMIT,
      validatorCompiler: noValidation,
      schema: {
        operationId: 'ticketsInboundAnswer',
        tags, security: [],
        summary: '渠道回传市民回访结果（签名） / a channel reports the citizen\'s answer to the result (signed)',
        description: 'accepted=true → confirmed；false → reopened（重新处理）。仅在 feedback_given 或 confirmed 状态下接受，否则 409 ILLEGAL_TRANSITION。/ Accepted only in feedback_given or confirmed.',
        headers: SignedHeaders,
        body: InboundAnswerBody,
        response: { 200: Type.Object({ ticketNo: Type.String(), externalNo: Type.Union([Type.String(), Type.Null()]), state: Type.String() }), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    }, async (req) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      const client = await authenticateClient(ctx, req.headers, raw);
      return receiveCitizenAnswer(ctx, client, raw);
    });
  };
}
