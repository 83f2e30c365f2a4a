import { Type } from 'typebox';
import { badRequest } from '../../platform/errors.js';
import { contentDisposition } from '../../platform/http/download.js';
import { actorOf, errorResponses, Nullable, requirePermission, type App } from '../../platform/http.js';
import { fileUploadBody, UPLOAD_LIMIT_BYTES, uploadedBytes } from '../../platform/uploads.js';
import { RECON_RESULTS } from './recon.js';
import { getImport, importBill, listImports, listLines, reportXlsx, resolveLine, XLSX_TYPE } from './reconciliation.js';
import type { PaymentsContext } from './repo.js';

const tags = ['payments'];
const Counts = Type.Object(Object.fromEntries(RECON_RESULTS.map((r) => [r, Type.Integer()])));
const FenPair = Type.Object({ payment: Type.Integer(), refund: Type.Integer() });
const ImportView = Type.Object({
  id: Type.Integer(),
  channelCode: Type.String(),
  billDate: Type.String({ description: 'YYYY-MM-DD（上海时间）' }),
  fileName: Type.String(),
  format: Type.Union([Type.Literal('wechat_trade_csv'), Type.Literal('alipay_statement_zip')]),
  summary: Type.Object({
    counts: Type.Object({ payment: Counts, refund: Counts }, { description: '按类型、结果的笔数：matched 一致、long 长款、short 短款、amount_mismatch 金额不符、duplicate 重复 / lines by kind and result' }),
    billFen: FenPair, oursFen: FenPair, billRows: Type.Integer(),
  }),
  open: Type.Integer({ description: '待处理差异 / open differences' }),
  importedAt: Type.String({ format: 'date-time' }),
  importedBy: Type.String(),
}, { $id: 'PaymentReconImport' });
const Result = Type.Union(RECON_RESULTS.map((r) => Type.Literal(r)));
const Status = Type.Union([Type.Literal('ok'), Type.Literal('open'), Type.Literal('resolved')]);
const LineView = Type.Object({
  id: Type.Integer(), importId: Type.Integer(), result: Result, kind: Type.Union([Type.Literal('payment'), Type.Literal('refund')]),
  orderNo: Nullable(Type.String()), transactionId: Nullable(Type.String()), refundNo: Nullable(Type.String()),
  billFen: Nullable(Type.Integer()), oursFen: Nullable(Type.Integer()), occurredAt: Nullable(Type.String({ format: 'date-time' })),
  status: Status, resolvedAt: Nullable(Type.String({ format: 'date-time' })), resolvedBy: Nullable(Type.String()), resolution: Nullable(Type.String()),
}, { $id: 'PaymentReconLine' });
const binary = { schema: { type: 'string', format: 'binary' } };

/** 对账 (docs/支付通道接入.md, "对账"): bill import, the difference queue, the daily report. */
export function reconRoutes(ctx: PaymentsContext) {
  return async (app: App) => {
    app.addSchema(ImportView);
    app.addSchema(LineView);
    const read = { onRequest: requirePermission('payments:read') };
    const manage = { onRequest: requirePermission('payments:manage') };

    app.post('/api/v1/payments/reconciliation/imports', {
      ...manage,
      schema: {
        operationId: 'paymentsImportBill', tags, summary: '导入通道对账单并对账 / import a channel\'s bill of a day and reconcile',
        description: '微信支付：交易账单 CSV（原样下载，字段带 ` 前缀，末尾汇总行）；支付宝：业务明细 zip（GBK CSV）。与该日（上海时间）已验证交易逐笔匹配。同一通道同一天再次导入需 replace=true。 / WeChat Pay trade bill CSV as downloaded; Alipay statement zip (GBK CSV).',
        consumes: ['multipart/form-data'],
        querystring: Type.Object({ channelCode: Type.String({ maxLength: 64 }), billDate: Type.String({ maxLength: 10, description: 'YYYY-MM-DD' }), replace: Type.Optional(Type.Boolean()) }),
        body: fileUploadBody('对账单文件 / the bill file'),
        response: { 201: Type.Ref('PaymentReconImport'), ...errorResponses(400, 401, 403, 409, 413, 415) },
      },
    }, async (req, reply) => {
      if (!req.isMultipart()) throw badRequest('INVALID_FILE', '请以 multipart/form-data 上传文件字段 file / upload the file as multipart/form-data field "file"');
      const file = await req.file({ limits: { fileSize: UPLOAD_LIMIT_BYTES } });
      if (!file || file.fieldname !== 'file') throw badRequest('INVALID_FILE', '缺少文件字段 file / missing form field "file"');
      const bytes = await uploadedBytes(file, UPLOAD_LIMIT_BYTES);
      const view = await importBill(ctx, actorOf(req), { channelCode: req.query.channelCode, billDate: req.query.billDate, fileName: file.filename, bytes, replace: req.query.replace === true });
      return reply.code(201).send(view);
    });

    app.get('/api/v1/payments/reconciliation/imports', {
      ...read,
      schema: { operationId: 'paymentsListReconImports', tags, summary: '对账记录 / reconciliations', response: { 200: Type.Object({ items: Type.Array(Type.Ref('PaymentReconImport')) }), ...errorResponses(401, 403) } },
    }, async () => ({ items: await listImports(ctx) }));

    app.get('/api/v1/payments/reconciliation/imports/:id', {
      ...read,
      schema: { operationId: 'paymentsGetReconImport', tags, summary: '一次对账 / a reconciliation', params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), response: { 200: Type.Ref('PaymentReconImport'), ...errorResponses(400, 401, 403, 404) } },
    }, (req) => getImport(ctx, req.params.id));

    app.get('/api/v1/payments/reconciliation/imports/:id/report', {
      ...read,
      schema: {
        operationId: 'paymentsReconReport', tags, summary: '支付对账日报（Excel）/ the day\'s reconciliation report (.xlsx)',
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        response: { 200: { description: 'Excel (.xlsx)', content: { [XLSX_TYPE]: binary } }, ...errorResponses(400, 401, 403, 404) },
      },
    }, async (req, reply) => {
      const f = await reportXlsx(ctx, req.params.id);
      return reply.header('content-type', XLSX_TYPE).header('content-disposition', contentDisposition(f.fileName, f.asciiName)).send(f.body);
    });

    app.get('/api/v1/payments/reconciliation/lines', {
      ...read,
      schema: {
        operationId: 'paymentsListReconLines', tags, summary: '对账明细与差异队列 / reconciliation lines and the difference queue',
        querystring: Type.Object({ importId: Type.Optional(Type.Integer({ minimum: 1 })), status: Type.Optional(Status), result: Type.Optional(Result) }),
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('PaymentReconLine')) }), ...errorResponses(400, 401, 403) },
      },
    }, async (req) => ({ items: await listLines(ctx, req.query) }));

    app.post('/api/v1/payments/reconciliation/lines/:id/resolve', {
      ...manage,
      schema: {
        operationId: 'paymentsResolveReconLine', tags, summary: '处理对账差异（需说明，留审计）/ resolve a difference with a reason (audited)',
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), body: Type.Object({ resolution: Type.String({ maxLength: 500 }) }),
        response: { 200: Type.Ref('PaymentReconLine'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => resolveLine(ctx, actorOf(req), req.params.id, req.body.resolution));
  };
}
