import { Type } from 'typebox';
import type { AppContext } from '../../platform/context.js';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { XLSX_TYPE, contentDisposition } from '../../platform/http/download.js';
import { authenticateSourceRequest } from '../ingest/index.js';
import { arrearsKpis, getSettings, refusalList, updateSettings } from './escalation.js';
import { ledgerXlsx, listLedger, plateDetail } from './ledger.js';
import { arrearsContext } from './repo.js';
import {
  DecisionBody, IdParams, KeyParams, KpiQuery, Kpis, LedgerPage, LedgerQuery, OwedSession, PlateDetail, Refusals, Settings, SettingsView, Writeoff, WriteoffBody, WriteoffQuery,
} from './schemas.js';
import { decideWriteoff, listWriteoffs, requestWriteoff } from './writeoffs.js';

const tags = ['arrears'];
const binary = { schema: { type: 'string', format: 'binary' } };

/** 欠费追缴 (docs/用户手册.md 第 24 章): the ledger, its export, KPIs, settings, write-offs, and the lot systems' refusal list. */
export function arrearsRoutes(appCtx: AppContext) {
  const ctx = arrearsContext(appCtx);
  return async (app: App) => {
    app.addSchema(OwedSession);
    app.addSchema(Writeoff);
    const read = { onRequest: requirePermission('payments:read') };
    const manage = { onRequest: requirePermission('arrears:manage') };

    app.get('/api/v1/arrears/ledger', {
      ...read,
      schema: {
        operationId: 'arrearsLedger', tags, summary: '欠费台账（按车牌汇总所有车场）/ the arrears ledger, one row per plate over every lot',
        description: '未结欠费：已出场、未被数据清洗排除、应收大于实收，且未经本平台缴清或核销的停车记录。车牌脱敏。/ Outstanding: closed sessions, not set aside, receivable above paid, not settled here. Plates masked.',
        querystring: LedgerQuery, response: { 200: LedgerPage, ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => listLedger(ctx, actorOf(req), req.query));

    app.get('/api/v1/arrears/ledger/export', {
      ...read,
      schema: {
        operationId: 'arrearsLedgerExport', tags, summary: '导出欠费台账（.xlsx，筛选同列表）/ export the ledger (.xlsx, same filters)',
        description: '有 pii 权限时为完整车牌；每次导出记审计 arrears.export。/ Whole plates with pii; every export audited.',
        querystring: LedgerQuery, response: { 200: { description: 'Excel (.xlsx)', content: { [XLSX_TYPE]: binary } }, ...errorResponses(400, 401, 403, 404) },
      },
    }, async (req, reply) => {
      const f = await ledgerXlsx(ctx, actorOf(req), req.query);
      return reply.header('content-type', XLSX_TYPE).header('content-disposition', contentDisposition(f.fileName, f.asciiName)).header('cache-control', 'no-store').send(f.body);
    });

    app.get('/api/v1/arrears/ledger/:key', {
      ...read,
      schema: {
        operationId: 'arrearsPlate', tags, summary: '某车牌的欠费明细 / one plate\'s arrears',
        description: 'key 为台账行的 key。有 pii 权限时显示完整车牌并记审计 arrears.read_pii。/ key from the ledger row; whole plate with pii, audited.',
        params: KeyParams, response: { 200: PlateDetail, ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => plateDetail(ctx, actorOf(req), req.params.key));

    app.get('/api/v1/arrears/kpis', {
      ...read,
      schema: { operationId: 'arrearsKpis', tags, summary: '欠费追缴指标 / arrears KPIs', querystring: KpiQuery, response: { 200: Kpis, ...errorResponses(400, 401, 403) } },
    }, (req) => arrearsKpis(ctx, actorOf(req), req.query.month));

    app.get('/api/v1/arrears/settings', {
      ...read,
      schema: { operationId: 'arrearsSettings', tags, summary: '追缴升级规则与拒绝入场设置 / escalation and refusal settings', response: { 200: SettingsView, ...errorResponses(401, 403) } },
    }, () => getSettings(ctx));

    app.put('/api/v1/arrears/settings', {
      ...manage,
      schema: { operationId: 'arrearsUpdateSettings', tags, summary: '修改追缴设置（审计）/ change the settings (audited)', body: Settings, response: { 200: SettingsView, ...errorResponses(400, 401, 403) } },
    }, (req) => updateSettings(ctx, actorOf(req), req.body));

    app.get('/api/v1/arrears/writeoffs', {
      ...read,
      schema: { operationId: 'arrearsWriteoffs', tags, summary: '核销申请 / write-off requests', querystring: WriteoffQuery, response: { 200: Type.Object({ items: Type.Array(Type.Ref('ArrearsWriteoff')) }), ...errorResponses(400, 401, 403) } },
    }, async (req) => ({ items: await listWriteoffs(ctx, req.query) }));

    app.post('/api/v1/arrears/writeoffs', {
      ...manage,
      schema: {
        operationId: 'arrearsRequestWriteoff', tags, summary: '申请核销 / ask for a write-off',
        description: '须由另一人审批。/ Another user approves it.', body: WriteoffBody, response: { 201: Type.Ref('ArrearsWriteoff'), ...errorResponses(400, 401, 403, 404) },
      },
    }, async (req, reply) => reply.code(201).send(await requestWriteoff(ctx, actorOf(req), req.body)));

    app.post('/api/v1/arrears/writeoffs/:id/decision', {
      ...manage,
      schema: {
        operationId: 'arrearsDecideWriteoff', tags, summary: '审批核销（申请人不能审批自己的申请）/ approve or reject (never by the requester)',
        description: '申请人本人 409 SAME_PERSON；已处理 409 NOT_PENDING。/ 409 SAME_PERSON for the requester; 409 NOT_PENDING when decided.',
        params: IdParams, body: DecisionBody, response: { 200: Type.Ref('ArrearsWriteoff'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => decideWriteoff(ctx, actorOf(req), req.params.id, req.body));

    app.get('/api/v1/public/arrears/refusals', {
      config: { public: true },
      schema: {
        operationId: 'arrearsRefusals', tags, security: [],
        summary: '拒绝入场名单（车场系统，数据源签名）/ the entry-refusal list for a lot system (signed by its data source)',
        description: '与上报接口相同的签名头（X-Zhibo-Source、X-Zhibo-Timestamp、X-Zhibo-Signature，签名体为空串）。仅参与拒绝入场的数据源、且已开启时可读，否则 403 NOT_PARTICIPATING。'
          + '返回列入执法的完整车牌；每次读取记审计。/ Signed like ingest over the empty body; only participating sources while refusal is on; whole plates; every read audited.',
        response: { 200: Refusals, ...errorResponses(401, 403) },
      },
    }, async (req, reply) => {
      const source = await authenticateSourceRequest(ctx, req.headers, '');
      return reply.header('cache-control', 'no-store').send(await refusalList(ctx, source));
    });
  };
}
