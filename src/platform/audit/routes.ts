import { Type } from 'typebox';
import type { AppContext } from '../context.js';
import { errorResponses, requirePermission, type App } from '../http.js';
import { listAudit } from './query.js';
import { verifyAuditChain } from './record.js';

const AuditItem = Type.Object({
  id: Type.Integer(),
  at: Type.String(),
  actor: Type.String(),
  actorRole: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  targetType: Type.Union([Type.String(), Type.Null()]),
  targetId: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.String(),
  detail: Type.Unknown(),
});

export function auditRoutes(ctx: AppContext) {
  return async (app: App) => {
    const guard = { preHandler: requirePermission('audit:read') };

    app.get('/api/v1/audit', {
      ...guard,
      schema: {
        operationId: 'auditList',
        tags: ['audit'], summary: '审计日志 / audit log (newest first)',
        querystring: Type.Object({
          actor: Type.Optional(Type.String()),
          action: Type.Optional(Type.String({ description: 'prefix, e.g. lot.' })),
          targetType: Type.Optional(Type.String()),
          targetId: Type.Optional(Type.String()),
          from: Type.Optional(Type.String({ format: 'date-time' })),
          to: Type.Optional(Type.String({ format: 'date-time' })),
          cursor: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
        }),
        response: { 200: Type.Object({ items: Type.Array(AuditItem), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses(400, 401, 403) },
      },
    }, (req) => listAudit(ctx, { ...req.query, beforeId: req.query.cursor ? Number(req.query.cursor) : undefined }));

    app.post('/api/v1/audit/verify', {
      ...guard,
      schema: {
        operationId: 'auditVerify',
        tags: ['audit'], summary: '校验审计哈希链 / verify the audit hash chain',
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            checked: Type.Integer(),
            firstBroken: Type.Union([Type.Object({ id: Type.Integer(), reason: Type.String() }), Type.Null()]),
          }),
          ...errorResponses(401, 403),
        },
      },
    }, () => verifyAuditChain(ctx.db));
  };
}
