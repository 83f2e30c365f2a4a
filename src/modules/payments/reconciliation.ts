import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import { formatShanghai, shanghaiDayStart } from '../../platform/time.js';
import { alipayStatementText, parseAlipayStatement, parseWechatBill, type ParsedBill } from './bills.js';
import { fenToYuan } from './money.js';
import { reconcile, RECON_RESULTS, type ReconCounts, type ReconResult } from './recon.js';
import type { PaymentsContext } from './repo.js';
import { XLSX_TYPE } from '../../platform/http/download.js';

/*
 * Reconciliation (对账, docs/支付通道接入.md): import a channel's bill of a day, match it with
 * recon.ts, keep every line; differences wait in a queue until staff resolve each with a
 * reason (audited). The day's report is an .xlsx.
 */

export { XLSX_TYPE };

export const RESULT_LABELS: Record<ReconResult, string> = { matched: '一致', long: '长款（通道有、平台无）', short: '短款（平台有、通道无）', amount_mismatch: '金额不符', duplicate: '重复' };

export interface ImportSummary {
  counts: ReconCounts;
  billFen: { payment: number; refund: number };
  oursFen: { payment: number; refund: number };
  billRows: number;
}

export interface ImportView {
  id: number;
  channelCode: string;
  billDate: string;
  fileName: string;
  format: 'wechat_trade_csv' | 'alipay_statement_zip';
  summary: ImportSummary;
  open: number;
  importedAt: string;
  importedBy: string;
}

export interface LineView {
  id: number;
  importId: number;
  result: ReconResult;
  kind: 'payment' | 'refund';
  orderNo: string | null;
  transactionId: string | null;
  refundNo: string | null;
  billFen: number | null;
  oursFen: number | null;
  occurredAt: string | null;
  status: 'ok' | 'open' | 'resolved';
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolution: string | null;
}

const num = (v: number | string | null) => (v === null ? null : Number(v));

export async function importBill(ctx: PaymentsContext, actor: Actor, input: { channelCode: string; billDate: string; fileName: string; bytes: Buffer; replace?: boolean }): Promise<ImportView> {
  const dayStart = shanghaiDayStart(input.billDate);
  if (!dayStart) throw badRequest('INVALID_DATE', 'billDate 须为 YYYY-MM-DD / billDate: YYYY-MM-DD');
  const channel = await ctx.db.selectFrom('pay_channels').select(['code', 'kind']).where('code', '=', input.channelCode).executeTakeFirst();
  if (!channel) throw badRequest('UNKNOWN_CHANNEL', `支付通道 ${input.channelCode} 不存在 / unknown channel`);
  let bill: ParsedBill;
  let format: ImportView['format'];
  if (channel.kind === 'alipay') {
    bill = parseAlipayStatement(await alipayStatementText(input.bytes));
    format = 'alipay_statement_zip';
  } else {
    bill = parseWechatBill(input.bytes.toString('utf8'));
    format = 'wechat_trade_csv';
  }
  const dayEnd = new Date(dayStart.getTime() + 86_400_000);
  return ctx.db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('pay_recon_imports').select('id').where('channel_code', '=', channel.code).where('bill_date', '=', input.billDate).executeTakeFirst();
    if (existing && !input.replace) throw conflict('ALREADY_IMPORTED', `${channel.code} ${input.billDate} 的账单已导入；replace=true 重新对账 / already imported; replace=true to reconcile again`);
    if (existing) await trx.deleteFrom('pay_recon_imports').where('id', '=', existing.id).execute();
    const ours = await trx.selectFrom('pay_transactions').select(['kind', 'external_id', 'order_no', 'transaction_id', 'refund_no', 'amount_fen', 'occurred_at'])
      .where('channel_code', '=', channel.code).where('occurred_at', '>=', dayStart).where('occurred_at', '<', dayEnd).execute();
    const r = reconcile(bill.rows, ours.map((o) => ({ kind: o.kind, key: o.external_id, orderNo: o.order_no, transactionId: o.transaction_id, refundNo: o.refund_no, fen: Number(o.amount_fen), at: o.occurred_at })));
    const summary: ImportSummary = { counts: r.counts, billFen: r.billFen, oursFen: r.oursFen, billRows: bill.rows.length };
    const now = ctx.clock.now();
    const row = await trx.insertInto('pay_recon_imports').values({
      channel_code: channel.code, bill_date: input.billDate, file_name: input.fileName.slice(0, 200), format, summary: JSON.stringify(summary), imported_at: now, imported_by: actor.username,
    }).returning('id').executeTakeFirstOrThrow();
    if (r.lines.length) {
      await trx.insertInto('pay_recon_lines').values(r.lines.map((l) => ({
        import_id: row.id, result: l.result, key: l.key, kind: l.kind, order_no: l.orderNo, transaction_id: l.transactionId, refund_no: l.refundNo,
        bill_fen: l.billFen, ours_fen: l.oursFen, occurred_at: l.at, status: l.result === 'matched' ? 'ok' as const : 'open' as const, resolved_at: null, resolved_by: null, resolution: null,
      }))).execute();
    }
    await audit(ctx, trx, actor, { action: 'payment_recon.import', targetType: 'payment_recon', targetId: Number(row.id), detail: { channelCode: channel.code, billDate: input.billDate, fileName: input.fileName, replaced: !!existing, counts: r.counts } });
    return (await importViews(ctx, trx, Number(row.id)))[0]!;
  });
}

async function importViews(_ctx: PaymentsContext, db: PaymentsContext['db'], id?: number): Promise<ImportView[]> {
  const rows = await db.selectFrom('pay_recon_imports as i')
    .select((eb) => ['i.id', 'i.channel_code', sql<string>`to_char(i.bill_date, 'YYYY-MM-DD')`.as('bill_date'), 'i.file_name', 'i.format', 'i.summary', 'i.imported_at', 'i.imported_by',
      eb.selectFrom('pay_recon_lines as l').select((e) => e.fn.countAll<string>().as('n')).whereRef('l.import_id', '=', 'i.id').where('l.status', '=', 'open').as('open')])
    .$if(id !== undefined, (q) => q.where('i.id', '=', String(id)))
    .orderBy('i.bill_date', 'desc').orderBy('i.id', 'desc').limit(500).execute();
  return rows.map((r) => ({
    id: Number(r.id), channelCode: r.channel_code, billDate: r.bill_date, fileName: r.file_name, format: r.format,
    summary: (typeof r.summary === 'string' ? JSON.parse(r.summary) : r.summary) as ImportSummary, open: Number(r.open ?? 0),
    importedAt: r.imported_at.toISOString(), importedBy: r.imported_by,
  }));
}

export const listImports = (ctx: PaymentsContext) => importViews(ctx, ctx.db);

export async function getImport(ctx: PaymentsContext, id: number): Promise<ImportView> {
  const [v] = await importViews(ctx, ctx.db, id);
  if (!v) throw notFound(`对账 ${id}`);
  return v;
}

export async function listLines(ctx: PaymentsContext, q: { importId?: number; status?: 'ok' | 'open' | 'resolved'; result?: ReconResult }): Promise<LineView[]> {
  const rows = await ctx.db.selectFrom('pay_recon_lines').selectAll()
    .$if(q.importId !== undefined, (b) => b.where('import_id', '=', String(q.importId)))
    .$if(q.status !== undefined, (b) => b.where('status', '=', q.status!))
    .$if(q.result !== undefined, (b) => b.where('result', '=', q.result!))
    .orderBy('import_id', 'desc').orderBy('id').limit(5000).execute();
  return rows.map((r) => ({
    id: Number(r.id), importId: Number(r.import_id), result: r.result as ReconResult, kind: r.kind, orderNo: r.order_no, transactionId: r.transaction_id, refundNo: r.refund_no,
    billFen: num(r.bill_fen), oursFen: num(r.ours_fen), occurredAt: r.occurred_at?.toISOString() ?? null, status: r.status,
    resolvedAt: r.resolved_at?.toISOString() ?? null, resolvedBy: r.resolved_by, resolution: r.resolution,
  }));
}

/** Staff close a difference with a reason (audited). */
export async function resolveLine(ctx: PaymentsContext, actor: Actor, id: number, resolution: string): Promise<LineView> {
  const text = resolution.trim();
  if (!text || text.length > 500) throw badRequest('INVALID_RESOLUTION', '处理说明须为 1–500 字 / resolution: 1–500 characters');
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('pay_recon_lines').select(['id', 'status', 'result']).where('id', '=', String(id)).forUpdate().executeTakeFirst();
    if (!row) throw notFound(`对账差异 ${id}`);
    if (row.status !== 'open') throw conflict('NOT_OPEN', `该行状态为 ${row.status}，无需处理 / line is ${row.status}`);
    const now = ctx.clock.now();
    await trx.updateTable('pay_recon_lines').set({ status: 'resolved', resolved_at: now, resolved_by: actor.username, resolution: text }).where('id', '=', row.id).execute();
    await audit(ctx, trx, actor, { action: 'payment_recon.resolve', targetType: 'payment_recon_line', targetId: id, detail: { result: row.result, resolution: text } });
    const [line] = await listLinesIn(trx, id);
    return line!;
  });
}

async function listLinesIn(db: PaymentsContext['db'], id: number): Promise<LineView[]> {
  const r = await db.selectFrom('pay_recon_lines').selectAll().where('id', '=', String(id)).executeTakeFirstOrThrow();
  return [{
    id: Number(r.id), importId: Number(r.import_id), result: r.result as ReconResult, kind: r.kind, orderNo: r.order_no, transactionId: r.transaction_id, refundNo: r.refund_no,
    billFen: num(r.bill_fen), oursFen: num(r.ours_fen), occurredAt: r.occurred_at?.toISOString() ?? null, status: r.status,
    resolvedAt: r.resolved_at?.toISOString() ?? null, resolvedBy: r.resolved_by, resolution: r.resolution,
  }];
}

const yuan = (fen: number | null) => (fen === null ? '' : fenToYuan(fen));
const KIND_LABEL = { payment: '支付', refund: '退款' } as const;
const STATUS_LABEL = { ok: '一致', open: '待处理', resolved: '已处理' } as const;

/** The day's reconciliation report: 汇总 (counts and sums by kind) and 明细 (every line). */
export async function reportXlsx(ctx: PaymentsContext, id: number): Promise<{ body: Buffer; fileName: string; asciiName: string }> {
  const imp = await getImport(ctx, id);
  const lines = await listLines(ctx, { importId: id });
  const wb = new ExcelJS.Workbook();
  wb.creator = '智泊 Zhibo';
  const title = `支付对账日报 ${imp.channelCode} ${imp.billDate}`;
  const s = wb.addWorksheet('汇总');
  s.columns = [{ width: 26 }, { width: 14 }, { width: 14 }];
  s.addRow([title]).font = { bold: true, size: 14 };
  s.addRow([`账单文件：${imp.fileName}；导入：${formatShanghai(new Date(imp.importedAt))} ${imp.importedBy}`]);
  s.addRow([]);
  s.addRow(['结果', '支付（笔）', '退款（笔）']).font = { bold: true };
  for (const r of RECON_RESULTS) s.addRow([RESULT_LABELS[r], imp.summary.counts.payment[r], imp.summary.counts.refund[r]]);
  s.addRow([]);
  s.addRow(['金额（元）', '支付', '退款']).font = { bold: true };
  s.addRow(['通道账单', yuan(imp.summary.billFen.payment), yuan(imp.summary.billFen.refund)]);
  s.addRow(['平台记录', yuan(imp.summary.oursFen.payment), yuan(imp.summary.oursFen.refund)]);
  s.addRow(['待处理差异（笔）', imp.open]);
  const d = wb.addWorksheet('明细');
  d.columns = [{ width: 8 }, { width: 22 }, { width: 8 }, { width: 26 }, { width: 34 }, { width: 30 }, { width: 12 }, { width: 12 }, { width: 20 }, { width: 10 }, { width: 30 }];
  d.addRow(['序号', '结果', '类型', '商户订单号', '通道交易号', '退款单号', '账单金额（元）', '平台金额（元）', '时间', '状态', '处理说明']).font = { bold: true };
  d.views = [{ state: 'frozen', ySplit: 1 }];
  lines.forEach((l, i) => d.addRow([
    i + 1, RESULT_LABELS[l.result], KIND_LABEL[l.kind], l.orderNo ?? '', l.transactionId ?? '', l.refundNo ?? '', yuan(l.billFen), yuan(l.oursFen),
    l.occurredAt ? formatShanghai(new Date(l.occurredAt)) : '', STATUS_LABEL[l.status], l.resolution ? `${l.resolution}（${l.resolvedBy}）` : '',
  ]));
  const body = Buffer.from(await wb.xlsx.writeBuffer());
  return { body, fileName: `支付对账日报-${imp.channelCode}-${imp.billDate}.xlsx`, asciiName: `payment-reconciliation-${imp.channelCode}-${imp.billDate}.xlsx` };
}
