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
import { authenticate } from './modules/accounts/service.js';
import { accountsRoutes } from './modules/accounts/routes.js';
import { analyticsRoutes } from './modules/analytics/routes.js';
import { auditRoutes } from './modules/audit/routes.js';
import { incidentsRoutes } from './modules/incidents/routes.js';
import { ingestRoutes } from './modules/ingest/routes.js';
import { monitoringRoutes } from './modules/monitoring/routes.js';
import { notificationsRoutes } from './modules/notifications/routes.js';
import { onboardingRoutes } from './modules/onboarding/routes.js';
import { qualityRoutes } from './modules/quality/routes.js';
import { overviewRoutes } from './modules/overview/routes.js';
import { registryRoutes } from './modules/registry/routes.js';
import { reportsRoutes } from './modules/reports/routes.js';
import { sessionsRoutes } from './modules/sessions/routes.js';
import { slaRoutes } from './modules/sla/routes.js';
import { ticketsRoutes } from './modules/tickets/routes.js';
import type { AppContext } from './platform/context.js';
import { errorHandler } from './platform/error-handler.js';
import { DATABASE_RETRY_AFTER_SECONDS } from './platform/errors.js';
import { ErrorBody, type App } from './platform/http.js';
import { registerPlateSearchLimit } from './platform/plate-search.js';
import { securityHeaders } from './platform/security-headers.js';

const WEB_DIST = fileURLToPath(new URL('../dist/web/', import.meta.url));

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

/** Builds the HTTP app from the modules. Listening is the caller's business (serve, tests). */
export async function buildApp(ctx: AppContext): Promise<App> {
  const app = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    logController: new RequestLog(),
    bodyLimit: 2 * 1024 * 1024,
    trustProxy: ctx.config.trustProxy,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler(errorHandler);
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
  await app.register(fastifyMultipart, { limits: { fileSize: 20 * 1024 * 1024, files: 1 } });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: '智泊 Zhibo API', version: '0.1.0', description: '南通市智慧停车平台接口 / Nantong smart parking platform API' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearerAuth: [] }],
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
  });

  app.get('/api/health', {
    config: { public: true },
    schema: {
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

  await registerPlateSearchLimit(app, ctx);

  await app.register(accountsRoutes(ctx));
  await app.register(auditRoutes(ctx));
  await app.register(registryRoutes(ctx));
  await app.register(ingestRoutes(ctx));
  await app.register(sessionsRoutes(ctx));
  await app.register(ticketsRoutes(ctx));
  await app.register(slaRoutes(ctx));
  await app.register(reportsRoutes(ctx));
  await app.register(monitoringRoutes(ctx));
  await app.register(notificationsRoutes(ctx));
  await app.register(onboardingRoutes(ctx));
  await app.register(incidentsRoutes(ctx));
  await app.register(qualityRoutes(ctx));
  await app.register(analyticsRoutes(ctx));
  await app.register(overviewRoutes(ctx));

  if (existsSync(webDir(ctx))) {
    await app.register(fastifyStatic, { root: webDir(ctx), wildcard: false });
  }
  return app;
}

/** Whether the database answers `select 1` within `timeoutMs` (a pool waiting on a dead server would not). */
async function databaseAnswers(ctx: AppContext, timeoutMs = 2_000): Promise<boolean> {
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

function webDir(ctx: AppContext): string {
  return ctx.config.webDir ?? WEB_DIST;
}
