import { Type } from 'typebox';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { IngestReply } from './schemas.js';
import { discardQuarantine, getQuarantine, listQuarantine, replayQuarantine } from './quarantine.js';
import type { IngestContext } from './repo.js';

const Reason = Type.Object({ index: Type.Union([Type.Integer(), Type.Null()]), eventId: Type.Union([Type.String(), Type.Null()]), code: Type.String(), message: Type.String() });
const Item = Type.Object({
  id: Type.Integer(),
  sourceCode: Type.Union([Type.String(), Type.Null()]),
  receivedAt: Type.String(),
  via: Type.String(),
  rejected: Type.Integer(),
  reasons: Type.Array(Reason),
  status: Type.String(),
  resolvedAt: Type.Union([Type.String(), Type.Null()]),
  resolvedBy: Type.Union([Type.String(), Type.Null()]),
  note: Type.Union([Type.String(), Type.Null()]),
  bodyBytes: Type.Integer(),
});
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export function quarantineRoutes(ctx: IngestContext) {
  return async (app: App) => {
    const guard = { preHandler: requirePermission('ops') };

    app.get('/api/v1/ingest/quarantine', {
      ...guard,
      schema: {
        operationId: 'ingestQuarantineList',
        tags: ['ingest'], summary: '隔离区：被拒收的数据 / quarantine of refused data',
        querystring: Type.Object({
          status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('replayed'), Type.Literal('discarded')])),
          sourceCode: Type.Optional(Type.String({ maxLength: 64 })),
          cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
        }),
        response: { 200: Type.Object({ items: Type.Array(Item), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses(400, 401, 403) },
      },
    }, (req) => listQuarantine(ctx, { ...req.query, beforeId: req.query.cursor ? Number(req.query.cursor) : undefined }));

    app.get('/api/v1/ingest/quarantine/:id', {
      ...guard,
      schema: {
        operationId: 'ingestQuarantineGet',
        tags: ['ingest'], summary: '隔离记录详情（含原始报文，查看留痕） / one entry with its raw body (audited)',
        params: IdParams,
        response: { 200: Type.Intersect([Item, Type.Object({ rawBody: Type.String() })]), ...errorResponses(401, 403, 404) },
      },
    }, (req) => getQuarantine(ctx, actorOf(req), req.params.id));

    app.post('/api/v1/ingest/quarantine/:id/replay', {
      ...guard,
      schema: {
        operationId: 'ingestQuarantineReplay',
        tags: ['ingest'], summary: '更正后重放 / replay, optionally with a corrected body',
        params: IdParams,
        body: Type.Object({ body: Type.Optional(Type.String({ maxLength: 4 * 1024 * 1024, description: 'corrected raw JSON { "events": [...] }' })) }),
        response: { 200: IngestReply, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, async (req) => {
      const o = await replayQuarantine(ctx, actorOf(req), req.params.id, req.body.body ?? null);
      return { accepted: o.accepted, duplicates: o.duplicates, rejected: o.rejected, results: o.results };
    });

    app.post('/api/v1/ingest/quarantine/:id/discard', {
      ...guard,
      schema: {
        operationId: 'ingestQuarantineDiscard',
        tags: ['ingest'], summary: '作废 / discard with a note',
        params: IdParams,
        body: Type.Object({ note: Type.String({ minLength: 1, maxLength: 500 }) }),
        response: { 200: Item, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => discardQuarantine(ctx, actorOf(req), req.params.id, req.body.note));
  };
}
