import { actorOf, errorResponses, Paged, requirePermission, type App } from '../../platform/http.js';
import { checkLot } from './lot-input.js';
import { createLot, getLot, listLots, updateLot } from './lots.js';
import { refuseInvalid } from './route-helpers.js';
import { CodeParams, LotListQuery, LotPatchBody, NewLotBody } from './schemas.js';
import { Type } from 'typebox';
import type { RegistryContext } from './repo.js';

export function lotRoutes(ctx: RegistryContext) {
  return async (app: App) => {
    const read = { preHandler: requirePermission('registry:read') };
    const write = { preHandler: requirePermission('registry:write'), attachValidation: true };
    const tags = ['registry'];

    app.get('/api/v1/lots', {
      ...read,
      schema: { operationId: 'registryLotsList', tags, summary: '停车场列表 / list lots', querystring: LotListQuery, response: { 200: Paged(Type.Ref('Lot')), ...errorResponses(400, 401, 403) } },
    }, (req) => listLots(ctx, actorOf(req), req.query));

    app.post('/api/v1/lots', {
      ...write,
      schema: { operationId: 'registryLotsCreate', tags, summary: '新增停车场或路内泊位段 / add a lot or on-street section', body: NewLotBody, response: { 201: Type.Ref('Lot'), ...errorResponses(400, 401, 403, 409) } },
    }, async (req, reply) => {
      refuseInvalid(req, (b) => checkLot(b, 'create', null).issues);
      return reply.code(201).send(await createLot(ctx, actorOf(req), req.body));
    });

    app.get('/api/v1/lots/:code', {
      ...read,
      schema: { operationId: 'registryLotsGet', tags, summary: '停车场详情 / get a lot', params: CodeParams, response: { 200: Type.Ref('Lot'), ...errorResponses(401, 403, 404) } },
    }, (req) => getLot(ctx, actorOf(req), req.params.code));

    app.patch('/api/v1/lots/:code', {
      ...write,
      schema: { operationId: 'registryLotsUpdate', tags, summary: '修改停车场（编码不可改） / update a lot (the code is fixed)', params: CodeParams, body: LotPatchBody, response: { 200: Type.Ref('Lot'), ...errorResponses(400, 401, 403, 404) } },
    }, (req) => {
      refuseInvalid(req, (b) => checkLot(b, 'patch', null).issues);
      return updateLot(ctx, actorOf(req), req.params.code, req.body);
    });
  };
}
