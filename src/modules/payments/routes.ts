import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { errorHandler, toAppError } from '../../platform/error-handler.js';
import { AppError } from '../../platform/errors.js';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { createChannel, getChannel, listChannels, type ChannelView as ChannelRow } from './channels.js';
import { getQuarantined, listQuarantine, receiveNotification } from './notify.js';
import { createOrder, getOrder, listOrders, sandboxPay } from './orders.js';
import type { PaymentsContext } from './repo.js';
import {
  ChannelBody, ChannelCodeParams, ChannelList, ChannelView, CodeParams, IdParams, OrderBody, OrderList, OrderParams, OrderQuery, OrderView, QuarantineDetail,
  QuarantineList, QuarantineQuery, SandboxPayReply, TransactionList, TransactionQuery, WechatFail,
} from './schemas.js';
import { listTransactions } from './transactions.js';
import { reconRoutes } from './routes-recon.js';

const tags = ['payments'];
/** Notifications a client address may send a minute (the channels send from few addresses and retry on 429). */
export const NOTIFY_RATE_PER_MINUTE = 600;
const NOTIFY_BODY_LIMIT = 256 * 1024;

export const notifyPath = (code: string) => `/api/v1/public/payments/${code}/notify`;
const withPath = (c: ChannelRow) => ({ ...c, notifyPath: notifyPath(c.code) });

/** 支付通道 (docs/支付通道接入.md): channels, the channels' notifications, transactions, orders, reconciliation. */
export function paymentsRoutes(ctx: PaymentsContext) {
  return async (app: App) => {
    app.addSchema(ChannelView);
    app.addSchema(OrderView);
    await app.register(notifyRoute(ctx));
    await app.register(reconRoutes(ctx));
    const read = { onRequest: requirePermission('payments:read') };
    const manage = { onRequest: requirePermission('payments:manage') };

    app.post('/api/v1/payments/channels', {
      ...manage,
      schema: {
        operationId: 'paymentsCreateChannel', tags, summary: '新建支付通道（仅管理员）/ create a payment channel (admin)',
        description: 'wechat：mchId、apiV3Key（恰好 32 个字符）、platformSerial、platformPublicKey（PEM）；alipay：appId、alipayPublicKey（PEM）；sandbox：自动生成密钥。密钥加密保存，任何应答都不返回。 / Keys are sealed and never returned.',
        body: ChannelBody,
        response: { 201: Type.Ref('PaymentChannel'), ...errorResponses(400, 401, 403, 409) },
      },
    }, async (req, reply) => reply.code(201).send(withPath(await createChannel(ctx, actorOf(req), req.body))));

    app.get('/api/v1/payments/channels', {
      ...read,
      schema: { operationId: 'paymentsListChannels', tags, summary: '支付通道列表 / payment channels', response: { 200: ChannelList, ...errorResponses(401, 403) } },
    }, async () => ({ items: (await listChannels(ctx)).map(withPath) }));

    app.get('/api/v1/payments/channels/:code', {
      ...read,
      schema: { operationId: 'paymentsGetChannel', tags, summary: '支付通道 / a payment channel', params: CodeParams, response: { 200: Type.Ref('PaymentChannel'), ...errorResponses(400, 401, 403, 404) } },
    }, async (req) => withPath(await getChannel(ctx, req.params.code)));

    app.get('/api/v1/payments', {
      ...read,
      schema: {
        operationId: 'paymentsList', tags, summary: '已验证的支付与退款 / verified payments and refunds',
        description: '通道通知经验签后记录的交易，按支付时间倒序；orderNo 为商户订单号 out_trade_no。 / Transactions recorded from verified notifications, newest first.',
        querystring: TransactionQuery,
        response: { 200: TransactionList, ...errorResponses(400, 401, 403) },
      },
    }, async (req) => {
      const q = req.query;
      return { items: await listTransactions(ctx, { ...q, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined }) };
    });

    app.get('/api/v1/payments/quarantine', {
      ...read,
      schema: { operationId: 'paymentsListQuarantine', tags, summary: '被拒绝的通知 / refused notifications', querystring: QuarantineQuery, response: { 200: QuarantineList, ...errorResponses(400, 401, 403) } },
    }, async (req) => ({ items: await listQuarantine(ctx, req.query) }));

    app.get('/api/v1/payments/quarantine/:id', {
      ...read,
      schema: { operationId: 'paymentsGetQuarantine', tags, summary: '被拒绝的通知原文 / a refused notification as received', params: IdParams, response: { 200: QuarantineDetail, ...errorResponses(400, 401, 403, 404) } },
    }, (req) => getQuarantined(ctx, actorOf(req), req.params.id));

    app.post('/api/v1/payments/orders', {
      ...manage,
      schema: {
        operationId: 'paymentsCreateOrder', tags, summary: '新建支付订单 / create a pay order',
        description: 'kind + ref 指明所付为何（arrears 欠费、booking 预约、other）；orderNo 即 out_trade_no。 / kind + ref name what is paid; orderNo is the out_trade_no.',
        body: OrderBody, response: { 201: Type.Ref('PaymentOrder'), ...errorResponses(400, 401, 403, 409) },
      },
    }, async (req, reply) => reply.code(201).send(await createOrder(ctx, actorOf(req), req.body)));

    app.get('/api/v1/payments/orders', {
      ...read,
      schema: { operationId: 'paymentsListOrders', tags, summary: '支付订单 / pay orders', querystring: OrderQuery, response: { 200: OrderList, ...errorResponses(400, 401, 403) } },
    }, async (req) => ({ items: await listOrders(ctx, req.query) }));

    app.get('/api/v1/payments/orders/:orderNo', {
      ...read,
      schema: { operationId: 'paymentsGetOrder', tags, summary: '支付订单 / a pay order', params: OrderParams, response: { 200: Type.Ref('PaymentOrder'), ...errorResponses(400, 401, 403, 404) } },
    }, (req) => getOrder(ctx, req.params.orderNo));

    app.post('/api/v1/payments/orders/:orderNo/sandbox-pay', {
      ...manage,
      schema: {
        operationId: 'paymentsSandboxPay', tags, summary: '沙箱支付（演示、测试）/ pay an order through the sandbox channel',
        description: '沙箱通道按微信支付 APIv3 的格式加密、签名一条支付成功通知并投递到通知处理（与真实通知同一路径）。 / The sandbox signs and encrypts a TRANSACTION.SUCCESS notification exactly like WeChat Pay and delivers it to the notification path.',
        params: OrderParams, response: { 200: SandboxPayReply, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, async (req) => {
      const r = await sandboxPay(ctx, actorOf(req), req.params.orderNo);
      return { order: r.order, notification: r.notification, accepted: r.outcome.ok };
    });
  };
}

const failText = { schema: Type.String({ description: 'fail' }) };

/** A refused notification's answer: Alipay's text "fail" for a form, else WeChat Pay's failure JSON with our error beside it. */
function failureBody(contentType: string, code: string, message: string): string {
  if (/x-www-form-urlencoded/i.test(contentType)) return 'fail';
  return JSON.stringify({ code: 'FAIL', message, error: { code, message } });
}
const failure = (description: string) => ({ description, content: { 'application/json': { schema: WechatFail }, 'text/plain': failText } });

/**
 * POST /api/v1/public/payments/{channelCode}/notify — what the channels call (no account). The
 * WeChat signature covers the raw bytes, so this plugin (only) keeps every body as text; the
 * Alipay form is parsed from the same text.
 */
function notifyRoute(ctx: PaymentsContext) {
  return async (app: App) => {
    // Errors raised before or around the handler (an unstorable body, a router refusal) answer in
    // the channels' failure shapes too, as the route's 4xx schemas say: Alipay's text "fail",
    // WeChat Pay's { code: "FAIL", message } with our error beside it. (In the platform's
    // `{ error }` alone they failed that schema's serialisation: a 500.) 429 and 5xx keep the
    // platform's shape.
    app.setErrorHandler((err: Error, req, reply) => {
      const known = toAppError(err);
      if (!known || known.status >= 500 || known.status === 429) return errorHandler(err, req, reply);
      const text = failureBody(req.headers['content-type'] ?? '', known.code, known.message);
      return reply.code(known.status).type(text === 'fail' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8').send(text);
    });
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: NOTIFY_BODY_LIMIT }, (_req, body, done) => done(null, body));
    const limit = app.createRateLimit({ max: NOTIFY_RATE_PER_MINUTE, timeWindow: 60_000, keyGenerator: (req) => `pay-notify:${req.ip}` });
    const limited = async (req: FastifyRequest) => {
      const result = await limit(req);
      if (!result.isAllowed && result.isExceeded) {
        const retry = Math.max(1, result.ttlInSeconds);
        throw new AppError(429, 'RATE_LIMITED', `请求过于频繁，请 ${retry} 秒后再试 / too many requests, retry in ${retry} s`, undefined, { 'retry-after': String(retry) });
      }
    };

    app.post('/api/v1/public/payments/:channelCode/notify', {
      config: { public: true },
      onRequest: limited,
      bodyLimit: NOTIFY_BODY_LIMIT,
      // The body is read by hand after the signature; the schema is for the API document.
      validatorCompiler: () => () => true,
      schema: {
        operationId: 'paymentsNotify', tags, security: [],
        summary: '支付通道结果通知（免登录，验签）/ a channel\'s payment or refund notification (no account; signed by the channel)',
        description: '微信支付 APIv3：Wechatpay-Timestamp/Nonce/Signature/Serial 头，SHA256withRSA 验签，超过 5 分钟的时间戳拒绝，resource 以 APIv3 密钥 AEAD_AES_256_GCM 解密；成功 204，失败 4xx { code: "FAIL", message }。'
          + '支付宝：表单，RSA2 验签；成功 200 纯文本 success，失败 4xx 纯文本 fail。重复通知不再记录但仍答成功；被拒绝的通知留存（隔离）并注明原因。'
          + ' / WeChat Pay APIv3 (204 on success, 4xx {code:"FAIL"} on failure) or Alipay (200 "success", 4xx "fail"). A replay records nothing more and is still answered as received; a refused one is kept with why.',
        params: ChannelCodeParams,
        body: {
          content: {
            'application/json': { schema: Type.Object({ id: Type.String(), event_type: Type.String(), resource: Type.Object({}, { additionalProperties: true }) }, { additionalProperties: true, description: '微信支付 APIv3 通知 / WeChat Pay APIv3 notification' }) },
            'application/x-www-form-urlencoded': { schema: Type.Object({ sign: Type.String(), sign_type: Type.String() }, { additionalProperties: true, description: '支付宝异步通知 / Alipay notification' }) },
          },
        } as never,
        response: {
          200: { description: '支付宝：success', content: { 'text/plain': { schema: Type.String({ format: 'binary', description: 'success' }) } } },
          204: Type.Null({ description: '微信支付：已接收 / WeChat Pay: received' }),
          400: failure('通知无法解析 / unreadable notification'),
          401: failure('验签失败、时间戳过期、未知证书序列号、解密失败 / signature, timestamp, serial or decryption refused'),
          403: failure('通道已停用 / channel disabled'),
          404: failure('未知通道 / unknown channel'),
          413: failure('请求体过大 / body too large'),
          ...errorResponses(429),
        },
      },
    }, async (req, reply: FastifyReply) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      const outcome = await receiveNotification(ctx, {
        channelCode: (req.params as { channelCode: string }).channelCode, headers: req.headers, rawBody: raw, contentType: req.headers['content-type'] ?? null, ip: req.ip,
      });
      const alipay = outcome.kind === 'alipay' || (outcome.kind === null && /x-www-form-urlencoded/i.test(req.headers['content-type'] ?? ''));
      if (outcome.ok) {
        if (outcome.kind === 'alipay') return reply.code(200).type('text/plain; charset=utf-8').send('success');
        return reply.code(204).send();
      }
      if (alipay) return reply.code(outcome.status).type('text/plain; charset=utf-8').send('fail');
      return reply.code(outcome.status).type('application/json; charset=utf-8').send(failureBody('', outcome.reason, outcome.message));
    });
  };
}
