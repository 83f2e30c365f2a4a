import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { contentDisposition as attachment } from '../../platform/http/download.js';
import { GapSchema, SyncLotSchema, SyncReportQuery, SyncReportSchema, SyncSourceSchema } from './schemas-sync-report.js';
import { DOCX_TYPE, downloadSyncReport, XLSX_TYPE } from './sync-download.js';
import type { MonitoringContext } from './repo.js';

/** Reports (报表). Every signed-in user who may read the registry, within their district scope. */
export function syncReportRoutes(ctx: MonitoringContext) {
  return async (app: App) => {
    app.addSchema(GapSchema);
    app.addSchema(SyncLotSchema);
    app.addSchema(SyncSourceSchema);

    app.get('/api/v1/reports/sync', {
      preHandler: requirePermission('registry:read'),
      schema: {
        operationId: 'reportsSync',
        tags: ['reports'],
        summary: '数据同步监控报告（月报，json / xlsx / docx） / monthly data sync report',
        description:
          '按上海日历月统计每个停车场、每个接入系统的数据条数、有数据天数、数据断档、迟报、覆盖率、月末状态与异常标记；县市区用户只含本县市区。每次下载记审计 report.sync.download。/ '
          + 'Per lot and per source for a Shanghai calendar month: records, days with data, gaps, late deliveries, coverage, state at month end, abnormal mark; district users see their district only. Every download is audited.',
        querystring: SyncReportQuery,
        response: {
          200: {
            description: 'JSON，或 .xlsx / .docx 文件（文件名 数据同步监控报告-YYYY-MM） / JSON, or the .xlsx / .docx file',
            content: {
              'application/json': { schema: SyncReportSchema },
              [XLSX_TYPE]: { schema: { type: 'string', format: 'binary' } },
              [DOCX_TYPE]: { schema: { type: 'string', format: 'binary' } },
            },
          },
          ...errorResponses(400, 401, 403),
        },
      },
    }, async (req, reply) => {
      const file = await downloadSyncReport(ctx, actorOf(req), req.query);
      reply.header('content-type', file.contentType).header('cache-control', 'no-store');
      if (file.format !== 'json') reply.header('content-disposition', attachment(file.fileName, file.asciiName));
      // Already rendered (JSON included): a Buffer goes out as it is, past the serializer.
      return reply.send(file.body as unknown as string);
    });
  };
}
