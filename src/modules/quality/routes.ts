import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { dismissFinding, fixFinding, parseId, revertFix } from './apply.js';
import { listFindings } from './findings.js';
import { scanQuality } from './scan.js';
import {
  DismissBody, FindingListQuery, FindingPage, FindingSchema, FixBodySchema, FixSchema, IdParams, LotParams, RuleBody, RuleParams, RuleSchema,
  ScanBody, ScanResultSchema, ScoresQuery, ScoresSchema, TariffBody, TariffSchema,
} from './schemas.js';
import { qualityScores } from './scores.js';
import { deleteTariff, getTariff, loadRuleSettings, putTariff, updateRule } from './settings.js';
import type { QualityContext } from './repo.js';

/**
 * Data cleaning (数据清洗). Reading findings, scores and rules needs registry:read (district users
 * see their district's); scanning, fixing, dismissing, reverting and settings need data:clean.
 */
export function qualityRoutes(ctx: QualityContext) {
  return async (app: App) => {
    app.addSchema(FixSchema);
    app.addSchema(FindingSchema);
    app.addSchema(RuleSchema);
    const tags = ['quality'];
    const read = { preHandler: requirePermission('registry:read') };
    // onRequest, not preHandler: a user without the permission gets 403 whatever the body holds.
    const write = { onRequest: requirePermission('data:clean') };
    // fix / dismiss / revert usually come without a body: treat none as {}.
    const bodyOptional = { preValidation: async (req: FastifyRequest) => { if (req.body === undefined || req.body === null) req.body = {}; } };

    app.post('/api/v1/quality/scan', {
      ...write, ...bodyOptional,
      schema: {
        operationId: 'qualityScan',
        tags, summary: '运行数据清洗规则 / run the data-cleaning rules over a range',
        description: '对范围内（默认最近 2 天）权限内的停车场逐条规则检查；同一规则同一对象只记一条问题，重复扫描不重复；安全规则按设置自动修正。/ '
          + 'Findings are kept once per (rule, target); safe rules set to auto-apply are fixed at once.',
        body: ScanBody, response: { 200: ScanResultSchema, ...errorResponses(400, 401, 403) },
      },
    }, (req) => scanQuality(ctx, actorOf(req), req.body));

    app.get('/api/v1/quality/findings', {
      ...read,
      schema: {
        operationId: 'qualityFindingsList',
        tags, summary: '数据质量问题列表 / data-quality findings',
        description: '按编号倒序，游标翻页。无 pii 权限时车牌脱敏。/ Newest first, keyset-paged; plates masked without pii.',
        querystring: FindingListQuery, response: { 200: FindingPage, ...errorResponses(400, 401, 403) },
      },
    }, (req) => listFindings(ctx, actorOf(req), req.query));

    app.post('/api/v1/quality/findings/:id/fix', {
      ...write, ...bodyOptional,
      schema: {
        operationId: 'qualityFindingsFix',
        tags, summary: '修正问题（按建议，或指定值） / apply a finding’s fix, suggested or given',
        description: '记录修正前后值以便撤销；排除即设置 excluded_by，改值经停车流水模块，改总泊位经数据资源模块。/ Before/after kept for revert.',
        params: IdParams, body: FixBodySchema, response: { 200: { $ref: 'QualityFix' }, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => fixFinding(ctx, actorOf(req), parseId(req.params.id, '问题 / finding'), req.body));

    app.post('/api/v1/quality/findings/:id/dismiss', {
      ...write, ...bodyOptional,
      schema: {
        operationId: 'qualityFindingsDismiss',
        tags, summary: '忽略问题（误报） / dismiss a finding as a false alarm',
        params: IdParams, body: DismissBody, response: { 204: Type.Null({ description: '已忽略 / dismissed' }), ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, async (req, reply) => {
      await dismissFinding(ctx, actorOf(req), parseId(req.params.id, '问题 / finding'), req.body.note);
      return reply.code(204).send(null);
    });

    app.post('/api/v1/quality/fixes/:id/revert', {
      ...write, ...bodyOptional,
      schema: {
        operationId: 'qualityFixesRevert',
        tags, summary: '撤销修正 / revert a fix',
        description: '恢复修正前的值，问题重新打开；若该记录在修正后又被修改，返回 409 ROW_CHANGED。/ Refused with 409 ROW_CHANGED if the row changed since.',
        params: IdParams, response: { 200: { $ref: 'QualityFix' }, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => revertFix(ctx, actorOf(req), parseId(req.params.id, '修正 / fix')));

    app.get('/api/v1/quality/scores', {
      ...read,
      schema: {
        operationId: 'qualityScores',
        tags, summary: '数据质量分（按停车场或数据源，含每日趋势） / data-quality score per lot or source with its daily trend',
        description: '质量分 = 100 ×（1 − 有问题的记录 ÷ 记录数）。记录：期间内的停车流水与余位上报；有问题：有未处理或已修正问题的记录，及带配对标记的流水。/ '
          + 'score = 100 × (1 − affected ÷ rows); rows = sessions and status reports of the period; affected = rows with an open or fixed finding, plus flagged sessions.',
        querystring: ScoresQuery, response: { 200: ScoresSchema, ...errorResponses(400, 401, 403) },
      },
    }, (req) => qualityScores(ctx, actorOf(req), req.query));

    app.get('/api/v1/quality/rules', {
      ...read,
      schema: { operationId: 'qualityRulesList', tags, summary: '清洗规则及设置 / the rules and their settings', response: { 200: Type.Object({ items: Type.Array(Type.Ref('QualityRule')) }), ...errorResponses(401, 403) } },
    }, async () => ({ items: await loadRuleSettings(ctx.db) }));

    app.put('/api/v1/quality/rules/:code', {
      ...write,
      schema: {
        operationId: 'qualityRulesUpdate',
        tags, summary: '修改规则设置（启用、自动修正、参数） / change a rule’s settings',
        params: RuleParams, body: RuleBody, response: { 200: { $ref: 'QualityRule' }, ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => updateRule(ctx, actorOf(req), req.params.code, req.body));

    app.get('/api/v1/quality/tariffs/:lotCode', {
      ...read,
      schema: { operationId: 'qualityTariffsGet', tags, summary: '停车场收费标准（费用规则用） / a lot’s tariff, as the fee rules check it', params: LotParams, response: { 200: TariffSchema, ...errorResponses(401, 403, 404) } },
    }, (req) => getTariff(ctx, actorOf(req), req.params.lotCode));

    app.put('/api/v1/quality/tariffs/:lotCode', {
      ...write,
      schema: {
        operationId: 'qualityTariffsSet',
        tags, summary: '登记或修改停车场收费标准 / set a lot’s tariff',
        description: '免费时长内不收费，超出自入场起：首段、之后每段，按入场起每 24 小时封顶。/ Free period, then from entry: first period, per started unit, capped per 24 h.',
        params: LotParams, body: TariffBody, response: { 200: TariffSchema, ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => putTariff(ctx, actorOf(req), req.params.lotCode, req.body));

    app.delete('/api/v1/quality/tariffs/:lotCode', {
      ...write,
      schema: { operationId: 'qualityTariffsDelete', tags, summary: '删除停车场收费标准 / remove a lot’s tariff', params: LotParams, response: { 204: Type.Null({ description: '已删除 / removed' }), ...errorResponses(401, 403, 404) } },
    }, async (req, reply) => {
      await deleteTariff(ctx, actorOf(req), req.params.lotCode);
      return reply.code(204).send(null);
    });
  };
}
