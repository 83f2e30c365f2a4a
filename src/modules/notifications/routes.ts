import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { checkChannelFields, issuesError } from './channel-input.js';
import { createChannel, deleteChannel, getChannel, listChannels, testChannel, updateChannel } from './channels.js';
import { listDeliveries } from './delivery.js';
import { listMyNotifications, markAllRead, markRead } from './inbox.js';
import { ChannelPatchBody, ChannelSchema, DeliveryList, IdParams, InboxPage, InboxQuery, NewChannelBody, NotificationSchema, ReadAllReply, ReadReply, TestReply } from './schemas.js';
import type { NotificationsContext } from './repo.js';

/** A body the schema refused: name the exact field problem when our own checks can. */
function refuseInvalid(req: FastifyRequest, mode: 'create' | 'patch'): void {
  const err = req.validationError;
  if (!err) return;
  if (err.validationContext === 'body' && typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body)) {
    const issues = checkChannelFields(req.body as Record<string, unknown>, mode);
    if (issues.length) throw issuesError(issues);
  }
  throw err;
}

/** Notifications (通知): everyone's own notices, and the external channels operations configure. */
export function notificationsRoutes(ctx: NotificationsContext) {
  return async (app: App) => {
    app.addSchema(NotificationSchema);
    app.addSchema(ChannelSchema);

    const inbox = ['notifications'];
    app.get('/api/v1/notifications', {
      schema: {
        operationId: 'notificationsList',
        tags: inbox,
        summary: '我的通知（新到旧，游标翻页，含未读数） / my notices, newest first, with the unread count',
        querystring: InboxQuery,
        response: { 200: InboxPage, ...errorResponses(400, 401) },
      },
    }, (req) => listMyNotifications(ctx, actorOf(req), req.query));

    app.post('/api/v1/notifications/read-all', {
      schema: { operationId: 'notificationsReadAll', tags: inbox, summary: '全部标为已读 / mark all my notices read', response: { 200: ReadAllReply, ...errorResponses(401) } },
    }, (req) => markAllRead(ctx, actorOf(req)));

    app.post('/api/v1/notifications/:id/read', {
      schema: { operationId: 'notificationsRead', tags: inbox, summary: '标为已读 / mark a notice read', params: IdParams, response: { 200: ReadReply, ...errorResponses(400, 401, 404) } },
    }, (req) => markRead(ctx, actorOf(req), req.params.id));

    const tags = ['notification-channels'];
    const ops = { preHandler: requirePermission('ops') };
    const write = { ...ops, attachValidation: true };

    app.get('/api/v1/notification-channels', {
      ...ops,
      schema: { operationId: 'notificationChannelsList', tags, summary: '通知渠道列表（密钥脱敏） / list notification channels (secrets masked)', response: { 200: Type.Object({ items: Type.Array(Type.Ref('NotificationChannel')) }), ...errorResponses(401, 403) } },
    }, async (req) => ({ items: await listChannels(ctx, actorOf(req)) }));

    app.post('/api/v1/notification-channels', {
      ...write,
      schema: {
        operationId: 'notificationChannelsCreate',
        tags, summary: '新增通知渠道（邮件 / 企业微信 / 钉钉） / add a channel (e-mail, WeCom or DingTalk robot)',
        body: NewChannelBody, response: { 201: Type.Ref('NotificationChannel'), ...errorResponses(400, 401, 403, 409) },
      },
    }, async (req, reply) => {
      refuseInvalid(req, 'create');
      const body = req.body;
      return reply.code(201).send(await createChannel(ctx, actorOf(req), { ...body, settings: body.settings ?? {} }));
    });

    app.get('/api/v1/notification-channels/:id', {
      ...ops,
      schema: { operationId: 'notificationChannelsGet', tags, summary: '通知渠道详情 / get a channel', params: IdParams, response: { 200: Type.Ref('NotificationChannel'), ...errorResponses(400, 401, 403, 404) } },
    }, (req) => getChannel(ctx, actorOf(req), req.params.id));

    app.patch('/api/v1/notification-channels/:id', {
      ...write,
      schema: {
        operationId: 'notificationChannelsUpdate',
        tags, summary: '修改通知渠道（密钥留空不变） / update a channel; empty secrets keep the stored ones',
        params: IdParams, body: ChannelPatchBody, response: { 200: Type.Ref('NotificationChannel'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => {
      refuseInvalid(req, 'patch');
      return updateChannel(ctx, actorOf(req), req.params.id, req.body);
    });

    app.delete('/api/v1/notification-channels/:id', {
      ...ops,
      schema: { operationId: 'notificationChannelsDelete', tags, summary: '删除通知渠道及其发送记录 / delete a channel and its delivery history', params: IdParams, response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) } },
    }, async (req, reply) => {
      await deleteChannel(ctx, actorOf(req), req.params.id);
      return reply.code(204).send(null);
    });

    app.post('/api/v1/notification-channels/:id/test', {
      ...ops,
      schema: {
        operationId: 'notificationChannelsTest',
        tags, summary: '立即发送测试消息并返回渠道应答 / send a test message now and report the channel’s answer',
        params: IdParams, response: { 200: TestReply, ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => testChannel(ctx, actorOf(req), req.params.id));

    app.get('/api/v1/notification-channels/:id/deliveries', {
      ...ops,
      schema: {
        operationId: 'notificationChannelsDeliveries',
        tags, summary: '渠道最近的发送记录 / a channel’s latest deliveries',
        params: IdParams, querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) }),
        response: { 200: DeliveryList, ...errorResponses(400, 401, 403, 404) },
      },
    }, async (req) => {
      await getChannel(ctx, actorOf(req), req.params.id);
      return { items: await listDeliveries(ctx, req.params.id, req.query.limit) };
    });
  };
}
