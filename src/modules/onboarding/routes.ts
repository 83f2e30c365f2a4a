import { Type } from 'typebox';
import { badRequest } from '../../platform/errors.js';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { UPLOAD_LIMIT_BYTES, uploadedBytes } from '../../platform/uploads.js';
import { contentDisposition as attachment } from '../../platform/http/download.js';
import { refuseInvalid, ImportQuery, ImportUploadBody } from '../registry/index.js';
import { currentCoverage } from './coverage.js';
import { changeStage, createEntry, deleteEntry, getEntry, listEntries, updateEntry } from './entries.js';
import { importEntries } from './entry-import.js';
import { checkEntry } from './entry-input.js';
import { entryTemplate, readEntrySheet } from './entry-sheet.js';
import { DOCX_TYPE, XLSX_TYPE } from './report-labels.js';
import { onboardingReport } from './report-files.js';
import {
  CoverageReply, EntryDetail, EntryListQuery, EntryPage, EntryPatchBody, EntrySchema, HistoryItemSchema, IdParams, ImportResultSchema,
  NewEntryBody, ReportQuery, ReportSchema, StageBody,
} from './schemas.js';
import type { OnboardingContext } from './repo.js';

/** Form checks without the database: districts resolve later, in the service. */
const formOnly = { district: (v: string) => v || null, scope: null };
const binary = { schema: { type: 'string', format: 'binary' } };

/** County onboarding (县市区接入): the register, its stages, coverage, the quarterly list, import. */
export function onboardingRoutes(ctx: OnboardingContext) {
  return async (app: App) => {
    app.addSchema(EntrySchema);
    app.addSchema(HistoryItemSchema);
    app.addSchema(ImportResultSchema);
    const read = { preHandler: requirePermission('registry:read') };
    const write = { preHandler: requirePermission('registry:write'), attachValidation: true };
    const tags = ['onboarding'];
    const base = '/api/v1/onboarding';

    app.get(`${base}/entries`, {
      ...read,
      schema: { operationId: 'onboardingEntriesList', tags, summary: '接入条目列表 / list onboarding entries', querystring: EntryListQuery, response: { 200: EntryPage, ...errorResponses(400, 401, 403) } },
    }, (req) => listEntries(ctx, actorOf(req), req.query));

    app.post(`${base}/entries`, {
      ...write,
      schema: {
        operationId: 'onboardingEntriesCreate',
        tags,
        summary: '登记待接入的停车资源 / register a parking resource to connect',
        description: '关联的停车场已上报数据时，条目直接转为已接入。/ When the linked lot already reports, the entry is connected at once.',
        body: NewEntryBody,
        response: { 201: EntryDetail, ...errorResponses(400, 401, 403, 409) },
      },
    }, async (req, reply) => {
      refuseInvalid(req, (b) => checkEntry(b, 'create', formOnly).issues);
      return reply.code(201).send(await createEntry(ctx, actorOf(req), req.body));
    });

    app.get(`${base}/entries/:id`, {
      ...read,
      schema: { operationId: 'onboardingEntriesGet', tags, summary: '接入条目详情（含进展记录） / an entry with its history', params: IdParams, response: { 200: EntryDetail, ...errorResponses(400, 401, 403, 404) } },
    }, (req) => getEntry(ctx, actorOf(req), req.params.id));

    app.patch(`${base}/entries/:id`, {
      ...write,
      schema: {
        operationId: 'onboardingEntriesUpdate',
        tags,
        summary: '修改接入条目（阶段经 /stage 变更） / update an entry (the stage changes through /stage)',
        params: IdParams,
        body: EntryPatchBody,
        response: { 200: EntryDetail, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => {
      refuseInvalid(req, (b) => checkEntry(b, 'patch', formOnly).issues);
      return updateEntry(ctx, actorOf(req), req.params.id, req.body);
    });

    app.post(`${base}/entries/:id/stage`, {
      ...write,
      schema: {
        operationId: 'onboardingEntriesSetStage',
        tags,
        summary: '变更接入阶段并记录进展 / change the stage with a dated note',
        description: '阶段不变时即记一条进展说明；标记已接入须先关联停车场。/ The same stage records a progress note; connected needs a linked lot.',
        params: IdParams,
        body: StageBody,
        response: { 200: EntryDetail, ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => {
      if (req.validationError) throw req.validationError;
      return changeStage(ctx, actorOf(req), req.params.id, req.body);
    });

    app.delete(`${base}/entries/:id`, {
      preHandler: requirePermission('registry:write'),
      schema: { operationId: 'onboardingEntriesDelete', tags, summary: '删除接入条目（仅系统管理员） / delete an entry (administrators only)', params: IdParams, response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) } },
    }, async (req, reply) => {
      await deleteEntry(ctx, actorOf(req), req.params.id);
      return reply.code(204).send(null);
    });

    app.get(`${base}/coverage`, {
      ...read,
      schema: {
        operationId: 'onboardingCoverage',
        tags,
        summary: '各县市区接入覆盖率 / coverage per district',
        description: '已接入泊位 = 已上报过数据的正常停车场总泊位；已知泊位 = 已接入泊位 + 未接入条目的已知泊位。/ connected spaces = total spaces of active lots that have reported; known = connected + known spaces of entries not yet connected.',
        response: { 200: CoverageReply, ...errorResponses(401, 403) },
      },
    }, (req) => currentCoverage(ctx, actorOf(req)));

    app.get(`${base}/report`, {
      ...read,
      schema: {
        operationId: 'onboardingReport',
        tags,
        summary: '县市区停车场接入进展清单（季度，json/xlsx/docx） / quarterly onboarding progress list',
        querystring: ReportQuery,
        response: {
          200: { description: 'JSON、Excel 或 Word / JSON, .xlsx or .docx', content: { 'application/json': { schema: ReportSchema }, [XLSX_TYPE]: binary, [DOCX_TYPE]: binary } },
          ...errorResponses(400, 401, 403),
        },
      },
    }, async (req, reply) => {
      const out = await onboardingReport(ctx, actorOf(req), req.query);
      if (out.format === 'json') return reply.header('content-type', 'application/json; charset=utf-8').send(out.report);
      return reply
        .header('content-type', out.contentType)
        .header('content-disposition', attachment(out.fileName, out.asciiName))
        .header('cache-control', 'no-store')
        .send(out.body);
    });

    app.get(`${base}/import/template`, {
      ...read,
      schema: { operationId: 'onboardingImportTemplate', tags, summary: '接入清单导入模板（Excel） / candidate list template (.xlsx)', response: { 200: { description: 'Excel (.xlsx)', content: { [XLSX_TYPE]: binary } }, ...errorResponses(401, 403) } },
    }, async (_req, reply) =>
      reply.header('content-type', XLSX_TYPE).header('content-disposition', attachment('县市区接入清单导入模板.xlsx', 'onboarding-import-template.xlsx')).send(await entryTemplate()));

    app.post(`${base}/import`, {
      preHandler: requirePermission('registry:write'),
      schema: {
        operationId: 'onboardingImport',
        tags,
        summary: '导入接入候选清单（.xlsx/.csv，表单字段 file；同县市区同名称则更新） / import the candidate list from .xlsx or .csv (form field file); same district and name updates',
        description: 'dryRun=true 只校验不写入。每行返回结果与全部原因。/ dryRun=true validates and writes nothing. Every row is reported with all its reasons.',
        consumes: ['multipart/form-data'],
        querystring: ImportQuery,
        body: ImportUploadBody,
        response: { 200: Type.Ref('OnboardingImportResult'), ...errorResponses(400, 401, 403, 413, 415) },
      },
    }, async (req) => {
      if (!req.isMultipart()) throw badRequest('INVALID_FILE', '请以 multipart/form-data 上传文件字段 file / upload the file as multipart/form-data field "file"');
      const file = await req.file({ limits: { fileSize: UPLOAD_LIMIT_BYTES } });
      if (!file || file.fieldname !== 'file') throw badRequest('INVALID_FILE', '缺少文件字段 file / missing form field "file"');
      const sheet = await readEntrySheet(await uploadedBytes(file, UPLOAD_LIMIT_BYTES), file.filename);
      return importEntries(ctx, actorOf(req), sheet, { dryRun: req.query.dryRun === true, fileName: file.filename });
    });
  };
}
