import { Type } from 'typebox';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { checkDistrictFields, createDistrict, listDistricts } from './districts.js';
import { checkOperatorFields, createOperator, getOperator, listOperators, updateOperator } from './operators.js';
import { refuseInvalid } from './route-helpers.js';
import { CodeParams, IdParams, NewDistrictBody, NewOperatorBody, NewSourceBody, OperatorPatchBody, RotatedSecret, SourcePatchBody } from './schemas.js';
import { checkSourceFields, createSource, getSource, listSources, rotateSourceSecret, updateSource } from './sources.js';
import type { RegistryContext } from './repo.js';

/** Districts, operators and data sources: the registry's reference lists. */
export function directoryRoutes(ctx: RegistryContext) {
  return async (app: App) => {
    const read = { preHandler: requirePermission('registry:read') };
    const write = { preHandler: requirePermission('registry:write'), attachValidation: true };
    const secrets = { preHandler: [requirePermission('registry:write'), requirePermission('sources:secrets')], attachValidation: true };
    const tags = ['registry'];

    app.get('/api/v1/districts', {
      ...read,
      schema: { operationId: 'registryDistrictsList', tags, summary: '县市区列表 / list districts', response: { 200: Type.Object({ items: Type.Array(Type.Ref('District')) }), ...errorResponses(401, 403) } },
    }, async (req) => ({ items: await listDistricts(ctx, actorOf(req)) }));

    app.post('/api/v1/districts', {
      ...write,
      schema: { operationId: 'registryDistrictsCreate', tags, summary: '新增县市区或功能区（市级） / add a district or zone (city level)', body: NewDistrictBody, response: { 201: Type.Ref('District'), ...errorResponses(400, 401, 403, 409) } },
    }, async (req, reply) => {
      refuseInvalid(req, (b) => checkDistrictFields(b));
      return reply.code(201).send(await createDistrict(ctx, actorOf(req), req.body));
    });

    app.get('/api/v1/operators', {
      ...read,
      schema: { operationId: 'registryOperatorsList', tags, summary: '运营单位列表 / list operators', response: { 200: Type.Object({ items: Type.Array(Type.Ref('Operator')) }), ...errorResponses(401, 403) } },
    }, async () => ({ items: await listOperators(ctx) }));

    app.post('/api/v1/operators', {
      ...write,
      schema: { operationId: 'registryOperatorsCreate', tags, summary: '新增运营单位（市级） / add an operator (city level)', body: NewOperatorBody, response: { 201: Type.Ref('Operator'), ...errorResponses(400, 401, 403, 409) } },
    }, async (req, reply) => {
      refuseInvalid(req, (b) => checkOperatorFields(b, 'create'));
      return reply.code(201).send(await createOperator(ctx, actorOf(req), req.body));
    });

    app.get('/api/v1/operators/:id', {
      ...read,
      schema: { operationId: 'registryOperatorsGet', tags, summary: '运营单位详情 / get an operator', params: IdParams, response: { 200: Type.Ref('Operator'), ...errorResponses(400, 401, 403, 404) } },
    }, (req) => getOperator(ctx, req.params.id));

    app.patch('/api/v1/operators/:id', {
      ...write,
      schema: { operationId: 'registryOperatorsUpdate', tags, summary: '修改运营单位（市级） / update an operator (city level)', params: IdParams, body: OperatorPatchBody, response: { 200: Type.Ref('Operator'), ...errorResponses(400, 401, 403, 404, 409) } },
    }, (req) => {
      refuseInvalid(req, (b) => checkOperatorFields(b, 'patch'));
      return updateOperator(ctx, actorOf(req), req.params.id, req.body);
    });

    app.get('/api/v1/sources', {
      ...read,
      schema: { operationId: 'registrySourcesList', tags, summary: '接入系统列表（不含密钥） / list data sources (no secrets)', response: { 200: Type.Object({ items: Type.Array(Type.Ref('DataSource')) }), ...errorResponses(401, 403) } },
    }, async (req) => ({ items: await listSources(ctx, actorOf(req)) }));

    app.post('/api/v1/sources', {
      ...secrets,
      schema: {
        operationId: 'registrySourcesCreate',
        tags, summary: '登记接入系统，返回签名密钥（仅显示一次） / register a data source; returns its signing secret once',
        body: NewSourceBody, response: { 201: Type.Ref('DataSourceWithSecret'), ...errorResponses(400, 401, 403, 409) },
      },
    }, async (req, reply) => {
      refuseInvalid(req, (b) => checkSourceFields(b, 'create'));
      return reply.code(201).send(await createSource(ctx, actorOf(req), req.body));
    });

    app.get('/api/v1/sources/:code', {
      ...read,
      schema: { operationId: 'registrySourcesGet', tags, summary: '接入系统详情 / get a data source', params: CodeParams, response: { 200: Type.Ref('DataSource'), ...errorResponses(401, 403, 404) } },
    }, (req) => getSource(ctx, actorOf(req), req.params.code));

    app.patch('/api/v1/sources/:code', {
      ...write,
      schema: { operationId: 'registrySourcesUpdate', tags, summary: '修改接入系统 / update a data source', params: CodeParams, body: SourcePatchBody, response: { 200: Type.Ref('DataSource'), ...errorResponses(400, 401, 403, 404) } },
    }, (req) => {
      refuseInvalid(req, (b) => checkSourceFields(b, 'patch'));
      return updateSource(ctx, actorOf(req), req.params.code, req.body);
    });

    app.post('/api/v1/sources/:code/rotate-secret', {
      ...secrets,
      schema: {
        operationId: 'registrySourcesRotateSecret',
        tags, summary: '更换签名密钥（旧密钥立即失效，新密钥仅显示一次） / rotate the signing secret; the old one stops working, the new one is shown once',
        params: CodeParams, response: { 200: RotatedSecret, ...errorResponses(401, 403, 404) },
      },
    }, (req) => {
      refuseInvalid(req, () => []);
      return rotateSourceSecret(ctx, actorOf(req), req.params.code);
    });
  };
}
