import { Type } from 'typebox';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { listCallbacks } from './callbacks.js';
import { createClient, listClients, rotateClientSecret, updateClient } from './clients.js';
import { listRejects } from './inbound.js';
import { CallbackSchema, ClientChannelSchema, ClientSchema, RejectSchema, TeamSchema } from './schemas.js';
import { createTeam, listTeams, updateTeam } from './teams.js';
import type { TicketsContext } from './repo.js';

const tags = ['tickets'];

/** Teams, inbound channel clients (with their secrets and callbacks) and refused inbound requests. */
export function ticketAdminRoutes(ctx: TicketsContext) {
  return async (app: App) => {
    app.addSchema(ClientSchema);
    const read = { preHandler: requirePermission('registry:read') };
    const ops = { preHandler: requirePermission('ops') };
    const secrets = { preHandler: requirePermission('sources:secrets') };
    const CodeParams = Type.Object({ code: Type.String({ maxLength: 64 }) });
    const WithSecret = Type.Intersect([Type.Ref('TicketClient'), Type.Object({ secret: Type.String({ description: '签名密钥，仅此一次显示 / signing secret, shown once' }) })]);

    app.get('/api/v1/tickets/teams', {
      ...read,
      schema: { operationId: 'ticketsTeamsList', tags, summary: '处理组 / handling teams', response: { 200: Type.Object({ items: Type.Array(TeamSchema) }), ...errorResponses(401, 403) } },
    }, async () => ({ items: await listTeams(ctx) }));

    app.post('/api/v1/tickets/teams', {
      ...ops,
      schema: {
        operationId: 'ticketsTeamsCreate',
        tags, summary: '新建处理组 / create a team',
        body: Type.Object({ code: Type.String({ maxLength: 32 }), name: Type.String({ maxLength: 100 }) }),
        response: { 201: TeamSchema, ...errorResponses(400, 401, 403, 409) },
      },
    }, async (req, reply) => reply.code(201).send(await createTeam(ctx, actorOf(req), req.body)));

    app.patch('/api/v1/tickets/teams/:code', {
      ...ops,
      schema: {
        operationId: 'ticketsTeamsUpdate',
        tags, summary: '修改或停用处理组 / rename or disable a team',
        params: CodeParams,
        body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 100 })), enabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: TeamSchema, ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => updateTeam(ctx, actorOf(req), req.params.code, req.body));

    app.get('/api/v1/tickets/channel-clients', {
      ...secrets,
      schema: { operationId: 'ticketsClientsList', tags, summary: '工单接入方（12345 平台、小程序） / inbound channel clients', response: { 200: Type.Object({ items: Type.Array(Type.Ref('TicketClient')) }), ...errorResponses(401, 403) } },
    }, async () => ({ items: await listClients(ctx) }));

    app.post('/api/v1/tickets/channel-clients', {
      ...secrets,
      schema: {
        operationId: 'ticketsClientsCreate',
        tags, summary: '新建接入方（返回签名密钥，仅显示一次） / create a client (the secret is shown once)',
        body: Type.Object({
          code: Type.String({ maxLength: 64 }),
          name: Type.String({ maxLength: 200 }),
          channel: ClientChannelSchema,
          callbackUrl: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
          enabled: Type.Optional(Type.Boolean()),
        }),
        response: { 201: WithSecret, ...errorResponses(400, 401, 403, 409) },
      },
    }, async (req, reply) => reply.code(201).send(await createClient(ctx, actorOf(req), req.body)));

    app.patch('/api/v1/tickets/channel-clients/:code', {
      ...secrets,
      schema: {
        operationId: 'ticketsClientsUpdate',
        tags, summary: '修改接入方（名称、回调地址、启停） / change a client (name, callback URL, enabled)',
        params: CodeParams,
        body: Type.Object({
          name: Type.Optional(Type.String({ maxLength: 200 })),
          callbackUrl: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
          enabled: Type.Optional(Type.Boolean()),
        }, { additionalProperties: false }),
        response: { 200: Type.Ref('TicketClient'), ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => updateClient(ctx, actorOf(req), req.params.code, req.body));

    app.post('/api/v1/tickets/channel-clients/:code/rotate-secret', {
      ...secrets,
      schema: {
        operationId: 'ticketsClientsRotateSecret',
        tags, summary: '更换接入方签名密钥（旧密钥立即失效） / rotate the signing secret (the old one stops working)',
        params: CodeParams,
        response: { 200: WithSecret, ...errorResponses(401, 403, 404) },
      },
    }, (req) => rotateClientSecret(ctx, actorOf(req), req.params.code));

    app.get('/api/v1/tickets/channel-clients/:code/callbacks', {
      ...secrets,
      schema: {
        operationId: 'ticketsClientsCallbacks',
        tags, summary: '接入方的状态回调记录 / status callbacks to a client',
        params: CodeParams,
        response: { 200: Type.Object({ items: Type.Array(CallbackSchema) }), ...errorResponses(401, 403) },
      },
    }, async (req) => ({ items: await listCallbacks(ctx, { clientCode: req.params.code }) }));

    app.get('/api/v1/tickets/inbound-rejects', {
      ...ops,
      schema: {
        operationId: 'ticketsInboundRejects',
        tags, summary: '被拒收的接入请求（隔离区） / refused inbound requests (quarantine)',
        querystring: Type.Object({ clientCode: Type.Optional(Type.String({ maxLength: 64 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
        response: { 200: Type.Object({ items: Type.Array(RejectSchema) }), ...errorResponses(400, 401, 403) },
      },
    }, async (req) => ({ items: await listRejects(ctx, req.query) }));
  };
}
