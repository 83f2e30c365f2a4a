import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import fastifyHelmet from '@fastify/helmet';
import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import { Type } from 'typebox';
import { authenticate, accountsRoutes } from './modules/accounts/index.js';
import { analyticsRoutes } from './modules/analytics/index.js';
import { arrearsRoutes } from './modules/arrears/index.js';
import { createHealthMetrics, healthRoutes } from './modules/health/index.js';
import { incidentsRoutes } from './modules/incidents/index.js';
import { ingestRoutes } from './modules/ingest/index.js';
import { monitoringRoutes } from './modules/monitoring/index.js';
import { notificationsRoutes } from './modules/notifications/index.js';
import { onboardingRoutes } from './modules/onboarding/index.js';
import { qualityRoutes } from './modules/quality/index.js';
import { publicRoutes } from './modules/public/index.js';
import { themesRoutes } from './modules/themes/index.js';
import { overviewRoutes } from './modules/overview/index.js';
import { paymentsRoutes } from './modules/payments/index.js';
import { connectorsRoutes } from './modules/connectors/index.js';
import { registryRoutes } from './modules/registry/index.js';
import { securityRoutes } from './modules/security/index.js';
import { sessionsRoutes } from './modules/sessions/index.js';
import { sharingRoutes } from './modules/sharing/index.js';
import { wireListeners } from './wiring.js';
import { slaRoutes } from './modules/sla/index.js';
import { ticketsRoutes } from './modules/tickets/index.js';
import { auditRoutes } from './platform/audit/routes.js';
import type { RootContext } from './schema.js';
import { errorHandler } from './platform/error-handler.js';
import { DATABASE_RETRY_AFTER_SECONDS } from './platform/errors.js';
import { ErrorBody, type App } from './platform/http.js';
import { registerPlateSearchLimit } from './platform/plate-search.js';
import { rateLimitBackend } from './platform/rate-limit-store.js';
import { cookieFlagsHook, securityHeaders } from './platform/security-headers.js';
import { UPLOAD_LIMIT_BYTES } from './platform/uploads.js';

const WEB_DIST = fileURLToPath(new URL('../dist/web/', import.meta.url));

/** One tag per module of the API (each route's `tags`), Chinese first, English second. */
const API_TAGS = [
  { name: 'system', description: '系统 System: health' },
  { name: 'auth', description: '登录 Sign-in and own account' },
  { name: 'users', description: '用户管理 User management' },
  { name: 'audit', description: '审计日志 Audit log' },
  { name: 'registry', description: '数据资源 Registry: districts, operators, data sources, lots, berths' },
  { name: 'ingest', description: '数据接入 Data ingest: the signed push API, quarantine, event-file import' },
  { name: 'sessions', description: '停车流水 Parking records' },
  { name: 'tickets', description: '工单 Work orders, their channel clients and the citizen pages' },
  { name: 'sla', description: '时限 SLA: working-day calendar and policies' },
  { name: 'reports', description: '报表 Reports: monthly data-sync report' },
  { name: 'monitoring', description: '数据同步监控 Data-sync monitoring: freshness, alerts, follow-ups, windows' },
  { name: 'notifications', description: '通知 Notifications: the signed-in user\'s notices' },
  { name: 'notification-channels', description: '通知渠道 Notification channels: e-mail, WeCom, DingTalk' },
  { name: 'onboarding', description: '县市区接入 District onboarding register and progress report' },
  { name: 'incidents', description: '系统事件台账 Incident ledger' },
  { name: 'quality', description: '数据清洗 Data quality: rules, findings, fixes, scores' },
  { name: 'analytics', description: '数据分析 Analytics: KPIs' },
  { name: 'overview', description: '全局概览 City overview' },
  { name: 'health', description: '平台自检、巡检与报告 Platform health: metrics, inspections, weekly/monthly work reports, report centre' },
  { name: 'payments', description: '支付通道 Payment channels: WeChat Pay and Alipay notifications, pay orders, reconciliation' },
  { name: 'arrears', description: '欠费追缴 Arrears recovery: the ledger per plate, escalation, write-offs with approval, KPIs, the lot systems\' entry-refusal list' },
  { name: 'security', description: '安全运维 Security operations: vulnerability register and fix-plan deadlines, permission reviews, the server\'s backups and restore tests' },
  { name: 'sharing', description: '共享停车 Shared parking: owners, offers, bookings, KPIs, statements; citizen booking (no account)' },
  { name: 'public', description: '公众服务 Public service: nearby lots, lot details, fee estimates, guidance feed (no account)' },
  { name: 'themes', description: '市域专题 City themes: hospital, school, scenic, hub and event areas with their measures' },
  { name: 'connectors', description: '数据对接 Connectors: pulling HTTP feeds, database tables and dropped files into ingest' },
];

/**
 * Requests logged at debug instead of info: health probes (a load balancer asks every few
 * seconds) and the console's files and page loads (GET outside /api/ and the citizens' /h5/
 * pages). Everything else keeps its "incoming request" / "request completed" lines at info.
 */
export function quietRequest(req: { method: string; url: string }): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = req.url.split('?')[0]!;
  return path === '/api/health' || !(path.startsWith('/api/') || path.startsWith('/h5/'));
}

/** Fastify's request log lines, at debug for the quiet requests (errors keep their level). */
class RequestLog extends LogController {
  override incomingRequest(request: Parameters<LogController['incomingRequest']>[0], reply: Parameters<LogController['incomingRequest']>[1]): void {
    if (quietRequest(request as { method: string; url: string })) (request as { log: FastifyBaseLogger }).log.debug({ req: request }, 'incoming request');
    else super.incomingRequest(request, reply);
  }

  override requestCompleted(error: Parameters<LogController['requestCompleted']>[0], request: Parameters<LogController['requestCompleted']>[1], reply: Parameters<LogController['requestCompleted']>[2]): void {
    const r = reply as { log: FastifyBaseLogger; elapsedTime: number };
    if (!error && quietRequest(request as { method: string; url: string })) r.log.debug({ res: reply, responseTime: r.elapsedTime }, 'request completed');
    else super.requestCompleted(error, request, reply);
  }
}

/** What a share_owner account may call (besides the public routes). */
const SHARE_OWNER_PATHS = ['/api/v1/sharing/', '/api/v1/sharing?', '/api/v1/auth/', '/api/v1/notifications'];

/** Builds the HTTP app from the modules. Listening is the caller's business (serve, tests). */
export async function buildApp(ctx: RootContext): Promise<App> {
  wireListeners(ctx);
  const app = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    logController: new RequestLog(),
    bodyLimit: 2 * 1024 * 1024,
    trustProxy: ctx.config.trustProxy.length ? ctx.config.trustProxy : false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    // The router's own refusals (a malformed percent-encoding, a path parameter over 100
    // characters) leave in the error shape too, not Fastify's default body.
    frameworkErrors: (err, req, reply) => {
      errorHandler(err, req, reply);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler(errorHandler);
  // GET /metrics counts every answered request by route pattern and status (modules/health).
  const metrics = createHealthMetrics();
  app.addHook('onResponse', metrics.onResponse);
  app.addHook('onSend', async (req, reply, payload) => {
    // Ingest results by kind, read from the signed push's answer (200 = committed).
    if (reply.statusCode === 200 && req.routeOptions.url === '/api/v1/ingest/events' && typeof payload === 'string') {
      const n = (key: string) => Number(new RegExp(`"${key}":(\\d+)`).exec(payload.slice(0, 200))?.[1] ?? 0);
      metrics.countIngest({ accepted: n('accepted'), duplicates: n('duplicates'), rejected: n('rejected') });
    }
    return payload;
  });
  app.setNotFoundHandler((req, reply) => {
    if (!req.url.startsWith('/api/') && req.method === 'GET' && existsSync(webDir(ctx))) {
      return reply.sendFile('index.html'); // client-side routes of the console
    }
    return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `无此接口 / no route ${req.method} ${req.url.split('?')[0]}` } });
  });
  app.addSchema(ErrorBody);

  // Security headers (CSP, nosniff, no framing, no referrer, HSTS over https) on every response,
  // the console's files, the API and the 404s alike (decision 0006).
  await app.register(fastifyHelmet, securityHeaders(ctx.config));
  app.addHook('onSend', cookieFlagsHook(ctx.config));
  await app.register(fastifyMultipart, { limits: { fileSize: UPLOAD_LIMIT_BYTES, files: 1 } });
  // The OpenAPI document is the contract (docs/architecture.md, "Schemas are the contract"): 3.1,
  // because TypeBox emits JSON Schema 2020-12, which is what OpenAPI 3.1 schemas are.
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: '智泊 Zhibo API', version: '0.1.0', description: '南通市智慧停车平台接口 / Nantong smart parking platform API' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearerAuth: [] }],
      tags: API_TAGS,
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());

  // Authentication: every /api/v1 route needs a bearer token unless it is marked public.
  app.decorateRequest('actor', null);
  app.decorateRequest('tokenId', null);
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/api/v1/') || req.routeOptions.config?.public) return;
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : null;
    const session = token ? await authenticate(ctx, token, req.ip) : null;
    if (!session) {
      return reply.code(401).send({ error: { code: 'UNAUTHENTICATED', message: '未登录或登录已过期 / not signed in or session expired' } });
    }
    req.actor = session.actor;
    req.tokenId = session.tokenId;
    // An expired password or a second factor the role requires but has not enrolled: the user's
    // own account routes only, until it is done (docs/等保自查.md, "身份鉴别").
    if (session.restriction && !req.url.startsWith('/api/v1/auth/')) {
      const message = session.restriction === 'PASSWORD_EXPIRED'
        ? '密码已过期，请先修改密码 / your password has expired: change it first'
        : '您的角色须先绑定动态口令 / your role must enrol a TOTP second factor first';
      return reply.code(403).send({ error: { code: session.restriction, message } });
    }
    // A shared-parking owner account (share_owner) holds no staff permission, and routes that only
    // need a signed-in user (the parking records, say) would be city-wide for it: it may use its
    // own account, its notices and shared parking only (docs/共享停车规则.md, "角色").
    if (session.actor.role === 'share_owner' && !SHARE_OWNER_PATHS.some((p) => req.url.startsWith(p))) {
      return reply.code(403).send({ error: { code: 'FORBIDDEN', message: '共享单位账号仅可使用共享停车 / share_owner accounts may use shared parking only' } });
    }
  });

  app.get('/api/health', {
    config: { public: true },
    schema: {
      operationId: 'systemHealth',
      tags: ['system'], summary: '健康检查 / health', security: [],
      description: '200 while the database answers; 503 with Retry-After while it does not (load balancers take the node out, clients retry).',
      response: {
        200: Type.Object({ status: Type.Literal('ok'), database: Type.String(), time: Type.String() }),
        503: Type.Object({ status: Type.Literal('unavailable'), database: Type.String(), time: Type.String() }),
      },
    },
  }, async (_req, reply) => {
    const time = ctx.clock.now().toISOString();
    if (await databaseAnswers(ctx)) return { status: 'ok' as const, database: ctx.database.kind, time };
    return reply.code(503).header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS)).send({ status: 'unavailable' as const, database: ctx.database.kind, time });
  });

  // One @fastify/rate-limit for the whole app: counts in memory, or in Redis when ZHIBO_REDIS_URL is set.
  const limits = rateLimitBackend(ctx);
  app.addHook('onClose', limits.close);
  await registerPlateSearchLimit(app, ctx, limits.options);

  await app.register(accountsRoutes(ctx));
  await app.register(auditRoutes(ctx));
  await app.register(registryRoutes(ctx));
  await app.register(ingestRoutes(ctx));
  await app.register(sessionsRoutes(ctx));
  await app.register(ticketsRoutes(ctx));
  await app.register(slaRoutes(ctx));
  await app.register(monitoringRoutes(ctx));
  await app.register(notificationsRoutes(ctx));
  await app.register(onboardingRoutes(ctx));
  await app.register(incidentsRoutes(ctx));
  await app.register(qualityRoutes(ctx));
  await app.register(analyticsRoutes(ctx));
  await app.register(overviewRoutes(ctx));
  await app.register(publicRoutes(ctx));
  await app.register(healthRoutes(ctx, metrics));
  await app.register(paymentsRoutes(ctx));
  await app.register(arrearsRoutes(ctx));
  await app.register(securityRoutes(ctx));
  await app.register(sharingRoutes(ctx));
  await app.register(themesRoutes(ctx));
  await app.register(connectorsRoutes(ctx));

  if (existsSync(webDir(ctx))) {
    await app.register(fastifyStatic, { root: webDir(ctx), wildcard: false });
  }
  return app;
}

/** Whether the database answers `select 1` within `timeoutMs` (a pool waiting on a dead server would not). */
async function databaseAnswers(ctx: RootContext, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('health check: database did not answer in time')), timeoutMs);
  });
  try {
    await Promise.race([sql`select 1`.execute(ctx.db), timeout]);
    return true;
  } catch (err) {
    ctx.log.warn({ code: (err as { code?: string }).code, reason: (err as Error).message }, '健康检查：数据库不可用 / health: database unavailable');
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function webDir(ctx: RootContext): string {
  return ctx.config.webDir ?? WEB_DIST;
}
