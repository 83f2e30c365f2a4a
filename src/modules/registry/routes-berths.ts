import { Type } from 'typebox';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { bulkCreateBerths, createBerth, deleteBerth, listBerths, updateBerth } from './berths.js';
import { BerthParams, BerthPatchBody, BulkBerthBody, BulkBerthReply, CodeParams, NewBerthBody } from './schemas.js';
import type { RegistryContext } from './repo.js';

/** Numbered berths of on-street lots (路内泊位). */
export function berthRoutes(ctx: RegistryContext) {
  return async (app: App) => {
    const read = { preHandler: requirePermission('registry:read') };
    const write = { preHandler: requirePermission('registry:write') };
    const tags = ['registry'];

    app.get('/api/v1/lots/:code/berths', {
      ...read,
      schema: { operationId: 'registryBerthsList', tags, summary: '路内泊位列表 / berths of an on-street lot', params: CodeParams, response: { 200: Type.Object({ items: Type.Array(Type.Ref('Berth')) }), ...errorResponses(400, 401, 403, 404) } },
    }, async (req) => ({ items: await listBerths(ctx, actorOf(req), req.params.code) }));

    app.post('/api/v1/lots/:code/berths', {
      ...write,
      schema: { operationId: 'registryBerthsCreate', tags, summary: '新增泊位 / add a berth', params: CodeParams, body: NewBerthBody, response: { 201: Type.Ref('Berth'), ...errorResponses(400, 401, 403, 404, 409) } },
    }, async (req, reply) => reply.code(201).send(await createBerth(ctx, actorOf(req), req.params.code, req.body)));

    app.post('/api/v1/lots/:code/berths/bulk', {
      ...write,
      schema: {
        operationId: 'registryBerthsBulkCreate',
        tags, summary: '批量新增泊位（编号列表或 前缀+起止号；已存在的跳过） / add many berths: a list, or prefix + from..to; existing ones are skipped',
        params: CodeParams, body: BulkBerthBody, response: { 201: BulkBerthReply, ...errorResponses(400, 401, 403, 404) },
      },
    }, async (req, reply) => reply.code(201).send(await bulkCreateBerths(ctx, actorOf(req), req.params.code, req.body)));

    app.patch('/api/v1/lots/:code/berths/:berthCode', {
      ...write,
      schema: { operationId: 'registryBerthsUpdate', tags, summary: '修改泊位（状态、坐标） / update a berth (status, position)', params: BerthParams, body: BerthPatchBody, response: { 200: Type.Ref('Berth'), ...errorResponses(400, 401, 403, 404) } },
    }, (req) => updateBerth(ctx, actorOf(req), req.params.code, req.params.berthCode, req.body));

    app.delete('/api/v1/lots/:code/berths/:berthCode', {
      ...write,
      schema: { operationId: 'registryBerthsDelete', tags, summary: '删除泊位 / delete a berth', params: BerthParams, response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) } },
    }, async (req, reply) => {
      await deleteBerth(ctx, actorOf(req), req.params.code, req.params.berthCode);
      return reply.code(204).send(null);
    });
  };
}
