import { Type } from 'typebox';
import { badRequest } from '../../platform/errors.js';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { fileTooLarge, fileUploadBody } from '../../platform/uploads.js';
import { importEvents, MAX_ERROR_ROWS } from './event-import.js';
import type { IngestContext } from './repo.js';

/** Upload limit of an event file (the app's default multipart limit is 20 MB). */
export const MAX_IMPORT_BYTES = 200 * 1024 * 1024;

const tooLarge = () => fileTooLarge(MAX_IMPORT_BYTES);

const RowError = Type.Object({ row: Type.Integer(), eventId: Type.Union([Type.String(), Type.Null()]), code: Type.String(), message: Type.String() });

export const EventImportReply = Type.Object(
  {
    dryRun: Type.Boolean(),
    fileName: Type.String(),
    format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx'), Type.Literal('jsonl')]),
    rows: Type.Integer(),
    accepted: Type.Integer(),
    duplicates: Type.Integer(),
    rejected: Type.Integer(),
    errors: Type.Array(RowError, { description: `被拒行（最多 ${MAX_ERROR_ROWS} 行） / refused rows, at most ${MAX_ERROR_ROWS}` }),
    truncated: Type.Boolean({ description: '被拒行超过上限，仅列出前面部分 / more refused rows than listed' }),
    ignoredColumns: Type.Array(Type.String()),
    quarantined: Type.Integer({ description: '写入隔离区的记录数（每批一条） / quarantine entries written, one per chunk with refused rows' }),
  },
  { $id: 'EventImportResult' },
);

const UploadBody = fileUploadBody('.csv / .xlsx / .jsonl (.ndjson) 文件 / event file');

/** Offline import of event files: the same checks and quarantine as the signed API. */
export function importRoutes(ctx: IngestContext) {
  return async (app: App) => {
    app.addSchema(EventImportReply);

    app.post('/api/v1/ingest/import', {
      preHandler: requirePermission('ops'),
      schema: {
        operationId: 'ingestImportFile',
        tags: ['ingest'],
        summary: '离线/历史数据导入（.csv/.xlsx/.jsonl，表单字段 file） / import historical or offline events from a file (form field file)',
        description:
          '逐行校验，与推送接口同一校验路径；被拒行进入隔离区（via=import）。dryRun=true 只校验不写入。' +
          `文件不超过 ${MAX_IMPORT_BYTES / 1024 / 1024} MB，边上传边导入。 / Rows are checked by the same path as the push API; refused rows are quarantined (via=import). ` +
          `dryRun=true validates and writes nothing. Files up to ${MAX_IMPORT_BYTES / 1024 / 1024} MB, imported as they upload.`,
        consumes: ['multipart/form-data'],
        querystring: Type.Object({
          sourceCode: Type.String({ minLength: 1, maxLength: 64, description: '数据源编码 / data source code' }),
          dryRun: Type.Optional(Type.Boolean({ description: '仅校验不写入 / validate only, write nothing' })),
        }),
        body: UploadBody,
        response: { 200: Type.Ref('EventImportResult'), ...errorResponses(400, 401, 403, 413, 415) },
      },
    }, async (req) => {
      if (!req.isMultipart()) throw badRequest('INVALID_FILE', '请以 multipart/form-data 上传文件字段 file / upload the file as multipart/form-data field "file"');
      const length = Number(req.headers['content-length']);
      // A declared size over the limit is refused before anything is imported (the form's own bytes get some room).
      if (length > MAX_IMPORT_BYTES + 64 * 1024) throw tooLarge();
      const file = await req.file({ limits: { fileSize: MAX_IMPORT_BYTES } });
      if (!file || file.fieldname !== 'file') throw badRequest('INVALID_FILE', '缺少文件字段 file / missing form field "file"');
      // Past the limit busboy only truncates the stream: make that an error the import stops on.
      file.file.once('limit', () => file.file.destroy(tooLarge()));
      try {
        const result = await importEvents(ctx, actorOf(req), {
          sourceCode: req.query.sourceCode,
          input: file.file,
          fileName: file.filename,
          totalBytes: Number.isFinite(length) && length > 0 ? length : null,
          dryRun: req.query.dryRun === true,
        });
        // The 'limit' listener stops the import; this is for a stream that ended truncated all the same.
        if (file.file.truncated) throw tooLarge();
        return result;
      } catch (err) {
        file.file.resume(); // let the rest of the upload drain so that the client gets the answer
        throw err;
      }
    });
  };
}
