import { Type } from 'typebox';
import { errorResponses, requirePermission, type App } from '../../platform/http.js';
import { listArchives } from './archive.js';
import type { IngestContext } from './repo.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const ArchiveItem = Type.Object({
  id: Type.Integer(),
  table: Type.Union([Type.Literal('ingest_events'), Type.Literal('ingest_quarantine')], { description: '原始事件或已处理的隔离区 / raw events or resolved quarantine' }),
  month: Type.String({ description: '上海日历月 YYYY-MM / Shanghai month' }),
  file: Type.String({ description: '归档目录中的文件名 / the file name in the archive directory' }),
  rows: Type.Integer(),
  bytes: Type.Integer({ description: '压缩后大小（字节） / compressed size in bytes' }),
  sha256: Type.String(),
  createdAt: Type.String(),
  deletedRows: Type.Integer({ description: '已从数据表删除的行数 / rows deleted from the table so far' }),
  finishedAt: Nullable(Type.String({ description: '全部已归档行删除完毕的时间 / when every archived row was deleted' })),
  restoredAt: Nullable(Type.String()),
  restoredRows: Type.Union([Type.Integer(), Type.Null()]),
  restoreCommand: Type.String({ description: '恢复命令 / the command that puts the rows back' }),
}, { $id: 'IngestArchive' });

const ArchivePage = Type.Object({
  dir: Nullable(Type.String({ description: '归档目录（ZHIBO_ARCHIVE_DIR）；null 时归档关闭 / the archive directory; null: archiving is off' })),
  eventRetentionMonths: Type.Integer(),
  quarantineRetentionDays: Type.Integer(),
  total: Type.Integer(),
  items: Type.Array(Type.Ref('IngestArchive')),
});

export function archiveRoutes(ctx: IngestContext) {
  return async (app: App) => {
    app.addSchema(ArchiveItem);
    app.get('/api/v1/ingest/archives', {
      preHandler: requirePermission('ops'),
      schema: {
        operationId: 'ingestArchiveList',
        tags: ['ingest'], summary: '数据归档：按月归档的原始事件与隔离区文件 / the monthly archive files of raw events and quarantine',
        description: '月份新的在前；每条含行数、大小、SHA-256 与恢复命令。归档由每晚的任务 ingest.archive 完成（docs/用户手册.md 第 26 章）。/ '
          + 'Newest month first, with rows, size, checksum and the restore command; written by the nightly job ingest.archive.',
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
          offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
        }),
        response: { 200: ArchivePage, ...errorResponses(400, 401, 403) },
      },
    }, (req) => listArchives(ctx, { limit: req.query.limit ?? 200, offset: req.query.offset ?? 0 }));
  };
}
