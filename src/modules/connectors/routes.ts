import { conflict } from '../../platform/errors.js';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { listBackfills, requestBackfill } from './backfill.js';
import { dryRunConnector, judgeRecords } from './dry-run.js';
import type { Mapping } from './mapping.js';
import type { ConnectorsContext } from './repo.js';
import { pullConnector } from './runner.js';
import {
  BackfillBody, BackfillList, BackfillView, CodeParams, ConnectorBody, ConnectorList, ConnectorPatchBody, ConnectorView, DraftDryRunBody, DryRunBody, DryRunReply, PullReply,
} from './schemas.js';
import { createConnector, getConnector, listConnectors, updateConnector, type ConnectorInput, type ConnectorPatch } from './service.js';

const tags = ['connectors'];
/** Pages a "pull now" from the console reads at most. */
const PULL_NOW_PAGES = 10;

/**
 * 数据对接 (docs/数据对接.md §6): connectors that pull from systems that cannot push. Reading
 * needs ops (the 同步监控 page); changing one needs what managing data sources and their secrets
 * needs (registry:write + sources:secrets).
 */
export function connectorsRoutes(ctx: ConnectorsContext) {
  return async (app: App) => {
    const read = { preHandler: requirePermission('ops') };
    const write = { preHandler: [requirePermission('registry:write'), requirePermission('sources:secrets')] };

    app.get('/api/v1/connectors', {
      ...read,
      schema: { operationId: 'connectorsList', tags, summary: '连接器及其健康状况 / connectors with their health', response: { 200: ConnectorList, ...errorResponses(401, 403) } },
    }, async () => ({ items: await listConnectors(ctx) }));

    app.post('/api/v1/connectors', {
      ...write,
      schema: {
        operationId: 'connectorsCreate', tags, summary: '新建连接器 / create a connector',
        description: '配置、密钥与映射保存时校验，错误逐项列出（400 CONNECTOR_INVALID, details）；密钥加密保存，任何应答都不返回。新建的连接器默认停用。 / Checked on save, every problem listed; secrets sealed and never returned; created disabled unless enabled is given.',
        body: ConnectorBody, response: { 201: ConnectorView, ...errorResponses(400, 401, 403, 409) },
      },
    }, async (req, reply) => reply.code(201).send(await createConnector(ctx, actorOf(req), req.body as ConnectorInput)));

    app.post('/api/v1/connectors/dry-run', {
      ...write,
      schema: {
        operationId: 'connectorsDryRunDraft', tags, summary: '试运行未保存的映射 / dry-run a mapping not yet saved',
        body: DraftDryRunBody, response: { 200: DryRunReply, ...errorResponses(400, 401, 403) },
      },
    }, async (req) => judgeRecords(ctx, req.body.sourceCode, req.body.mapping as Mapping, req.body.records));

    app.get('/api/v1/connectors/:code', {
      ...read,
      schema: { operationId: 'connectorsGet', tags, summary: '连接器 / a connector', params: CodeParams, response: { 200: ConnectorView, ...errorResponses(400, 401, 403, 404) } },
    }, async (req) => getConnector(ctx, req.params.code));

    app.patch('/api/v1/connectors/:code', {
      ...write,
      schema: {
        operationId: 'connectorsUpdate', tags, summary: '修改、启用或停用连接器 / edit, enable or disable a connector',
        params: CodeParams, body: ConnectorPatchBody, response: { 200: ConnectorView, ...errorResponses(400, 401, 403, 404) },
      },
    }, async (req) => updateConnector(ctx, actorOf(req), req.params.code, req.body as ConnectorPatch));

    app.post('/api/v1/connectors/:code/dry-run', {
      ...write,
      schema: {
        operationId: 'connectorsDryRun', tags, summary: '试运行：映射结果与每条记录的校验结论，不写入 / dry run: mapped events and each record\'s verdict, nothing stored',
        params: CodeParams, body: DryRunBody, response: { 200: DryRunReply, ...errorResponses(400, 401, 403, 404) },
      },
    }, async (req) => dryRunConnector(ctx, actorOf(req), req.params.code, req.body as Parameters<typeof dryRunConnector>[3]));

    app.post('/api/v1/connectors/:code/pull', {
      ...write,
      schema: {
        operationId: 'connectorsPullNow', tags, summary: '立即拉取 / pull now',
        description: `在租约下读取至多 ${PULL_NOW_PAGES} 页；另一节点正在拉取时 409 PULL_RUNNING。 / Reads up to ${PULL_NOW_PAGES} pages under the connector's lease; 409 while another node pulls it.`,
        params: CodeParams, response: { 200: PullReply, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, async (req) => {
      await getConnector(ctx, req.params.code);
      const r = await pullConnector(ctx, req.params.code, { maxPages: PULL_NOW_PAGES });
      if (!r) throw conflict('PULL_RUNNING', '该连接器正在拉取 / the connector is being pulled');
      return r;
    });

    app.get('/api/v1/connectors/:code/backfills', {
      ...read,
      schema: { operationId: 'connectorsListBackfills', tags, summary: '重读及进度 / re-reads and their progress', params: CodeParams, response: { 200: BackfillList, ...errorResponses(400, 401, 403, 404) } },
    }, async (req) => ({ items: await listBackfills(ctx, req.params.code) }));

    app.post('/api/v1/connectors/:code/backfills', {
      ...write,
      schema: {
        operationId: 'connectorsBackfill', tags, summary: '从游标 X 重读 / re-read from cursor X',
        description: '游标退回 from（null：从头），拉取向前重读，已存的记录按事件编号为重复、不再生效。 / The cursor goes back to from (null: the beginning); what is stored already is a duplicate by event id.',
        params: CodeParams, body: BackfillBody, response: { 201: BackfillView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, async (req, reply) => reply.code(201).send(await requestBackfill(ctx, actorOf(req), req.params.code, req.body.from)));
  };
}
