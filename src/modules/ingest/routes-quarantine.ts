import { Type } from 'typebox';
import { badRequest } from '../../platform/errors.js';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { IngestReply } from './schemas.js';
import { bulkQuarantine, discardQuarantine, getQuarantine, listQuarantine, matchQuarantine, MAX_BULK_CHUNK, replayQuarantine } from './quarantine.js';
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
const SourceFilter = Type.Optional(Type.String({ maxLength: 64 }));
const CodeFilter = Type.Optional(Type.String({ maxLength: 64, pattern: '^[A-Z_]{1,64}$', description: 'a reason code, e.g. INVALID_PLATE' }));
const BulkRow = Type.Object({
  id: Type.Integer(),
  ok: Type.Boolean(),
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  rejected: Type.Integer(),
  requarantinedId: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
});

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
          sourceCode: SourceFilter,
          code: CodeFilter,
          cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
        }),
        response: { 200: Type.Object({ items: Type.Array(Item), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses(400, 401, 403) },
      },
    }, (req) => listQuarantine(ctx, { ...req.query, beforeId: req.query.cursor ? Number(req.query.cursor) : undefined }));

    app.get('/api/v1/ingest/quarantine/matching', {
      ...guard,
      schema: {
        operationId: 'ingestQuarantineMatching',
        tags: ['ingest'], summary: '批量处理预览：筛选命中的未处理记录数及编号 / open entries a filter matches (count, first ids)',
        querystring: Type.Object({ sourceCode: SourceFilter, code: CodeFilter }),
        response: { 200: Type.Object({ count: Type.Integer(), ids: Type.Array(Type.Integer()) }), ...errorResponses(400, 401, 403) },
      },
    }, (req) => matchQuarantine(ctx, req.query));

    app.post('/api/v1/ingest/quarantine/bulk', {
      ...guard,
      schema: {
        operationId: 'ingestQuarantineBulk',
        tags: ['ingest'], summary: '批量重放或作废（逐条结果） / replay or discard many entries, a result per entry',
        body: Type.Object({
          action: Type.Union([Type.Literal('replay'), Type.Literal('discard')]),
          ids: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: MAX_BULK_CHUNK, uniqueItems: true }),
          note: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
        }),
        response: { 200: Type.Object({ results: Type.Array(BulkRow) }), ...errorResponses(400, 401, 403) },
      },
    }, async (req) => {
      const { action, ids, note } = req.body;
      if (action === 'discard' && !note) throw badRequest('NOTE_REQUIRED', '作废须填写说明 / a discard needs a note');
      return { results: await bulkQuarantine(ctx, actorOf(req), ids, action === 'replay' ? { kind: 'replay' } : { kind: 'discard', note: note! }) };
    });

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
