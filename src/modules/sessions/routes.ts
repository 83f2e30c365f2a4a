import type { FastifyReply } from 'fastify';
import { actorOf, errorResponses, type App } from '../../platform/http.js';
import { getSession, listSessions } from './records.js';
import { sessionPhoto } from './photos.js';
import { contentDisposition as attachment } from '../../platform/http/download.js';
import { exportSessions, XLSX_TYPE, type ExportJob } from './records-export.js';
import { SessionDetail, SessionEventSchema, SessionExportQuery, SessionIdParams, SessionListQuery, SessionPage, SessionPhotoParams, SessionSchema } from './schemas.js';
import type { SessionsContext } from './repo.js';

/**
 * Parking records (停车流水). Every signed-in user may read them within their district scope;
 * plates are masked without the `pii` permission, and each unmasked response is audited.
 */
export function sessionsRoutes(ctx: SessionsContext) {
  return async (app: App) => {
    app.addSchema(SessionSchema);
    app.addSchema(SessionEventSchema);
    const tags = ['sessions'];
    // Plate searches without pii count against the user's per-minute limit (429 beyond).
    const plateLimit = app.plateSearchLimit((req) => (req.query as { plate?: string }).plate);

    app.get('/api/v1/sessions', {
      schema: {
        operationId: 'sessionsList',
        tags,
        summary: '停车流水查询 / parking records',
        description:
          '按入场时间（入场未知时按出场时间）倒序，游标翻页。无 pii 权限时车牌脱敏；有 pii 权限时每次返回明文车牌均记审计 session.read_pii。'
          + '无 pii 权限时 plate 须为完整车牌（否则 400 PLATE_EXACT_REQUIRED），每次按车牌查询记审计 session.plate_search，每人每分钟限次（超出 429 RATE_LIMITED）。/ '
          + 'Newest first by entry time (exit time when the entry is unknown), keyset-paged. Plates are masked without pii; every unmasked response is audited. '
          + 'Without pii, plate must be a whole plate (else 400 PLATE_EXACT_REQUIRED); each plate search is audited and limited per user and minute (429 RATE_LIMITED).',
        querystring: SessionListQuery,
        response: { 200: SessionPage, ...errorResponses(400, 401, 403, 429) },
      },
      preHandler: plateLimit,
    }, (req) => listSessions(ctx, actorOf(req), req.query));

    app.get('/api/v1/sessions/export', {
      schema: {
        operationId: 'sessionsExport',
        tags,
        summary: '导出停车流水（xlsx 或 csv，筛选同查询） / export parking records as .xlsx or .csv, same filters as the list',
        description: '车牌筛选的规则、审计与限次同查询。/ The plate filter is checked, audited and limited as for the list.',
        querystring: SessionExportQuery,
        response: {
          200: {
            description: 'Excel (.xlsx) 或 UTF-8 CSV（带 BOM） / .xlsx or UTF-8 CSV with BOM',
            content: {
              [XLSX_TYPE]: { schema: { type: 'string', format: 'binary' } },
              'text/csv': { schema: { type: 'string', format: 'binary', description: 'UTF-8 CSV（带 BOM） / UTF-8 CSV with BOM' } },
            },
          },
          ...errorResponses(400, 401, 403, 429),
        },
      },
      preHandler: plateLimit,
    }, async (req, reply) => {
      const job = await exportSessions(ctx, actorOf(req), req.query);
      return sendDownload(reply, job);
    });

    app.get('/api/v1/sessions/:id', {
      schema: {
        operationId: 'sessionsGet',
        tags,
        summary: '停车流水详情（含原始事件） / a parking record with its events',
        params: SessionIdParams,
        response: { 200: SessionDetail, ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => getSession(ctx, actorOf(req), req.params.id));

    app.get('/api/v1/sessions/:id/photos/:which', {
      schema: {
        operationId: 'sessionsPhoto',
        tags,
        summary: '停车流水的出入场抓拍（平台存储的图片） / the entry or exit snapshot of a parking record, as stored by the platform',
        description: '需要 pii 权限（抓拍能看清车牌），每次返回图片记审计 session.read_photo。外部 https 抓拍不经此接口（404 PHOTO_EXTERNAL，控制台直接链接），'
          + '已过保存期限删除的为 404 PHOTO_GONE。/ Requires pii (a snapshot shows the plate); every image served is audited. External snapshots are not served here '
          + '(404 PHOTO_EXTERNAL: the console links them); deleted by retention: 404 PHOTO_GONE. docs/decisions/0036-photo-store.md.',
        params: SessionPhotoParams,
        response: {
          200: {
            description: 'JPEG 或 PNG / the image',
            content: {
              'image/jpeg': { schema: { type: 'string', format: 'binary' } },
              'image/png': { schema: { type: 'string', format: 'binary' } },
            },
          },
          ...errorResponses(400, 401, 403, 404),
        },
      },
    }, async (req, reply) => {
      const photo = await sessionPhoto(ctx, actorOf(req), req.params.id, req.params.which);
      return reply.header('content-type', photo.contentType).header('cache-control', 'private, no-store').send(photo.bytes as unknown as string); // a Buffer goes out as it is
    });
  };
}

/** Streams an export as a download; the name may be Chinese (RFC 6266 filename*). */
function sendDownload(reply: FastifyReply, job: ExportJob) {
  return reply
    .header('content-type', job.contentType)
    .header('content-disposition', attachment(job.fileName, job.asciiName))
    .header('cache-control', 'no-store')
    .send(job.stream);
}
