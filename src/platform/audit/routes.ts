import { Type } from 'typebox';
import type { AppContext } from '../context.js';
import { actorOf, errorResponses, requirePermission, type App } from '../http.js';
import { XLSX_TYPE, contentDisposition } from '../http/download.js';
import { formatShanghai } from '../time.js';
import { auditXlsx } from './export.js';
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

const binary = { schema: { type: 'string', format: 'binary' } };

const AuditFilters = Type.Object({
  actor: Type.Optional(Type.String({ maxLength: 64 })),
  action: Type.Optional(Type.String({ maxLength: 64, description: 'prefix, e.g. lot.' })),
  targetType: Type.Optional(Type.String({ maxLength: 64 })),
  targetId: Type.Optional(Type.String({ maxLength: 200 })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
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
          ...AuditFilters.properties,
          cursor: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
        }),
        response: { 200: Type.Object({ items: Type.Array(AuditItem), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses(400, 401, 403) },
      },
    }, (req) => listAudit(ctx, { ...req.query, beforeId: req.query.cursor ? Number(req.query.cursor) : undefined }));

    app.get('/api/v1/audit/export', {
      ...guard,
      schema: {
        operationId: 'auditExport',
        tags: ['audit'], summary: '导出审计日志（.xlsx，含哈希与链校验）/ export the audit log (.xlsx, with hashes and the chain check)',
        description: '筛选同列表；最多 100000 行（超出 400 EXPORT_TOO_LARGE）。导出本身记入审计。/ Filters as the list; at most 100,000 rows. The export is audited.',
        querystring: AuditFilters,
        response: { 200: { description: 'Excel (.xlsx)', content: { [XLSX_TYPE]: binary } }, ...errorResponses(400, 401, 403) },
      },
    }, async (req, reply) => {
      const file = await auditXlsx(ctx, actorOf(req), req.query);
      const stamp = formatShanghai(ctx.clock.now()).slice(0, 10);
      return reply.header('content-type', XLSX_TYPE).header('content-disposition', contentDisposition(`审计日志-${stamp}.xlsx`, `audit-log-${stamp}.xlsx`)).header('cache-control', 'no-store').send(file);
    });

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
