import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { citizenPlateOf } from '../public/index.js';
import { actorOf, errorResponses, type App } from '../../platform/http.js';
import { citizenBookings, citizenCancel, createBooking, getBooking, listBookings, publicBooking, staffCancel } from './bookings.js';
import { contentDisposition } from '../../platform/http/download.js';
import { openDispute } from './dispute.js';
import { sharingKpis } from './kpis.js';
import { nearbyOffers } from './nearby.js';
import { confirmStatement, ownerStatement, XLSX_TYPE } from './statement.js';
import { createOffer, createOwner, getOffer, listOffers, listOwners, transitionOffer, type OfferAction } from './offers.js';
import { sharingContext } from './repo.js';
import {
  Booking, BookingBody, BookingCreated, CitizenBookings, DisputeBody, BookingIdParams, BookingList, BookingListQuery, IdParams, Kpis, KpisQuery, StatementQuery, StatementConfirmBody, ConfirmedStatement, NearbyOffers, NearbyOffersQuery, Offer, OfferBody,
  OfferList, OfferListQuery, Owner, OwnerBody, OwnerList, PublicBookingQuery, PublicCancelBody,
} from './schemas.js';

const tags = ['sharing'];
const binary = { schema: { type: 'string', format: 'binary' } };

/**
 * The optional `{ "reason": "…" }` of an action. Actions take no body schema: a POST with no body
 * at all (what most clients send for an action) must not be refused as "body must be object".
 */
function reasonOf(body: unknown): string | undefined {
  const r = (body as { reason?: unknown } | null | undefined)?.reason;
  return typeof r === 'string' && r.trim() ? r.trim().slice(0, 500) : undefined;
}
export const SHARING_RATE_WINDOW_MS = 60_000;
const LIMIT_NOTE = '免登录；共享停车公众接口每个 IP 每分钟限 ZHIBO_PUBLIC_RATE_PER_MINUTE 次（默认 120，与停车场查询分别计数），超出 429 RATE_LIMITED 并带 Retry-After。 / No account; per IP ZHIBO_PUBLIC_RATE_PER_MINUTE calls a minute (default 120, counted apart from the lot pages), beyond 429 with Retry-After.';

/**
 * 共享停车 (docs/共享停车规则.md, docs/共享停车接口.md): staff and owners under /api/v1/sharing,
 * citizens without an account under /api/v1/public/sharing (rate-limited with the other public routes).
 */
export function sharingRoutes(appCtx: AppContext) {
  const ctx = sharingContext(appCtx);
  return async (app: App) => {
    app.addSchema(Offer);
    app.addSchema(Booking);
    app.addSchema(Owner);

    // An action (approve, pause, cancel …) is a POST whose body is optional: clients that always send
    // `content-type: application/json` send it with an empty body too, which is no body here rather
    // than 400 INVALID_JSON. Only this module's routes parse JSON this way.
    app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => {
      const text = String(body);
      if (text.trim() === '') return done(null, undefined);
      try {
        done(null, JSON.parse(text, (k, v: unknown) => (k === '__proto__' || k === 'constructor' ? undefined : v)));
      } catch {
        done(Object.assign(new Error('invalid JSON'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }), undefined);
      }
    });

    // The public routes' per-address budget, counted apart from the lot pages (a burst of
    // bookings does not eat a citizen's map refreshes, nor the other way round).
    const limit = app.createRateLimit({ max: ctx.config.publicRatePerMinute, timeWindow: SHARING_RATE_WINDOW_MS, keyGenerator: (req) => `public-sharing:${req.ip}` });
    const limited = async (req: FastifyRequest) => {
      const result = await limit(req);
      if (!result.isAllowed && result.isExceeded) {
        const retry = Math.max(1, result.ttlInSeconds);
        throw new AppError(429, 'RATE_LIMITED', `请求过于频繁，请 ${retry} 秒后再试 / too many requests, retry in ${retry} s`, undefined, { 'retry-after': String(retry) });
      }
    };
    const pub = { config: { public: true }, onRequest: limited };

    // ---- owners ----
    app.post('/api/v1/sharing/owners', {
      schema: {
        operationId: 'sharingCreateOwner', tags, summary: '登记共享单位 / register an owner',
        description: '需要 sharing:approve（管理员、市城管）。lotCodes：该单位共享的停车场；usernames：其 share_owner 账号。审计 sharing.owner.create。',
        body: OwnerBody, response: { 201: Type.Ref('SharingOwner'), ...errorResponses(400, 401, 403, 409) },
      },
    }, async (req, reply) => reply.code(201).send(await createOwner(ctx, actorOf(req), req.body)));

    app.get('/api/v1/sharing/owners', {
      schema: { operationId: 'sharingListOwners', tags, summary: '共享单位 / owners', description: '共享单位账号只见本单位；县市区用户只见本辖区停车场的单位。', response: { 200: OwnerList, ...errorResponses(401, 403) } },
    }, (req) => listOwners(ctx, actorOf(req)));

    // ---- offers ----
    app.post('/api/v1/sharing/offers', {
      schema: {
        operationId: 'sharingCreateOffer', tags, summary: '新建共享方案 / create an offer',
        description: '管理员、市城管（sharing:approve）新建即 approved；共享单位账号（仅本单位停车场）与其他有 registry:write 的用户新建为 submitted（submit:false 为 draft）。'
          + '时段为上海时间的每周时段，结束不晚于开始即跨零点。 / Created approved by approvers; submitted (or draft) otherwise. Windows are weekly, Shanghai time; an end not after the start crosses midnight.',
        body: OfferBody, response: { 201: Type.Ref('SharingOffer'), ...errorResponses(400, 401, 403, 404) },
      },
    }, async (req, reply) => reply.code(201).send(await createOffer(ctx, actorOf(req), req.body)));

    app.get('/api/v1/sharing/offers', {
      schema: { operationId: 'sharingListOffers', tags, summary: '共享方案列表 / offers', querystring: OfferListQuery, response: { 200: OfferList, ...errorResponses(400, 401, 403) } },
    }, (req) => listOffers(ctx, actorOf(req), req.query));

    app.get('/api/v1/sharing/offers/:id', {
      schema: { operationId: 'sharingGetOffer', tags, summary: '共享方案 / an offer', params: IdParams, response: { 200: Type.Ref('SharingOffer'), ...errorResponses(400, 401, 403, 404) } },
    }, (req) => getOffer(ctx, actorOf(req), req.params.id));

    const actions: { action: OfferAction; op: string; summary: string; description: string }[] = [
      { action: 'submit', op: 'sharingSubmitOffer', summary: '提交审核 / submit for approval', description: 'draft → submitted。' },
      { action: 'approve', op: 'sharingApproveOffer', summary: '审核通过，开放预约 / approve: open for booking', description: '需要 sharing:approve。draft/submitted/paused → approved；已通过的再次通过不变（200）。' },
      { action: 'pause', op: 'sharingPauseOffer', summary: '暂停预约 / pause', description: 'approved → paused：不再接受新预约，已有预约保留。' },
      { action: 'end', op: 'sharingEndOffer', summary: '结束方案 / end', description: '→ ended：尚未开始的预约改为 cancelled_by_owner 并通知。' },
    ];
    for (const a of actions) {
      app.post(`/api/v1/sharing/offers/:id/${a.action}`, {
        schema: {
          operationId: a.op, tags, summary: a.summary, description: `${a.description} 可带 { "reason": "…" }。409 SHARE_OFFER_STATE：当前状态不允许。审计 sharing.offer.${a.action}。`,
          params: IdParams, response: { 200: Type.Ref('SharingOffer'), ...errorResponses(400, 401, 403, 404, 409) },
        },
      }, (req) => transitionOffer(ctx, actorOf(req), req.params.id, a.action, reasonOf(req.body)));
    }

    // ---- bookings (staff, owners) ----
    app.get('/api/v1/sharing/bookings', {
      schema: {
        operationId: 'sharingListBookings', tags, summary: '预约列表 / bookings',
        description: '号牌无 pii 权限时脱敏，手机号总是脱敏。共享单位只见本单位方案的预约。', querystring: BookingListQuery,
        response: { 200: BookingList, ...errorResponses(400, 401, 403) },
      },
    }, (req) => listBookings(ctx, actorOf(req), req.query));

    app.get('/api/v1/sharing/bookings/:id', {
      schema: {
        operationId: 'sharingGetBooking', tags, summary: '一笔预约 / a booking',
        description: 'status：booked、entered、completed、cancelled、cancelled_by_owner、no_show。有 pii 权限时号牌不脱敏并记审计。',
        params: BookingIdParams, response: { 200: Type.Ref('SharingBooking'), ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => getBooking(ctx, actorOf(req), req.params.id));

    app.post('/api/v1/sharing/bookings/:id/cancel', {
      schema: {
        operationId: 'sharingCancelBooking', tags, summary: '取消预约（单位或工作人员） / cancel a booking (owner or staff)',
        description: '共享单位取消为 cancelled_by_owner 并通知；工作人员取消为 cancelled。仅 booked 可取消（409 SHARE_BOOKING_STATE）。可带 { "reason": "…" }。',
        params: BookingIdParams, response: { 200: Type.Ref('SharingBooking'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => staffCancel(ctx, actorOf(req), req.params.id, reasonOf(req.body)));

    app.post('/api/v1/sharing/bookings/:id/dispute', {
      schema: {
        operationId: 'sharingOpenDispute', tags, summary: '预约争议转工单 / open a work order about a booking',
        description: '市城管局、运维或共享单位可为一笔预约开争议工单（关联停车场、号牌、停车记录），走工单闭环与时限；每笔预约一张（409 SHARE_DISPUTE_OPEN）。',
        params: BookingIdParams, body: DisputeBody, response: { 200: Type.Ref('SharingBooking'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => openDispute(appCtx, actorOf(req), req.params.id, req.body));

    // ---- figures ----
    app.get('/api/v1/sharing/kpis', {
      schema: {
        operationId: 'sharingKpis', tags, summary: '共享停车指标 / shared-parking KPIs',
        description: '口径见 docs/指标口径.md「共享停车」：利用率（预约小时 ÷ 共享泊位小时；使用小时 ÷ 共享泊位小时）、履约率（入场 ÷ 到期预约）、爽约率、超时率；按共享单位、县市区或方案分组，上海自然月。',
        querystring: KpisQuery, response: { 200: Kpis, ...errorResponses(400, 401, 403) },
      },
    }, (req) => sharingKpis(ctx, actorOf(req), req.query.month, req.query.groupBy));

    app.get('/api/v1/sharing/statements', {
      schema: {
        operationId: 'sharingStatement', tags, summary: '共享单位月度结算单（.xlsx） / an owner\'s monthly statement (.xlsx)',
        description: '汇总表与明细表：预约笔数、使用小时、预约费、超时费、收入、平台分成（platformSharePercent，默认 10%）与单位应得；各合计等于明细逐行相加。',
        querystring: StatementQuery,
        response: { 200: { description: 'Excel (.xlsx)', content: { [XLSX_TYPE]: binary } }, ...errorResponses(400, 401, 403, 404) },
      },
    }, async (req, reply) => {
      const file = await ownerStatement(ctx, actorOf(req), req.query);
      return reply.header('content-type', XLSX_TYPE).header('content-disposition', contentDisposition(file.fileName)).header('cache-control', 'no-store').send(file.body);
    });

    app.post('/api/v1/sharing/statements/confirm', {
      schema: {
        operationId: 'sharingConfirmStatement', tags, summary: '确认共享单位月度结算单 / confirm an owner\'s monthly statement',
        description: '需要 sharing:approve。保存确认时的数字（之后结算单显示变动）；重复确认 409 SHARE_STATEMENT_CONFIRMED。审计 sharing.statement.confirm。',
        body: StatementConfirmBody, response: { 201: ConfirmedStatement, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, async (req, reply) => reply.code(201).send(await confirmStatement(ctx, actorOf(req), req.body)));

    // ---- public ----
    app.get('/api/v1/public/sharing/offers/nearby', {
      ...pub,
      schema: {
        operationId: 'sharingPublicNearby', tags, security: [], summary: '附近可预约的共享泊位（免登录） / shared spaces near a point for a slot (no account)',
        description: `from–to 落在方案某一时段内的已通过方案，freeSpaces 为该时段内任一时刻都空着的泊位数；按 GCJ-02 距离升序。${LIMIT_NOTE}`,
        querystring: NearbyOffersQuery, response: { 200: NearbyOffers, ...errorResponses(400, 429) },
      },
    }, (req) => nearbyOffers(ctx, req.query));

    app.post('/api/v1/public/sharing/bookings', {
      ...pub,
      schema: {
        operationId: 'sharingPublicBook', tags, security: [], summary: '预约共享泊位（免登录） / book a shared space (no account)',
        description: 'start、end 须完整落在方案的一个时段内（400 SHARE_OUTSIDE_WINDOW）。约满 409 SHARE_FULL；同一号牌已有重叠预约 409 SHARE_PLATE_OVERLAP；'
          + '号牌因爽约暂停预约 409 SHARE_PLATE_SUSPENDED；方案不可预约 409 SHARE_NOT_BOOKABLE。返回的 cancelCode 用于查询、取消。'
          + ` ${LIMIT_NOTE} / Never overbooked: checked under a lock on the offer in the booking's transaction.`,
        body: BookingBody, response: { 201: BookingCreated, ...errorResponses(400, 404, 409, 429) },
      },
    }, async (req, reply) => reply.code(201).send(await createBooking(ctx, req.body)));

    app.get('/api/v1/public/sharing/bookings/mine', {
      ...pub,
      schema: {
        operationId: 'sharingPublicMyBookings', tags, security: [], summary: '我的共享停车预约（市民令牌） / my shared-parking bookings (citizen token)',
        description: '须带 Authorization: Bearer <市民令牌>（公众服务的手机验证码验证车牌后取得：POST /api/v1/public/verifications 与 /confirm）；无令牌 401 CITIZEN_TOKEN_REQUIRED，失效 401 CITIZEN_TOKEN_INVALID。'
          + `返回该车牌开始时间在近 90 天内及以后的预约（开始时间倒序），号牌不脱敏、手机号脱敏。每次读取记审计 public.sharing.bookings.read。不缓存。${LIMIT_NOTE}`
          + ' / Needs the citizen token of the public service; the verified plate\'s bookings starting in the last 90 days or later; every read audited; not cached.',
        response: { 200: CitizenBookings, ...errorResponses(401, 429) },
      },
    }, async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const { plate, verificationId } = await citizenPlateOf(appCtx, req.headers.authorization);
      return citizenBookings(ctx, plate, verificationId, req.ip);
    });

    app.get('/api/v1/public/sharing/bookings/:id', {
      ...pub,
      schema: {
        operationId: 'sharingPublicBooking', tags, security: [], summary: '查询本人预约（免登录，凭取消码） / see one\'s booking by its cancel code (no account)',
        description: `号牌、手机号脱敏。${LIMIT_NOTE}`, params: BookingIdParams, querystring: PublicBookingQuery,
        response: { 200: Type.Ref('SharingBooking'), ...errorResponses(400, 404, 429) },
      },
    }, (req) => publicBooking(ctx, req.params.id, req.query.cancelCode));

    app.post('/api/v1/public/sharing/bookings/:id/cancel', {
      ...pub,
      schema: {
        operationId: 'sharingPublicCancel', tags, security: [], summary: '取消本人预约（免登录，凭取消码） / cancel one\'s booking (no account)',
        description: `开始前方案规定的分钟数之前可免费取消（409 SHARE_CANCEL_TOO_LATE）。${LIMIT_NOTE}`, params: BookingIdParams, body: PublicCancelBody,
        response: { 200: Type.Ref('SharingBooking'), ...errorResponses(400, 404, 409, 429) },
      },
    }, (req) => citizenCancel(ctx, req.params.id, req.body.cancelCode));
  };
}
