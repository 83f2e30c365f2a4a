import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { publicContext } from './repo.js';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import {
  CodeParams, DetailQuery, DistrictsReply, EstimateQuery, EstimateReply, GuidanceQuery, GuidanceReply, LotDetail, LotSettingsBody, LotSettingsReply,
  NearbyQuery, NearbyReply, PublicLot, SignGroupBody, SignGroupList, SignGroupReply, SignGroupUpdateBody,
} from './schemas.js';
import {
  createSignGroup, deleteSignGroup, estimateFee, etagOf, getLotSettings, guidance, listSignGroups, lotDetail, matchesEtag, nearbyLots,
  publicDistricts, putLotSettings, updateSignGroup,
} from './service.js';

/** Seconds a client or proxy may reuse a public answer (docs/公众服务接口.md, "缓存"). */
export const PUBLIC_MAX_AGE_S = 30;
export const PUBLIC_RATE_WINDOW_MS = 60_000;

const tags = ['public'];
const LIMIT_NOTE = '免登录；每个 IP 每分钟限 ZHIBO_PUBLIC_RATE_PER_MINUTE 次（默认 120），超出 429 RATE_LIMITED 并带 Retry-After。 / No account; per IP ZHIBO_PUBLIC_RATE_PER_MINUTE calls a minute (default 120), beyond 429 with Retry-After.';

/**
 * 公众服务 (docs/公众服务接口.md): citizen and mini-program reads without an account, every
 * one counted per client address on the app's @fastify/rate-limit (memory, or Redis with
 * ZHIBO_REDIS_URL); and the staff routes under /api/v1/public-admin that set what they show.
 */
export function publicRoutes(appCtx: AppContext) {
  const ctx = publicContext(appCtx);
  return async (app: App) => {
    app.addSchema(PublicLot);
    app.addSchema(SignGroupReply);

    // One budget per client address over every public route (onRequest: before validation, so bad requests count too).
    const limit = app.createRateLimit({ max: ctx.config.publicRatePerMinute, timeWindow: PUBLIC_RATE_WINDOW_MS, keyGenerator: (req) => `public:${req.ip}` });
    const limited = async (req: FastifyRequest) => {
      const result = await limit(req);
      if (!result.isAllowed && result.isExceeded) {
        const retry = Math.max(1, result.ttlInSeconds);
        throw new AppError(429, 'RATE_LIMITED', `请求过于频繁，请 ${retry} 秒后再试 / too many requests, retry in ${retry} s`, undefined, { 'retry-after': String(retry) });
      }
    };
    const pub = { config: { public: true }, onRequest: limited };
    const cacheable = (reply: FastifyReply) => reply.header('cache-control', `public, max-age=${PUBLIC_MAX_AGE_S}`);

    app.get('/api/v1/public/lots/nearby', {
      ...pub,
      schema: {
        operationId: 'publicLotsNearby', tags, security: [],
        summary: '附近停车场（免登录） / lots near a point (no account)',
        description: '半径内未被隐藏的停车场，按 GCJ-02 球面距离升序。availability：live（最新状态上报在延迟阈值内，freeSpaces 为数字）、stale、unknown。Cache-Control: max-age=30。'
          + ` ${LIMIT_NOTE} / Public lots within the radius, nearest first (great-circle distance between GCJ-02 points).`,
        querystring: NearbyQuery,
        response: { 200: NearbyReply, ...errorResponses(400, 429) },
      },
    }, async (req, reply) => {
      cacheable(reply);
      return nearbyLots(ctx, req.query);
    });

    app.get('/api/v1/public/districts', {
      ...pub,
      schema: {
        operationId: 'publicDistricts', tags, security: [],
        summary: '县市区及其公开停车场中心（免登录） / districts with the centre of their public lots (no account)',
        description: `供未授权定位时选择县市区。${LIMIT_NOTE}`,
        response: { 200: DistrictsReply, ...errorResponses(429) },
      },
    }, async (_req, reply) => {
      cacheable(reply);
      return publicDistricts(ctx);
    });

    app.get('/api/v1/public/lots/:code', {
      ...pub,
      schema: {
        operationId: 'publicLotGet', tags, security: [],
        summary: '停车场详情（免登录） / a public lot (no account)',
        description: '与附近列表相同的字段，另有收费标准全文、今日逐小时占用、通常满位时段、高德/百度导航链接。隐藏或不存在的停车场 404。Cache-Control: max-age=30。'
          + ` ${LIMIT_NOTE} / The nearby fields plus the tariff, today's occupancy, usual full hours and navigation links; 404 for hidden or unknown lots.`,
        params: CodeParams, querystring: DetailQuery,
        response: { 200: LotDetail, ...errorResponses(400, 404, 429) },
      },
    }, async (req, reply) => {
      const body = await lotDetail(ctx, req.params.code, req.query);
      cacheable(reply);
      return body;
    });

    app.get('/api/v1/public/lots/:code/estimate', {
      ...pub,
      schema: {
        operationId: 'publicLotEstimate', tags, security: [],
        summary: '停车费估算（免登录） / fee estimate (no account)',
        description: '按停车场登记的收费标准（与数据清洗核对应收所用同一计费引擎）估算 from 至 to（默认现在）的停车费。无收费标准 404 NO_TARIFF。'
          + ` ${LIMIT_NOTE} / The fee of a stay by the lot's tariff, computed by the same engine the data-cleaning rules use.`,
        params: CodeParams, querystring: EstimateQuery,
        response: { 200: EstimateReply, ...errorResponses(400, 404, 429) },
      },
    }, (req) => estimateFee(ctx, req.params.code, req.query));

    app.get('/api/v1/public/guidance', {
      ...pub,
      schema: {
        operationId: 'publicGuidance', tags, security: [],
        summary: '诱导屏数据（免登录） / guidance-sign feed (no account)',
        description: 'area 为县市区代码或诱导屏分组编码：每个停车场及每个分组的空余泊位。带 ETag 与 Cache-Control: max-age=30；If-None-Match 相同时 304。'
          + ` ${LIMIT_NOTE} / Free spaces per lot and per sign group of a district or sign group; ETag, max-age 30, 304 on If-None-Match.`,
        querystring: GuidanceQuery,
        response: { 200: GuidanceReply, 304: Type.Null({ description: '未变化 / not modified' }), ...errorResponses(400, 404, 429) },
      },
    }, async (req, reply) => {
      const body = await guidance(ctx, req.query.area);
      const etag = etagOf(body);
      cacheable(reply).header('etag', etag);
      if (matchesEtag(req.headers['if-none-match'], etag)) return reply.code(304).send(null);
      return body;
    });

    // ---- staff ----
    const read = { preHandler: requirePermission('registry:read') };
    const write = { onRequest: requirePermission('registry:write') };

    app.get('/api/v1/public-admin/lots/:code/settings', {
      ...read,
      schema: {
        operationId: 'publicAdminLotSettingsGet', tags,
        summary: '停车场公众展示设置 / a lot\'s public settings',
        params: CodeParams, response: { 200: LotSettingsReply, ...errorResponses(401, 403, 404) },
      },
    }, (req) => getLotSettings(ctx, actorOf(req), req.params.code));

    app.put('/api/v1/public-admin/lots/:code/settings', {
      ...write,
      schema: {
        operationId: 'publicAdminLotSettingsSet', tags,
        summary: '设置停车场是否对公众隐藏、开放时间、充电车位 / set whether a lot is hidden, its opening hours and charging spaces',
        description: '需要 registry:write；县市区用户仅限本辖区；写入审计 public.lot_settings.update。 / Needs registry:write; audited.',
        params: CodeParams, body: LotSettingsBody, response: { 200: LotSettingsReply, ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => putLotSettings(ctx, actorOf(req), req.params.code, req.body));

    app.get('/api/v1/public-admin/sign-groups', {
      ...read,
      schema: { operationId: 'publicAdminSignGroupsList', tags, summary: '诱导屏分组 / guidance-sign groups', response: { 200: SignGroupList, ...errorResponses(401, 403) } },
    }, () => listSignGroups(ctx));

    app.post('/api/v1/public-admin/sign-groups', {
      ...write,
      schema: {
        operationId: 'publicAdminSignGroupsCreate', tags,
        summary: '新建诱导屏分组 / create a guidance-sign group',
        description: '需要 registry:write；停车场须在本辖区；审计 public.sign_group.create。 / Needs registry:write; audited.',
        body: SignGroupBody, response: { 201: Type.Ref('PublicSignGroup'), ...errorResponses(400, 401, 403, 409) },
      },
    }, async (req, reply) => reply.code(201).send(await createSignGroup(ctx, actorOf(req), req.body)));

    app.put('/api/v1/public-admin/sign-groups/:code', {
      ...write,
      schema: {
        operationId: 'publicAdminSignGroupsUpdate', tags,
        summary: '修改诱导屏分组 / change a guidance-sign group',
        params: CodeParams, body: SignGroupUpdateBody, response: { 200: Type.Ref('PublicSignGroup'), ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => updateSignGroup(ctx, actorOf(req), req.params.code, req.body));

    app.delete('/api/v1/public-admin/sign-groups/:code', {
      ...write,
      schema: {
        operationId: 'publicAdminSignGroupsDelete', tags,
        summary: '删除诱导屏分组 / delete a guidance-sign group',
        params: CodeParams, response: { 204: Type.Null({ description: '已删除 / removed' }), ...errorResponses(401, 403, 404) },
      },
    }, async (req, reply) => {
      await deleteSignGroup(ctx, actorOf(req), req.params.code);
      return reply.code(204).send(null);
    });
  };
}
