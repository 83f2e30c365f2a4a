import { Type } from 'typebox';
import { AppError } from '../../platform/errors.js';
import type { App } from '../../platform/http.js';
import { errorResponses } from '../../platform/http.js';
import { SIGNATURE_HEADERS } from '../../platform/signing.js';
import { EventsBody, IngestReply } from './schemas.js';
import { ingestBatch, MAX_BATCH } from './service.js';
import { authenticateSource } from './source-auth.js';
import { quarantineBody } from './quarantine.js';
import { archiveRoutes } from './routes-archive.js';
import { quarantineRoutes } from './routes-quarantine.js';
import { importRoutes } from './routes-import.js';
import { photoUploadRoute } from './routes-photos.js';
import type { IngestContext } from './repo.js';

/** Room for 1000 events with long fields; larger bodies are refused with 413 before reading on. */
const BODY_LIMIT = 4 * 1024 * 1024;

export function ingestRoutes(ctx: IngestContext) {
  return async (app: App) => {
    await app.register(signedPushRoute(ctx));
    await app.register(photoUploadRoute(ctx));
    await app.register(quarantineRoutes(ctx));
    await app.register(archiveRoutes(ctx));
    await app.register(importRoutes(ctx));
  };
}

function signedPushRoute(ctx: IngestContext) {
  return async (app: App) => {
    // The signature covers the raw bytes: keep the body as text in this plugin (only).
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));

    app.post('/api/v1/ingest/events', {
      config: { public: true },
      bodyLimit: BODY_LIMIT,
      // The body is checked by hand after the signature; the schema is for the API document.
      validatorCompiler: () => () => true,
      schema: {
        operationId: 'ingestPushEvents',
        tags: ['ingest'],
        summary: '推送停车事件（签名） / push parking events (signed by the data source)',
        description: `X-Zhibo-Signature = hex HMAC-SHA256(secret, X-Zhibo-Timestamp + "\\n" + raw body); at most ${MAX_BATCH} events. See docs/接入规范.md.`,
        security: [],
        headers: Type.Object({
          [SIGNATURE_HEADERS.source]: Type.String({ description: '数据源编码 / data source code' }),
          [SIGNATURE_HEADERS.timestamp]: Type.String({ description: 'unix seconds, within 300 s of the server clock' }),
          [SIGNATURE_HEADERS.signature]: Type.String({ description: 'hex HMAC-SHA256' }),
        }),
        body: EventsBody,
        response: { 200: IngestReply, ...errorResponses(400, 401, 403, 413, 415, 503) },
      },
    }, async (req) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      const source = await authenticateSource(ctx, req.headers, raw);
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        await quarantineBody(ctx, source, raw, 'INVALID_JSON', '请求体不是合法 JSON / body is not valid JSON');
        throw new AppError(400, 'INVALID_JSON', '请求体不是合法 JSON / body is not valid JSON');
      }
      const events = (parsed as { events?: unknown } | null)?.events;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Array.isArray(events)) {
        await quarantineBody(ctx, source, raw, 'INVALID_BODY', '请求体应为 { "events": [...] } / body must be { "events": [...] }');
        throw new AppError(400, 'INVALID_BODY', '请求体应为 { "events": [...] } / body must be { "events": [...] }');
      }
      if (events.length > MAX_BATCH) {
        await quarantineBody(ctx, source, raw, 'TOO_MANY_EVENTS', `一批最多 ${MAX_BATCH} 条 / at most ${MAX_BATCH} events per request`);
        throw new AppError(413, 'TOO_MANY_EVENTS', `一批最多 ${MAX_BATCH} 条 / at most ${MAX_BATCH} events per request`);
      }
      const outcome = await ingestBatch(ctx, source, events, { via: 'api', rawBody: raw });
      return { accepted: outcome.accepted, duplicates: outcome.duplicates, rejected: outcome.rejected, results: outcome.results };
    });
  };
}
