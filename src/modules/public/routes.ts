import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { addressLimit } from '../../platform/address-limit.js';
import { publicContext } from './repo.js';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { activeAnnouncements, createAnnouncement, deleteAnnouncement, listAnnouncements, updateAnnouncement } from './announcements.js';
import { citizenRecords, confirmVerification, startVerification } from './citizen.js';
import { citizenArrearsRoutes } from './routes-arrears.js';
import { XLSX_TYPE, contentDisposition } from '../../platform/http/download.js';
import { fixedSecurityHeaders } from '../../platform/security-headers.js';
import { smsSenderFor, type SmsSender } from '../../platform/sms.js';
import { UsageBuffer, usageReport, usageXlsx } from './usage.js';
import {
  AnnouncementBody, AnnouncementsQuery, CitizenRecordsReply, CitizenTokenReply, ConfirmBody, IdParams, PublicAnnouncements, StaffAnnouncement, StaffAnnouncementList,
  UsageQuery, UsageReply, VerificationBody, VerificationParams, VerificationReply,
  CodeParams, DetailQuery, DistrictsReply, EstimateQuery, EstimateReply, GuidanceQuery, GuidanceReply, LotDetail, LotSettingsBody, LotSettingsReply,
  NearbyQuery, NearbyReply, PublicLot, SignGroupBody, SignGroupList, SignGroupReply, SignGroupUpdateBody,
} from './schemas.js';
import {
  createSignGroup, deleteSignGroup, estimateFee, etagOf, getLotSettings, guidance, listSignGroups, lotDetail, matchesEtag, nearbyAnswer,
  publicDistricts, putLotSettings, updateSignGroup,
} from './service.js';

/** Seconds a client or proxy may reuse a public answer (docs/公众服务接口.md, "缓存"). */
export const PUBLIC_MAX_AGE_S = 30;
export const PUBLIC_RATE_WINDOW_MS = 60_000;
/** Verification codes one client address may ask for per hour (each one is an SMS we pay for). */
export const VERIFICATIONS_PER_IP_HOUR = 10;

const tags = ['public'];
const LIMIT_NOTE = '免登录；每个 IP 每分钟限 ZHIBO_PUBLIC_RATE_PER_MINUTE 次（默认 120），超出 429 RATE_LIMITED 并带 Retry-After。 / No account; per IP ZHIBO_PUBLIC_RATE_PER_MINUTE calls a minute (default 120), beyond 429 with Retry-After.';

/**
 * 公众服务 (docs/公众服务接口.md): citizen and mini-program reads without an account, every
 * one counted per client address on the app's @fastify/rate-limit (memory, or Redis with
 * ZHIBO_REDIS_URL); and the staff routes under /api/v1/public-admin that set what they show.
 */
export function publicRoutes(appCtx: AppContext, opts: { sms?: SmsSender } = {}) {
  const ctx = publicContext(appCtx);
  const sms = opts.sms ?? smsSenderFor(ctx.config, ctx.log);
  return async (app: App) => {
    // The security headers from a fixed set instead of @fastify/helmet's per-request build (security-headers.ts).
    const securityHeaders = await fixedSecurityHeaders(ctx.config);
    app.addSchema(PublicLot);
    app.addSchema(SignGroupReply);
    app.addSchema(StaffAnnouncement);

    // Read queries are counted in memory and written every 30 s and when the app closes (usage.ts).
    const usage = new UsageBuffer();
    const flushUsage = () => usage.flush(ctx.db).catch((err: unknown) => ctx.log.warn({ err: (err as Error).message }, 'public usage counts not written, retrying later'));
    const timer = setInterval(flushUsage, 30_000);
    timer.unref();
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await flushUsage();
    });
    const count = (metric: string, key = '') => usage.add(ctx.clock.now(), metric, key);

    // One budget per client address over every public route (onRequest: before validation, so bad requests count too).
    const limited = addressLimit(app, { name: 'public', max: ctx.config.publicRatePerMinute, windowMs: PUBLIC_RATE_WINDOW_MS });
    const pub = { config: { public: true }, helmet: false as const, onRequest: [securityHeaders, limited] };
    const cacheable = (reply: FastifyReply) => reply.header('cache-control', `public, max-age=${PUBLIC_MAX_AGE_S}`);

    app.get('/api/v1/public/lots/nearby', {
      ...pub,
      schema: {
        operationId: 'publicLotsNearby', tags, security: [],
        summary: '附近停车场（免登录） / lots near a point (no account)',
        description: '半径内未被隐藏的停车场，按 GCJ-02 球面距离升序。availability：live（最新状态上报在延迟阈值内，freeSpaces 为数字）、stale、unknown。Cache-Control: max-age=30；带 ETag，If-None-Match 相同时 304。'
          + ` ${LIMIT_NOTE} / Public lots within the radius, nearest first (great-circle distance between GCJ-02 points).`,
        querystring: NearbyQuery,
        response: { 200: NearbyReply, 304: Type.Null({ description: '未变化 / not modified' }), ...errorResponses(400, 429) },
      },
    }, async (req, reply) => {
      // Serialised once per query and snapshot (service.ts, nearbyAnswer): the text goes out as it is.
      const answer = await nearbyAnswer(ctx, req.query);
      count('nearby', answer.districtCode);
      cacheable(reply).header('etag', answer.etag);
      if (matchesEtag(req.headers['if-none-match'], answer.etag)) return reply.code(304).send(null);
      // A string with a JSON content type passes the serializer untouched.
      return reply.header('content-type', 'application/json; charset=utf-8').send(answer.body as unknown as { items: [] });
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
      count('lot', body.code);
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
    }, (req) => {
      count('estimate');
      return estimateFee(ctx, req.params.code, req.query);
    });

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
      count('guidance', req.query.area);
      const etag = etagOf(body);
      cacheable(reply).header('etag', etag);
      if (matchesEtag(req.headers['if-none-match'], etag)) return reply.code(304).send(null);
      return body;
    });

    app.get('/api/v1/public/announcements', {
      ...pub,
      schema: {
        operationId: 'publicAnnouncements', tags, security: [],
        summary: '当前公告（免登录） / announcements in force (no account)',
        description: `封闭施工、节假日交通、新开停车场等当前生效的公告；district 给出时含全市公告与该县市区公告。Cache-Control: max-age=30。${LIMIT_NOTE}`,
        querystring: AnnouncementsQuery,
        response: { 200: PublicAnnouncements, ...errorResponses(400, 429) },
      },
    }, async (req, reply) => {
      const body = await activeAnnouncements(ctx, req.query.district);
      cacheable(reply);
      return body;
    });

    // ---- 我的停车与欠费: a phone code proves the plate, a citizen token reads its records ----
    const verifyLimit = app.createRateLimit({ max: VERIFICATIONS_PER_IP_HOUR, timeWindow: 3_600_000, keyGenerator: (req) => `public-verify:${req.ip}` });
    const verifyLimited = async (req: FastifyRequest) => {
      await limited(req);
      const result = await verifyLimit(req);
      if (!result.isAllowed && result.isExceeded) {
        const retry = Math.max(1, result.ttlInSeconds);
        throw new AppError(429, 'RATE_LIMITED', `验证码请求过于频繁，请 ${retry} 秒后再试 / too many code requests, retry in ${retry} s`, undefined, { 'retry-after': String(retry) });
      }
    };
    const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

    app.post('/api/v1/public/verifications', {
      config: { public: true }, helmet: false as const, onRequest: [securityHeaders, verifyLimited],
      schema: {
        operationId: 'publicVerificationStart', tags, security: [],
        summary: '发送车牌验证码（免登录） / send a code to prove a plate (no account)',
        description: '向手机号发送 6 位验证码（5 分钟有效，最多试 5 次）。不查询停车记录：车牌有无记录，回答与耗时相同。每车牌、每手机号每小时 5 次，'
          + `每 IP 每小时 ${VERIFICATIONS_PER_IP_HOUR} 次，一个手机号 30 天内最多验证 5 个其他车牌；超出 429。短信网关不可用 503 SMS_UNAVAILABLE。${LIMIT_NOTE}`
          + ' / Sends a 6-digit code (5 minutes, 5 attempts); never looks at records, so the answer is the same whether or not the plate parked.',
        body: VerificationBody,
        response: { 202: VerificationReply, ...errorResponses(400, 429, 503) },
      },
    }, async (req, reply) => reply.code(202).header('cache-control', 'no-store').send(await startVerification(ctx, sms, req.body, req.ip)));

    app.post('/api/v1/public/verifications/:id/confirm', {
      ...pub,
      schema: {
        operationId: 'publicVerificationConfirm', tags, security: [],
        summary: '确认验证码，换取市民令牌（免登录） / confirm the code for a citizen token (no account)',
        description: '验证码正确、未过期、未用过且未超 5 次时返回 30 分钟有效的市民令牌。错误 400 CODE_WRONG（附剩余次数）、CODE_EXPIRED、CODE_USED；超次 429 CODE_ATTEMPTS_EXHAUSTED；'
          + `不存在 404 VERIFICATION_NOT_FOUND。${LIMIT_NOTE} / The right code, in time, once, within 5 attempts yields a 30-minute citizen token.`,
        params: VerificationParams, body: ConfirmBody,
        response: { 200: CitizenTokenReply, ...errorResponses(400, 404, 429) },
      },
    }, async (req, reply) => {
      noStore(reply);
      return confirmVerification(ctx, req.params.id, req.body.code, req.ip);
    });

    app.get('/api/v1/public/records', {
      ...pub,
      schema: {
        operationId: 'publicRecords', tags, security: [],
        summary: '我的停车记录与欠费（市民令牌） / my parking records and arrears (citizen token)',
        description: '须带 Authorization: Bearer <市民令牌>（无令牌 401 CITIZEN_TOKEN_REQUIRED，失效 401 CITIZEN_TOKEN_INVALID）。返回该车牌近 90 天记录与全部未结清欠费，'
          + `金额单位为分，另给欠费合计（元）。每次读取记审计 public.records.read。不缓存。${LIMIT_NOTE}`
          + ' / Needs Authorization: Bearer <citizen token>; the plate\'s records of 90 days and its open arrears; every read audited; not cached.',
        response: { 200: CitizenRecordsReply, ...errorResponses(401, 429) },
      },
    }, async (req, reply) => {
      noStore(reply);
      return citizenRecords(ctx, req.headers.authorization, req.ip);
    });

    await app.register(citizenArrearsRoutes(ctx, pub, tags));

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

    app.get('/api/v1/public-admin/announcements', {
      ...read,
      schema: {
        operationId: 'publicAdminAnnouncementsList', tags,
        summary: '公告列表（含待生效与已结束） / announcements, scheduled and ended too',
        response: { 200: StaffAnnouncementList, ...errorResponses(401, 403) },
      },
    }, (req) => listAnnouncements(ctx, actorOf(req)));

    app.post('/api/v1/public-admin/announcements', {
      ...write,
      schema: {
        operationId: 'publicAdminAnnouncementsCreate', tags,
        summary: '发布公告 / publish an announcement',
        description: '需要 registry:write；县市区用户只能发布本辖区公告；审计 public.announcement.create。 / Needs registry:write; audited.',
        body: AnnouncementBody, response: { 201: Type.Ref('PublicStaffAnnouncement'), ...errorResponses(400, 401, 403) },
      },
    }, async (req, reply) => reply.code(201).send(await createAnnouncement(ctx, actorOf(req), req.body)));

    app.put('/api/v1/public-admin/announcements/:id', {
      ...write,
      schema: {
        operationId: 'publicAdminAnnouncementsUpdate', tags,
        summary: '修改公告 / change an announcement',
        params: IdParams, body: AnnouncementBody, response: { 200: Type.Ref('PublicStaffAnnouncement'), ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => updateAnnouncement(ctx, actorOf(req), req.params.id, req.body));

    app.delete('/api/v1/public-admin/announcements/:id', {
      ...write,
      schema: {
        operationId: 'publicAdminAnnouncementsDelete', tags,
        summary: '删除公告 / delete an announcement',
        params: IdParams, response: { 204: Type.Null({ description: '已删除 / removed' }), ...errorResponses(401, 403, 404) },
      },
    }, async (req, reply) => {
      await deleteAnnouncement(ctx, actorOf(req), req.params.id);
      return reply.code(204).send(null);
    });

    app.get('/api/v1/public-admin/usage', {
      ...read,
      schema: {
        operationId: 'publicAdminUsage', tags,
        summary: '公众服务使用情况 / public-service usage',
        description: '每日查询量、热门查询区域（按最近停车场所在县市区）、验证码成功率、公众渠道投诉分类；format=xlsx 下载 Excel。 / Queries per day, top areas, verification success rate, public complaints by category; format=xlsx for Excel.',
        querystring: UsageQuery,
        response: {
          200: {
            description: 'JSON，或 format=xlsx 时 Excel（文件名 公众服务使用情况-起-止.xlsx） / JSON, or the Excel file with format=xlsx',
            content: { 'application/json': { schema: UsageReply }, [XLSX_TYPE]: { schema: { type: 'string', format: 'binary' } } },
          },
          ...errorResponses(400, 401, 403),
        },
      },
    }, async (req, reply) => {
      const report = await usageReport(ctx, usage, req.query);
      reply.header('cache-control', 'no-store');
      if (req.query.format !== 'xlsx') return reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(report));
      const file = await usageXlsx(report);
      reply.header('content-type', XLSX_TYPE)
        .header('content-disposition', contentDisposition(`公众服务使用情况-${report.from}-${report.to}.xlsx`, `public-usage-${report.from}-${report.to}.xlsx`));
      // Rendered already: the Buffer goes out as it is, past the serializer.
      return reply.send(file as unknown as string);
    });

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
