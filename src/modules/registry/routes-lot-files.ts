import { Type } from 'typebox';
import { badRequest } from '../../platform/errors.js';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { UPLOAD_LIMIT_BYTES, uploadedBytes } from '../../platform/uploads.js';
import { readLotSheet } from './lot-file.js';
import { importLots } from './lot-import.js';
import { importTemplate, lotsWorkbook, XLSX_TYPE } from './lot-sheets.js';
import { allLots } from './lots.js';
import { sendFile } from './route-helpers.js';
import { ImportQuery, ImportUploadBody, LotExportQuery } from './schemas.js';
import type { RegistryContext } from './repo.js';

const XlsxDownload = { description: 'Excel (.xlsx)', content: { [XLSX_TYPE]: { schema: { type: 'string', format: 'binary' } } } };

/** Spreadsheet import and export of lots. */
export function lotFileRoutes(ctx: RegistryContext) {
  return async (app: App) => {
    const tags = ['registry'];

    app.get('/api/v1/lots/export', {
      preHandler: requirePermission('registry:read'),
      schema: { operationId: 'registryLotsExport', tags, summary: '导出停车场（Excel，筛选同列表） / export lots as .xlsx, same filters as the list', querystring: LotExportQuery, response: { 200: XlsxDownload, ...errorResponses(400, 401, 403) } },
    }, async (req, reply) => {
      const lots = await allLots(ctx, actorOf(req), req.query);
      const day = ctx.clock.now().toISOString().slice(0, 10);
      return sendFile(reply, await lotsWorkbook(lots), XLSX_TYPE, `停车场-${day}.xlsx`, `lots-${day}.xlsx`);
    });

    app.get('/api/v1/lots/import/template', {
      preHandler: requirePermission('registry:read'),
      schema: { operationId: 'registryLotsImportTemplate', tags, summary: '停车场导入模板（Excel） / lot import template (.xlsx)', response: { 200: XlsxDownload, ...errorResponses(401, 403) } },
    }, async (_req, reply) => sendFile(reply, await importTemplate(), XLSX_TYPE, '停车场导入模板.xlsx', 'lot-import-template.xlsx'));

    app.post('/api/v1/lots/import', {
      preHandler: requirePermission('registry:write'),
      schema: {
        operationId: 'registryLotsImport',
        tags,
        summary: '批量导入停车场（.xlsx/.csv，表单字段 file；已有编码则更新） / import lots from .xlsx or .csv (form field file); existing codes are updated',
        description: 'dryRun=true 只校验不写入。每行返回结果与全部原因。/ dryRun=true validates and writes nothing. Every row is reported with all its reasons.',
        consumes: ['multipart/form-data'],
        querystring: ImportQuery,
        body: ImportUploadBody,
        response: { 200: Type.Ref('LotImportResult'), ...errorResponses(400, 401, 403, 413, 415) },
      },
    }, async (req) => {
      if (!req.isMultipart()) throw badRequest('INVALID_FILE', '请以 multipart/form-data 上传文件字段 file / upload the file as multipart/form-data field "file"');
      const file = await req.file({ limits: { fileSize: UPLOAD_LIMIT_BYTES } });
      if (!file || file.fieldname !== 'file') throw badRequest('INVALID_FILE', '缺少文件字段 file / missing form field "file"');
      const buffer = await uploadedBytes(file, UPLOAD_LIMIT_BYTES);
      const sheet = await readLotSheet(buffer, file.filename);
      return importLots(ctx, actorOf(req), sheet, { dryRun: req.query.dryRun === true, fileName: file.filename });
    });
  };
}
